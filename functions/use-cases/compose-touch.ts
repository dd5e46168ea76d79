/**
 * Turns a step's template into the exact email or SMS to send: personalisation,
 * unsubscribe link and headers, tokenised Reply-To, threading, opt-out wording.
 */
import { renderEmail, renderSms, templateVarsFor } from '../domain/templates.js';
import { createReplyToken, createUnsubscribeToken } from '../domain/tokens.js';
import type { Enrollment, Prospect } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { OutgoingCall, OutgoingEmail, OutgoingSms } from '../ports.js';
import { callerIdOf } from '../domain/sequence-people-fields.js';
import { TWILIO_STATUS_WEBHOOK_PATH } from '../routes.js';
import { publicPath, voicemailCallUrls } from './call-urls.js';
import type { UseCaseContext } from './context.js';

export type ComposedTouch =
  | { channel: 'email'; email: OutgoingEmail }
  | { channel: 'sms'; sms: OutgoingSms }
  /** A voicemail drop: the message itself is rendered when Twilio asks for the TwiML (the greeting has ended). */
  | { channel: 'voicemail'; call: OutgoingCall };

export class MissingSenderError extends Error {
  override name = 'MissingSenderError';
}

export function composeTouch(
  ctx: Pick<UseCaseContext, 'settings'>,
  input: {
    sequence: PublishedSequence;
    step: StepDefinition;
    enrollment: Enrollment;
    prospect: Prospect;
    address: string;
  },
): ComposedTouch {
  const { sequence, step, enrollment, prospect, address } = input;
  const template = sequence.templates[step.id];
  if (!template) throw new Error(`no template for step ${step.id}`);
  const sender = sequence.definition.sender;
  const unsubscribeUrl = unsubscribeUrlFor(ctx, prospect.id, 'email');
  const variables = (withUnsubscribe: boolean) =>
    templateVarsFor({ prospect, sender, ...(withUnsubscribe ? { unsubscribeUrl } : {}) });

  switch (template.channel) {
    case 'email': {
      if (!sender.email) throw new MissingSenderError(`sequence ${sequence.id} has no email sender`);
      const threaded = !step.newThread && enrollment.thread !== undefined;
      const rendered = renderEmail(template, variables(true), threaded ? { threadSubject: enrollment.thread?.subject } : {});
      const headers: Record<string, string> = {
        'List-Unsubscribe': listUnsubscribeHeader(ctx, unsubscribeUrl, prospect.id),
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      };
      if (threaded && enrollment.thread) {
        headers['In-Reply-To'] = enrollment.thread.messageIdHeader;
        headers['References'] = enrollment.thread.messageIdHeader;
      }
      const replyTo = ctx.settings.replyDomain
        ? `reply+${createReplyToken(enrollment.id, ctx.settings.signingSecret)}@${ctx.settings.replyDomain}`
        : sender.email.replyTo;
      return {
        channel: 'email',
        email: {
          from: sender.email.from,
          to: address,
          ...(replyTo ? { replyTo } : {}),
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers,
          touch: { enrollmentId: enrollment.id, stepId: step.id },
          tags: {
            prospectId: enrollment.prospectId,
            sequenceId: enrollment.sequenceId,
            run: String(enrollment.run),
            stepIndex: String(enrollment.stepIndex),
          },
        },
      };
    }
    case 'sms': {
      if (!sender.sms) throw new MissingSenderError(`sequence ${sequence.id} has no SMS sender`);
      const isFirstSms = sequence.definition.steps
        .slice(0, enrollment.stepIndex)
        .every((earlier) => earlier.channel !== 'sms');
      const rendered = renderSms(template, variables(false), { isFirstSmsOfSequence: isFirstSms });
      const callback = new URL(ctx.settings.smsStatusCallbackUrl ?? publicPath(ctx, TWILIO_STATUS_WEBHOOK_PATH));
      callback.searchParams.set('e', enrollment.id);
      callback.searchParams.set('r', String(enrollment.run));
      callback.searchParams.set('s', String(enrollment.stepIndex));
      return {
        channel: 'sms',
        sms: {
          to: address,
          ...(sender.sms.messagingServiceSid
            ? { messagingServiceSid: sender.sms.messagingServiceSid }
            : { from: sender.sms.from }),
          body: rendered.body,
          statusCallbackUrl: callback.toString(),
          touch: { enrollmentId: enrollment.id, stepId: step.id },
        },
      };
    }
    case 'voicemail': {
      const from = callerIdOf(sequence.definition);
      if (!from) throw new MissingSenderError(`sequence ${sequence.id} has no caller ID`);
      const urls = voicemailCallUrls(ctx, { enrollmentId: enrollment.id, run: enrollment.run, stepIndex: enrollment.stepIndex });
      return {
        channel: 'voicemail',
        call: {
          to: address,
          from,
          twimlUrl: urls.twiml,
          statusCallbackUrl: urls.status,
          statusCallbackEvents: ['completed'],
          // The TwiML is asked for once a machine's greeting has ended (or a human answered).
          machineDetection: 'DetectMessageEnd',
          ringTimeoutSeconds: 30,
          purpose: { kind: 'voicemail', touch: { enrollmentId: enrollment.id, stepId: step.id } },
        },
      };
    }
    case 'call':
    case 'task':
      // People steps make a task (use-cases/assign-task.ts); nothing is sent.
      throw new Error(`step ${step.id} is a ${template.channel} step: it is done by a rep, not sent`);
  }
}

export function unsubscribeUrlFor(ctx: Pick<UseCaseContext, 'settings'>, prospectId: string, channel: 'email' | 'sms'): string {
  const token = createUnsubscribeToken({ prospectId, channel }, ctx.settings.signingSecret);
  return publicPath(ctx, `/unsubscribe/${token}`);
}


function listUnsubscribeHeader(ctx: Pick<UseCaseContext, 'settings'>, url: string, prospectId: string): string {
  if (!ctx.settings.replyDomain) return `<${url}>`;
  const token = createUnsubscribeToken({ prospectId, channel: 'email' }, ctx.settings.signingSecret);
  // `u+`: with the token the local part stays within RFC 5321's 64 octets.
  return `<${url}>, <mailto:u+${token}@${ctx.settings.replyDomain}?subject=unsubscribe>`;
}
