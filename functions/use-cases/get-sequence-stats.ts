/** Sequence statistics from the atomic counters: no scans, one read. */
import { counterKeys } from '../domain/enrollment.js';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../domain/records.js';
import type { Channel } from '../domain/sequence.js';
import { SequenceNotFoundError, type UseCaseContext } from './context.js';

export interface SequenceStats {
  sequenceId: string;
  version: number;
  enrolled: number;
  enrollments: Record<EnrollmentStatus, number>;
  steps: {
    stepId: string;
    channel: Channel;
    sent: number;
    delivered: number;
    failed: number;
    skipped: number;
    /** Replies credited to the step (the step they answer). */
    replied: number;
    /** replied ÷ sent; null while nothing was sent. */
    replyRate: number | null;
    /** Same as `replied` (the name before the console's contract). */
    replies: number;
    /** Email only, from SES events (opens need the tracking pixel SES adds). */
    opened: number;
    clicked: number;
    bounced: number;
    complained: number;
  }[];
}

export async function getSequenceStats(ctx: UseCaseContext, sequenceId: string): Promise<SequenceStats> {
  const [sequence, counters] = await Promise.all([
    ctx.store.getCurrentSequence(sequenceId),
    ctx.store.getCounters(sequenceId),
  ]);
  if (!sequence) throw new SequenceNotFoundError(sequenceId);
  const count = (key: string) => Math.max(0, counters[key] ?? 0);
  const enrollments = Object.fromEntries(
    ENROLLMENT_STATUSES.map((status) => [status, count(counterKeys.status(status))]),
  ) as Record<EnrollmentStatus, number>;
  return {
    sequenceId,
    version: sequence.version,
    enrolled: count(counterKeys.enrolled),
    enrollments,
    steps: sequence.definition.steps.map((step) => ({
      stepId: step.id,
      channel: step.channel,
      sent: count(counterKeys.step(step.id, 'sent')),
      delivered: count(counterKeys.step(step.id, 'delivered')),
      failed: count(counterKeys.step(step.id, 'failed')),
      skipped: count(counterKeys.step(step.id, 'skipped')),
      replied: count(counterKeys.step(step.id, 'replied')),
      replyRate: replyRate(count(counterKeys.step(step.id, 'replied')), count(counterKeys.step(step.id, 'sent'))),
      replies: count(counterKeys.step(step.id, 'replied')),
      opened: count(counterKeys.step(step.id, 'opened')),
      clicked: count(counterKeys.step(step.id, 'clicked')),
      bounced: count(counterKeys.step(step.id, 'bounced')),
      complained: count(counterKeys.step(step.id, 'complained')),
    })),
  };
}

/** Replies ÷ sent, rounded to 4 places; null when nothing was sent (no rate to speak of). */
export function replyRate(replied: number, sent: number): number | null {
  return sent === 0 ? null : Math.round((replied / sent) * 10_000) / 10_000;
}
