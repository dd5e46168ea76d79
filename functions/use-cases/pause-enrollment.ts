/**
 * Pauses an active enrollment: by hand (until resumed), or after an auto-reply until a
 * date, when the touch worker resumes it on its own (the pending step is rescheduled for
 * `resumeAt` and the worker sees the pause has ended).
 */
import { scheduledTouchFor, stepChannel } from '../domain/touch-plan.js';
import { checkTransition, statusChangeDeltas } from '../domain/enrollment.js';
import type { Enrollment } from '../domain/records.js';
import { actedBy, EnrollmentNotFoundError, EnrollmentStateError, loadSequenceVersion, type UseCaseContext } from './context.js';

export async function pauseEnrollment(
  ctx: UseCaseContext,
  input: { enrollmentId: string; reason: string; resumeAt?: Date },
): Promise<Enrollment> {
  const enrollment = await ctx.store.getEnrollment(input.enrollmentId);
  if (!enrollment) throw new EnrollmentNotFoundError(input.enrollmentId);
  checkTransition(enrollment.status, 'pause', 'paused');
  const now = ctx.clock.now().toISOString();
  // The resume touch sends the pending step when it fires, so it goes to that step's queue.
  const channel = input.resumeAt
    ? stepChannel(await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version), enrollment.stepIndex)
    : undefined;
  const resumeTouch = input.resumeAt ? scheduledTouchFor(enrollment, input.resumeAt.toISOString(), undefined, channel) : undefined;
  if (resumeTouch) await ctx.scheduler.schedule(resumeTouch);

  const written = await ctx.store.advanceEnrollment({
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      status: 'paused',
      stepIndex: enrollment.stepIndex,
      // A manual pause keeps the planned time, so resuming early never sends sooner than planned.
      nextTouchAt: resumeTouch?.dueAt ?? enrollment.nextTouchAt,
      pendingScheduleName: resumeTouch?.scheduleName,
      updatedAt: now,
      ...(input.resumeAt ? { resumeAt: input.resumeAt.toISOString() } : {}),
    },
  });
  if (written === 'conflict') {
    if (resumeTouch) await ctx.scheduler.cancel(resumeTouch.scheduleName);
    throw new EnrollmentStateError('enrollment changed meanwhile; try again');
  }
  if (enrollment.pendingScheduleName && enrollment.pendingScheduleName !== resumeTouch?.scheduleName) {
    await ctx.scheduler.cancel(enrollment.pendingScheduleName);
  }
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: now,
      type: 'paused',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      detail: input.resumeAt ? `${input.reason}; resumes ${input.resumeAt.toISOString()}` : input.reason,
      ...actedBy(ctx),
    },
  ]);
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: statusChangeDeltas('active', 'paused'), at: ctx.clock.now() });
  ctx.logger.info('enrollment paused', { enrollmentId: enrollment.id, resumeAt: input.resumeAt?.toISOString() });
  return { ...enrollment, status: 'paused', updatedAt: now };
}
