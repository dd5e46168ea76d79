/**
 * `POST /sequences/{id}/preview`: one step of the current version rendered as it would be
 * sent, for the sample prospect templates are validated with, a stored prospect, or one
 * the user types in: the email's subject, HTML and text, or the SMS with its segment count
 * (domain/sms-segments.ts). Nothing is sent or stored.
 */
import { InvalidQueryError } from '../domain/page.js';
import type { Prospect } from '../domain/records.js';
import { RenderError, renderEmail, renderScript, renderSms, SAMPLE_PROSPECT, SAMPLE_UNSUBSCRIBE_URL, templateVarsFor } from '../domain/templates.js';
import { ProspectNotFoundError, SequenceNotFoundError, type UseCaseContext } from './context.js';
import { unsubscribeUrlFor } from './compose-touch.js';

export interface PreviewInput {
  sequenceId: string;
  stepId: string;
  prospectId?: string;
  prospect?: Partial<Pick<Prospect, 'email' | 'phone' | 'firstName' | 'lastName' | 'company' | 'timezone' | 'attributes'>>;
}

export type Preview =
  | { channel: 'email'; subject: string; html: string; text: string; prospect: PreviewSource }
  | { channel: 'sms'; text: string; segments: { count: number; encoding: 'GSM-7' | 'UCS-2' }; prospect: PreviewSource }
  /** A call's or task's script as the rep reads it, a voicemail drop's message as it is spoken. */
  | { channel: 'call' | 'voicemail' | 'task'; text: string; prospect: PreviewSource };
export type PreviewSource = 'sample' | 'stored' | 'given';

export async function previewStep(ctx: UseCaseContext, input: PreviewInput): Promise<Preview> {
  const sequence = await ctx.store.getCurrentSequence(input.sequenceId);
  if (!sequence) throw new SequenceNotFoundError(input.sequenceId);
  const index = sequence.definition.steps.findIndex((s) => s.id === input.stepId);
  const step = sequence.definition.steps[index];
  const template = sequence.templates[input.stepId];
  if (!step || !template) {
    throw new InvalidQueryError('stepId', `stepId must be a step of ${sequence.id}: ${sequence.definition.steps.map((s) => s.id).join(', ')}`);
  }
  if (input.prospectId && input.prospect) throw new InvalidQueryError('prospect', 'give prospectId or prospect, not both');

  let source: PreviewSource = 'sample';
  let prospect: Pick<Prospect, 'email' | 'phone' | 'firstName' | 'lastName' | 'company' | 'timezone' | 'attributes'> = {
    ...SAMPLE_PROSPECT,
    timezone: sequence.definition.defaultTimezone,
    attributes: { ...sequence.definition.attributes },
  };
  let unsubscribeUrl = SAMPLE_UNSUBSCRIBE_URL;
  if (input.prospectId) {
    const stored = await ctx.store.getProspect(input.prospectId);
    if (!stored) throw new ProspectNotFoundError(input.prospectId);
    prospect = stored;
    source = 'stored';
    unsubscribeUrl = unsubscribeUrlFor(ctx, stored.id, 'email');
  } else if (input.prospect) {
    prospect = { attributes: {}, ...input.prospect };
    source = 'given';
  }

  const vars = templateVarsFor({ prospect, sender: sequence.definition.sender, ...(step.channel === 'email' ? { unsubscribeUrl } : {}) });
  try {
    switch (template.channel) {
      case 'email': {
        // A follow-up in the thread is sent as "Re: <the first email's subject>": shown so.
        const first = sequence.definition.steps.find((s) => s.channel === 'email');
        const firstTemplate = first ? sequence.templates[first.id] : undefined;
        const threaded = !step.newThread && first !== undefined && first.id !== step.id && firstTemplate?.channel === 'email';
        const threadSubject = threaded ? renderEmail(firstTemplate, vars).subject : undefined;
        const email = renderEmail(template, vars, threadSubject ? { threadSubject } : {});
        return { channel: 'email', subject: email.subject, html: email.html, text: email.text, prospect: source };
      }
      case 'sms': {
        const isFirstSms = sequence.definition.steps.slice(0, index).every((earlier) => earlier.channel !== 'sms');
        const sms = renderSms(template, vars, { isFirstSmsOfSequence: isFirstSms });
        return { channel: 'sms', text: sms.body, segments: { count: sms.segments, encoding: sms.encoding }, prospect: source };
      }
      case 'call':
      case 'voicemail':
      case 'task':
        return { channel: template.channel, text: renderScript(template, vars), prospect: source };
    }
  } catch (error) {
    if (error instanceof RenderError) throw new InvalidQueryError(source === 'sample' ? 'stepId' : 'prospect', error.message);
    throw error;
  }
}
