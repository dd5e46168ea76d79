/**
 * A prospect answered (by SMS or email) within an enrollment: the enrollment ends as
 * `replied` when its sequence stops on reply (the default), the reply is attributed to
 * the last step sent (the per-step "replies" counter), and the reply's text goes on the
 * timeline for the team. A sequence with `stopOnReply: false` only records it.
 */
import { counterKeys, isEnded, lastSentStep } from '../domain/enrollment.js';
import type { Enrollment } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { loadSequenceVersion, type UseCaseContext } from './context.js';
import { webhookEvent } from '../domain/webhook-events.js';
import { publishWebhooks } from './publish-webhooks.js';
import { stopEnrollment } from './stop-enrollment.js';

/** Longest reply text kept on the timeline (the owner gets the whole text by email). */
export const MAX_REPLY_DETAIL = 1000;

export interface RecordReplyResult {
  sequence?: PublishedSequence;
  /** This call ended the enrollment. */
  stopped: boolean;
}

export async function recordReply(
  ctx: UseCaseContext,
  input: { enrollment: Enrollment; channel: 'email' | 'sms'; text: string },
): Promise<RecordReplyResult> {
  const { enrollment } = input;
  const sequence = await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version);
  const detail = replyDetail(input.channel, input.text);
  const stopOnReply = sequence?.definition.stopOnReply ?? true;
  if (stopOnReply && !isEnded(enrollment.status)) {
    const result = await stopEnrollment(ctx, {
      enrollmentId: enrollment.id,
      status: 'replied',
      reason: `replied by ${input.channel === 'sms' ? 'SMS' : 'email'}`,
      detail,
      counters: (current) => {
        const stepId = lastSentStep(current);
        return stepId ? { [counterKeys.step(stepId, 'replied')]: 1 } : {};
      },
    });
    if (result.changed) {
      await announceReply(ctx, enrollment, input.channel, true);
      return { ...(sequence ? { sequence } : {}), stopped: true };
    }
  }
  // Not stopped (the sequence keeps going on replies, or the enrollment had already ended):
  // the reply is still the team's business.
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: ctx.clock.now().toISOString(),
      type: 'replied',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      detail,
    },
  ]);
  if (!isEnded(enrollment.status)) {
    const stepId = lastSentStep(enrollment);
    if (stepId) {
      await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: { [counterKeys.step(stepId, 'replied')]: 1 }, at: ctx.clock.now() });
    }
  }
  await announceReply(ctx, enrollment, input.channel, false);
  return { ...(sequence ? { sequence } : {}), stopped: false };
}

/** The `replied` webhook: ids, the channel and the step answered; never the text. */
async function announceReply(ctx: UseCaseContext, enrollment: Enrollment, channel: 'email' | 'sms', stopped: boolean): Promise<void> {
  const at = ctx.clock.now().toISOString();
  await publishWebhooks(ctx, [
    webhookEvent(
      'replied',
      at,
      { prospectId: enrollment.prospectId, enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, channel, stepId: lastSentStep(enrollment) ?? null, stopped },
      [enrollment.id, enrollment.run, channel, at],
    ),
  ]);
}

export function replyDetail(channel: 'email' | 'sms', text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const clipped = flat.length > MAX_REPLY_DETAIL ? `${flat.slice(0, MAX_REPLY_DETAIL - 1)}…` : flat;
  return `${channel === 'sms' ? 'SMS' : 'email'}: ${clipped || '(empty)'}`;
}
