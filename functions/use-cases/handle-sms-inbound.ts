/**
 * An SMS a prospect sent to one of our numbers (Twilio's inbound webhook, signature
 * already verified by the handler). docs/architecture.md, "Inbound":
 *
 * - STOP & co. → the phone is suppressed (global consent ledger) and every running
 *   enrollment of every prospect with that phone ends as `opted_out`. This happens even
 *   for a number we do not know yet: a later import must not text them.
 * - START / UNSTOP / YES → the SMS opt-out is lifted (only one the person made by SMS:
 *   `sms_stop`; a manual, bounce or erasure suppression stays). Nobody is re-enrolled.
 * - HELP / INFO → the help text naming the sender (unless Twilio's Advanced Opt-Out
 *   already answered it).
 * - Anything else is a reply: the prospect's running enrollments end as `replied`
 *   (sequences that stop on reply), the text goes on the timeline, the owner is emailed.
 *
 * Unknown numbers get an empty answer and are logged by message SID only.
 */
import { isEnded } from '../domain/enrollment.js';
import type { Enrollment, Prospect } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { classifySms, helpText, keywordOf, type SmsIntent } from '../domain/sms-keywords.js';
import { loadSequenceVersion, type NotifyingContext, type UseCaseContext } from './context.js';
import { notifyOwner } from './notify-owner.js';
import { recordInboxItem } from './record-inbox-item.js';
import { recordReply, recordReplyInLedger } from './record-reply.js';
import { suppressAddress } from './suppress-address.js';
import { replayGuard } from './replay-guard.js';

/** Inbound handling emails the owner (notifications, forwards) but never texts. */
export type InboundContext = NotifyingContext;

export interface InboundSms {
  /** The prospect's number (E.164, as Twilio sends it). */
  from: string;
  /** Our number. */
  to: string;
  body: string;
  messageSid: string;
  /** Twilio Advanced Opt-Out's verdict: STOP | START | HELP. */
  optOutType?: string;
}

export interface SmsInboundResult {
  intent: SmsIntent;
  /** Text to answer with (TwiML `<Message>`); none means an empty TwiML response. */
  answer?: string;
  knownNumber: boolean;
  /** Enrollments this message ended. */
  stopped: string[];
}

export async function handleSmsInbound(ctx: InboundContext, sms: InboundSms): Promise<SmsInboundResult> {
  const phone = normalizePhone(sms.from);
  const { intent, handledByTwilio } = classifySms(sms.body, sms.optOutType);
  const prospectIds = phone ? await ctx.store.findProspectIdsByAddress(phone) : [];
  const knownNumber = prospectIds.length > 0;
  const ids = { messageSid: sms.messageSid, intent, prospects: prospectIds.length };
  if (!phone) {
    ctx.logger.warn('inbound SMS without a usable sender number', { messageSid: sms.messageSid });
    return { intent, knownNumber: false, stopped: [] };
  }

  switch (intent) {
    case 'opt_out': {
      const result = await suppressAddress(ctx, {
        address: phone,
        channel: 'sms',
        reason: 'sms_stop',
        source: `twilio:${handledByTwilio ? `OptOutType=${sms.optOutType?.toUpperCase()}` : keywordOf(sms.body)}`,
        stopAs: 'opted_out',
        stopReason: 'opted out by SMS',
        prospectIds,
      });
      // A repeated STOP changes nothing and adds nothing to the inbox.
      if (result.suppressed || result.stopped.length > 0) {
        for (const prospectId of result.prospectIds) {
          await recordInboxItem(ctx, {
            kind: 'opt_out',
            prospectId,
            source: `twilio:${sms.messageSid}`,
            channel: 'sms',
            ...stoppedEnrollmentOf(result.stopped, prospectId),
            text: sms.body,
          });
        }
      }
      ctx.logger.info('inbound SMS opt-out', { ...ids, stopped: result.stopped.length });
      return { intent, knownNumber, stopped: result.stopped };
    }
    case 'opt_in': {
      const existing = await ctx.store.getSuppression(phone);
      // "Yes" from someone who never texted STOP answers our message: it is a reply, not an opt-in.
      if (existing?.reason !== 'sms_stop' && !handledByTwilio && keywordOf(sms.body) === 'YES') {
        return handleReply(ctx, sms, phone, prospectIds);
      }
      const lifted = existing?.reason === 'sms_stop';
      if (lifted) await ctx.store.deleteSuppression(phone);
      if (lifted && prospectIds.length > 0) {
        const at = ctx.clock.now().toISOString();
        await ctx.store.appendTimeline(
          prospectIds.map((prospectId) => ({ prospectId, at, type: 'opted_in' as const, detail: 'SMS opt-out lifted by SMS' })),
        );
      }
      ctx.logger.info('inbound SMS opt-in', { ...ids, lifted, keptReason: lifted ? undefined : existing?.reason });
      return { intent, knownNumber, stopped: [] };
    }
    case 'help': {
      if (handledByTwilio || !knownNumber) {
        ctx.logger.info('inbound SMS help request', { ...ids, answered: false });
        return { intent, knownNumber, stopped: [] };
      }
      const latest = await latestEnrollment(ctx, prospectIds);
      const sequence = latest ? await loadSequenceVersion(ctx, latest.sequenceId, latest.version) : undefined;
      const sender = sequence?.definition.sender;
      ctx.logger.info('inbound SMS help request', { ...ids, answered: sender !== undefined });
      if (!sender) return { intent, knownNumber, stopped: [] };
      return {
        intent,
        knownNumber,
        stopped: [],
        answer: helpText({
          name: sender.name,
          ...(sender.company ? { company: sender.company } : {}),
          ...(sender.email ? { email: sender.email.replyTo ?? sender.email.from } : {}),
        }),
      };
    }
    case 'reply':
      return handleReply(ctx, sms, phone, prospectIds);
  }
}

