/**
 * Ends an enrollment: a manual stop, a reply, an opt-out, a bounce, an erasure.
 *
 * The terminal status is written first (one conditional write on the enrollment item),
 * the pending schedule is deleted second, a task the enrollment waited for is closed
 * third. A schedule that fires anyway finds a non-active enrollment and sends nothing; a
 * missing schedule is fine. A conversion is announced to the outbound webhooks.
 */
import { checkTransition, isEnded, lastSentStep, statusChangeDeltas, type StatusAfter } from '../domain/enrollment.js';
import type { Enrollment, EnrollmentStatus, TimelineEventType, TouchRecord } from '../domain/records.js';
import { webhookEvent } from '../domain/webhook-events.js';
import { actedBy, EnrollmentNotFoundError, type UseCaseContext } from './context.js';
import { closeTask } from './close-task.js';
import { publishWebhooks } from './publish-webhooks.js';

export type EndStatus = StatusAfter<'end'>;

export interface StopEnrollmentInput {
  enrollmentId: string;
  status: EndStatus;
  /** Short, non-personal reason kept on the enrollment and the timeline. */
  reason: string;
  timelineType?: TimelineEventType;
  /** Timeline detail (for `replied`: the reply text, shown to the team). */
  detail?: string;
  /** Extra counters to bump with the change, e.g. the reply attributed to a step. */
  counters?: (enrollment: Enrollment) => Record<string, number>;
  /**
   * A task's outcome ends it (use-cases/complete-task.ts): the write is conditional on the
   * enrollment waiting for exactly this task attempt, records the step's touch, and is not
   * retried on a conflict (the enrollment moved on: this outcome no longer applies).
   */
  task?: { expected: { taskId: string; attempt: number }; touch: TouchRecord; outcome: NonNullable<Enrollment['lastTaskOutcome']> };
  /** The step the timeline entry is about (a reply: the step it answers), from the enrollment as stopped. */
  stepId?: (enrollment: Enrollment) => string | undefined;
}

export type StopEnrollmentResult =
  | { changed: true; enrollment: Enrollment; previousStatus: EnrollmentStatus }
  | { changed: false; enrollment: Enrollment };

const MAX_ATTEMPTS = 5;

export async function stopEnrollment(ctx: UseCaseContext, input: StopEnrollmentInput): Promise<StopEnrollmentResult> {
  for (let attempt = 1; ; attempt++) {
    const enrollment = await ctx.store.getEnrollment(input.enrollmentId);
    if (!enrollment) throw new EnrollmentNotFoundError(input.enrollmentId);
    if (isEnded(enrollment.status)) return { changed: false, enrollment };
    checkTransition(enrollment.status, 'end', input.status);

    const now = ctx.clock.now().toISOString();
    const written = await ctx.store.advanceEnrollment({
      enrollmentId: enrollment.id,
      expected: { status: enrollment.status, run: enrollment.run, stepIndex: enrollment.stepIndex },
      ...(input.task ? { expectedTask: input.task.expected, touch: input.task.touch } : {}),
      next: {
        status: input.status,
        stepIndex: enrollment.stepIndex,
        nextTouchAt: undefined,
        pendingScheduleName: undefined,
        resumeAt: undefined,
        awaitingTask: undefined,
        updatedAt: now,
        endedAt: now,
        endReason: input.reason,
        ...(input.task ? { lastTaskOutcome: input.task.outcome } : {}),
      },
    });
    if (written === 'conflict' && input.task) return { changed: false, enrollment };
    if (written === 'conflict') {
      // A touch advanced the enrollment meanwhile; read again and stop the new state.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`could not stop ${input.enrollmentId}: it kept changing`);
      continue;
    }

    if (enrollment.pendingScheduleName) await ctx.scheduler.cancel(enrollment.pendingScheduleName);
    // A task the enrollment waited for leaves the reps' lists (the lists also hide a task
    // whose enrollment no longer waits for it, which covers a crash right here).
    if (enrollment.awaitingTask && !input.task) await closeTask(ctx, enrollment.awaitingTask, `the enrollment ended (${input.status})`, now);
    const stepId = input.stepId?.(enrollment);
    await ctx.store.appendTimeline([
      {
        prospectId: enrollment.prospectId,
        at: now,
        type: input.timelineType ?? timelineTypeFor(input.status),
        sequenceId: enrollment.sequenceId,
        enrollmentId: enrollment.id,
        ...(stepId ? { stepId } : {}),
        detail: input.detail ?? input.reason,
        ...actedBy(ctx),
      },
    ]);
    await ctx.store.addToCounters({
      sequenceId: enrollment.sequenceId,
      deltas: { ...statusChangeDeltas(enrollment.status, input.status), ...input.counters?.(enrollment) },
      at: ctx.clock.now(),
    });
    ctx.logger.info('enrollment ended', { enrollmentId: enrollment.id, status: input.status, reason: input.reason });
    // The step a task's outcome just recorded is the last one that reached them.
    const touched: Enrollment = input.task ? { ...enrollment, touches: { ...enrollment.touches, [input.task.touch.stepId]: input.task.touch } } : enrollment;
    if (input.status === 'converted') {
      await publishWebhooks(ctx, [
        webhookEvent(
          'converted',
          now,
          { prospectId: enrollment.prospectId, enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId, run: enrollment.run, reason: input.reason, stepId: lastSentStep(touched) ?? null },
          [enrollment.id, enrollment.run],
        ),
      ]);
    }
    const stopped: Enrollment = { ...touched, status: input.status, endedAt: now, endReason: input.reason, updatedAt: now };
    delete stopped.nextTouchAt;
    delete stopped.pendingScheduleName;
    delete stopped.awaitingTask;
    return { changed: true, enrollment: stopped, previousStatus: enrollment.status };
  }
}

/** The timeline entry an ending writes unless told otherwise. */
export function timelineTypeFor(status: EndStatus): TimelineEventType {
  switch (status) {
    case 'replied':
      return 'replied';
    case 'opted_out':
      return 'opted_out';
    case 'bounced':
      return 'bounced';
    case 'stopped':
      return 'stopped';
    case 'converted':
      return 'converted';
  }
}
