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
    replies: number;
    /** Email only, from SES events (opens need the tracking pixel SES adds). */
    opened: number;
    clicked: number;
    bounced: number;
    complained: number;
    /** Conversions credited to this step: the last one that reached the prospect before it. */
    converted: number;
    /** Call and task steps: tasks made (re-opened ones included) and outcomes logged. */
    tasks: number;
    done: number;
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
      replies: count(counterKeys.step(step.id, 'replied')),
      opened: count(counterKeys.step(step.id, 'opened')),
      clicked: count(counterKeys.step(step.id, 'clicked')),
      bounced: count(counterKeys.step(step.id, 'bounced')),
      complained: count(counterKeys.step(step.id, 'complained')),
      converted: count(counterKeys.step(step.id, 'converted')),
      tasks: count(counterKeys.step(step.id, 'tasks')),
      done: count(counterKeys.step(step.id, 'done')),
    })),
  };
}