async function handleReply(
  ctx: InboundContext,
  sms: InboundSms,
  phone: string,
  prospectIds: string[],
): Promise<SmsInboundResult> {
  if (prospectIds.length === 0) {
    ctx.logger.info('inbound SMS from an unknown number', { messageSid: sms.messageSid });
    return { intent: 'reply', knownNumber: false, stopped: [] };
  }
  const stopped: string[] = [];
  const notifications = new Map<string, { sequence: PublishedSequence; prospect?: Prospect; stopped: boolean }>();
  // Twilio's MessageSid names the message: a replay of it stops nothing new and notifies nobody again.
  const guard = replayGuard(ctx, `twilio:${sms.messageSid}`);
  let ledgerWritten = false;
  for (const prospectId of prospectIds) {
    const [prospect, enrollments] = await Promise.all([ctx.store.getProspect(prospectId), ctx.store.listEnrollments(prospectId)]);
    const running = enrollments.filter((e) => !isEnded(e.status));
    // With nothing running, the reply still belongs to the most recent enrollment (and its owner).
    const targets = running.length > 0 ? running : mostRecent(enrollments);
    const [latest] = targets;
    if (latest && !ledgerWritten) {
      // One person per phone: the entry is the number's, whichever prospect holds it.
      await recordReplyInLedger(ctx, { addresses: [phone], channel: 'sms', enrollment: latest });
      ledgerWritten = true;
    }
    for (const enrollment of targets) {
      const result = await recordReply(ctx, { enrollment, channel: 'sms', text: sms.body, guard });
      if (result.stopped) stopped.push(enrollment.id);
      if (result.sequence) {
        const key = `${prospectId}|${result.sequence.id}`;
        const previous = notifications.get(key);
        notifications.set(key, {
          sequence: result.sequence,
          ...(prospect ? { prospect } : {}),
          stopped: result.stopped || (previous?.stopped ?? false),
        });
      }
    }
    if (targets.length === 0 && (await guard.firstTime())) {
      await ctx.store.appendTimeline([
        { prospectId, at: ctx.clock.now().toISOString(), type: 'replied', detail: `SMS: ${sms.body.slice(0, 1000)}` },
      ]);
    }
    const answered = targets.find((e) => stopped.includes(e.id)) ?? targets[0];
    await recordInboxItem(ctx, {
      kind: 'reply',
      prospectId,
      source: `twilio:${sms.messageSid}`,
      channel: 'sms',
      ...(answered ? { enrollment: answered } : {}),
      ...(prospect ? { prospect } : {}),
      text: sms.body,
    });
  }

  // Owner notifications last, for the message's first delivery only. Twilio does not retry a
  // failed inbound webhook (it logs error 11200), so a failed notification is logged, not
  // thrown: the stop above must not be undone.
  let failed = 0;
  const firstDelivery = await guard.firstTime();
  for (const { sequence, prospect, stopped: wasStopped } of firstDelivery ? notifications.values() : []) {
    const result = await notifyOwner(ctx, {
      sequence,
      ...(prospect ? { prospect } : {}),
      channel: 'sms',
      text: sms.body,
      label: 'replied',
      fromAddress: phone,
      ...(prospect?.email ? { replyTo: prospect.email } : {}),
      stopped: wasStopped,
    });
    if (result === 'retryable' || result === 'failed') failed++;
  }
  ctx.logger.info('inbound SMS reply', {
    messageSid: sms.messageSid,
    prospects: prospectIds.length,
    stopped: stopped.length,
    ownerNotificationsFailed: failed,
  });
  return { intent: 'reply', knownNumber: true, stopped };
}

/** The enrollment of this prospect that an opt-out stopped, for the inbox item. */
function stoppedEnrollmentOf(stopped: readonly string[], prospectId: string): { enrollmentId?: string } {
  const id = stopped.find((enrollmentId) => enrollmentId.startsWith(`${prospectId}.`));
  return id ? { enrollmentId: id } : {};
}

function mostRecent(enrollments: Enrollment[]): Enrollment[] {
  const latest = enrollments.reduce<Enrollment | undefined>(
    (best, e) => (!best || e.updatedAt > best.updatedAt ? e : best),
    undefined,
  );
  return latest ? [latest] : [];
}

async function latestEnrollment(ctx: UseCaseContext, prospectIds: string[]): Promise<Enrollment | undefined> {
  const all = (await Promise.all(prospectIds.map((id) => ctx.store.listEnrollments(id)))).flat();
  const running = all.filter((e) => !isEnded(e.status));
  return mostRecent(running.length > 0 ? running : all)[0];
}

/** Twilio sends E.164 (`+14155550123`); WhatsApp senders come as `whatsapp:+1…`. */
function normalizePhone(from: string): string | undefined {
  const phone = from.trim().replace(/^whatsapp:/i, '');
  return /^\+[1-9]\d{6,14}$/.test(phone) ? phone : undefined;
}
