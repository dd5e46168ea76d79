/**
 * A prospect answered (by SMS or email) within an enrollment: the enrollment ends as
 * `replied` when its sequence stops on reply (the default), the reply is credited to the
 * step it answers (domain/enrollment.ts `answeredStep`: an email by the Message-ID it
 * references, an SMS to the last SMS sent) in the per-step `replied` counter, and the
 * reply's text goes on the timeline for the team. A sequence with `stopOnReply: false`
 * only records it.
 */
import { addressHash } from '../domain/address-hash.js';
import { answeredStep, counterKeys, isEnded, type ReplyThread } from '../domain/enrollment.js';
import type { Enrollment } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { loadSequenceVersion, type UseCaseContext } from './context.js';
import { webhookEvent } from '../domain/webhook-events.js';
import { publishWebhooks } from './publish-webhooks.js';
import { stopEnrollment } from './stop-enrollment.js';
import { stopColleagues } from './stop-colleagues.js';
import type { ReplayGuard } from './replay-guard.js';

/** Longest reply text kept on the timeline (the owner gets the whole text by email). */
export const MAX_REPLY_DETAIL = 1000;

export interface RecordReplyResult {
  sequence?: PublishedSequence;
  /** This call ended the enrollment. */
  stopped: boolean;
}

export async function recordReply(
  ctx: UseCaseContext,
  input: {
    enrollment: Enrollment;
    channel: 'email' | 'sms';
    text: string;
    thread?: Omit<ReplyThread, 'channel'>;
    /** The message's replay guard (replay-guard.ts): what is not idempotent runs for its first delivery only. */
    guard?: ReplayGuard;
  },
): Promise<RecordReplyResult> {
  const { enrollment } = input;
  const thread: ReplyThread = { channel: input.channel, ...input.thread };
  const sequence = await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version);
  // Colleagues first: a conditional stop each, repeated harmlessly if this reply comes again.
  await stopColleagues(ctx, enrollment, sequence);
  const detail = replyDetail(input.channel, input.text);
  const stopOnReply = sequence?.definition.stopOnReply ?? true;
  if (stopOnReply && !isEnded(enrollment.status)) {
    const result = await stopEnrollment(ctx, {
      enrollmentId: enrollment.id,
      status: 'replied',
      reason: `replied by ${input.channel === 'sms' ? 'SMS' : 'email'}`,
      detail,
      stepId: (current) => answeredStep(current, thread),
      counters: (current) => {
        const stepId = answeredStep(current, thread);
        return stepId ? { [counterKeys.step(stepId, 'replied')]: 1 } : {};
      },
    });
    if (result.changed) {
      await announceReply(ctx, enrollment, thread, true);
      return { ...(sequence ? { sequence } : {}), stopped: true };
    }
  }
  // Not stopped (the sequence keeps going on replies, or the enrollment had already ended):
  // the reply is still the team's business — once per message, not once per delivery.
  if (input.guard && !(await input.guard.firstTime())) return { ...(sequence ? { sequence } : {}), stopped: false };
  const stepId = answeredStep(enrollment, thread);
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: ctx.clock.now().toISOString(),
      type: 'replied',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      ...(stepId ? { stepId } : {}),
      detail,
    },
  ]);
  if (!isEnded(enrollment.status)) {
    const deltas: Record<string, number> = stepId ? { [counterKeys.step(stepId, 'replied')]: 1 } : {};
    // The funnel counts people, not replies: this run's first reply only (the mark first, so a
    // crash between the two writes loses a count and never counts twice).
    if ((await ctx.store.markReplied(enrollment.id, enrollment.run)) === 'ok') deltas[counterKeys.repliedAndContinued] = 1;
    if (Object.keys(deltas).length > 0) await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas, at: ctx.clock.now() });
  }
  await announceReply(ctx, enrollment, thread, false);
  return { ...(sequence ? { sequence } : {}), stopped: false };
}

/** The `replied` webhook: ids, the channel and the step answered; never the text. */
async function announceReply(ctx: UseCaseContext, enrollment: Enrollment, thread: ReplyThread, stopped: boolean): Promise<void> {
  const at = ctx.clock.now().toISOString();
  const { channel } = thread;
  await publishWebhooks(ctx, [
    webhookEvent(
      'replied',
      at,
      { prospectId: enrollment.prospectId, enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, channel, stepId: answeredStep(enrollment, thread) ?? null, stopped },
      [enrollment.id, enrollment.run, channel, at],
    ),
  ]);
}

export function replyDetail(channel: 'email' | 'sms', text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const clipped = flat.length > MAX_REPLY_DETAIL ? `${flat.slice(0, MAX_REPLY_DETAIL - 1)}…` : flat;
  return `${channel === 'sms' ? 'SMS' : 'email'}: ${clipped || '(empty)'}`;
}

/**
 * Puts the reply into the consent ledger under each address it came from (hash only), so
 * no import enrolls the person again (README "Enrollment rules"); running sequences are not
 * affected. Idempotent: a repeat writes the same entry.
 */
export async function recordReplyInLedger(
  ctx: UseCaseContext,
  input: { addresses: readonly string[]; channel: 'email' | 'sms'; enrollment: Pick<Enrollment, 'id' | 'prospectId' | 'sequenceId'> },
): Promise<void> {
  const at = ctx.clock.now().toISOString();
  for (const address of new Set(input.addresses.map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))) {
    await ctx.store.putReplyRecord({
      addressHash: addressHash(address),
      channel: input.channel,
      at,
      sequenceId: input.enrollment.sequenceId,
      prospectId: input.enrollment.prospectId,
      enrollmentId: input.enrollment.id,
    });
  }
}
