/**
 * Resumes a paused enrollment by hand: the pending step goes out at the next allowed
 * time, never earlier than it was planned before the pause.
 */
import { addressFor, checkTransition, statusChangeDeltas, threadStartedBy } from '../domain/enrollment.js';
import { planNextTouch, scheduledTouchFor } from '../domain/touch-plan.js';
import type { Enrollment } from '../domain/records.js';
import { actedBy, EnrollmentNotFoundError, EnrollmentStateError, loadSequenceVersion, type UseCaseContext } from './context.js';
import { keepListedWhileBackfilling } from './backfill-phone-holders.js';
import { stopEnrollment } from './stop-enrollment.js';

export async function resumeEnrollment(ctx: UseCaseContext, input: { enrollmentId: string }): Promise<Enrollment> {
  const enrollment = await ctx.store.getEnrollment(input.enrollmentId);
  if (!enrollment) throw new EnrollmentNotFoundError(input.enrollmentId);
  checkTransition(enrollment.status, 'resume', 'active');
  const [prospect, sequence] = await Promise.all([
    ctx.store.getProspect(enrollment.prospectId),
    loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version),
  ]);
  if (!prospect || !sequence) throw new EnrollmentNotFoundError(input.enrollmentId);

  const addresses = (['email', 'sms'] as const)
    .map((channel) => addressFor(prospect, channel))
    .filter((a): a is string => a !== undefined);
  const suppressed = new Set<string>();
  for (const address of addresses) {
    if (await ctx.store.getSuppression(address)) suppressed.add(address);
  }

  const now = ctx.clock.now();
  // A pause that landed while the pending step was being sent leaves that step on record
  // but not passed: resume after it, its wait counted from that send, never send it twice.
  const pendingStep = sequence.definition.steps[enrollment.stepIndex];
  const done = pendingStep ? enrollment.touches[pendingStep.id] : undefined;
  const alreadySent = done !== undefined && done.stepIndex === enrollment.stepIndex;
  const plan = planNextTouch({
    sequence,
    enrollment,
    prospect,
    fromIndex: alreadySent ? enrollment.stepIndex + 1 : enrollment.stepIndex,
    from: alreadySent ? new Date(done.at) : now,
    isSuppressed: (address) => suppressed.has(address),
    ignoreWait: !alreadySent,
  });
  if (!plan.touch) {
    const result = await stopEnrollment(ctx, {
      enrollmentId: enrollment.id,
      status: 'stopped',
      reason: 'resumed with no reachable step left',
    });
    return result.enrollment;
  }
  const planned = enrollment.nextTouchAt && enrollment.stepIndex === plan.index ? enrollment.nextTouchAt : undefined;
  const touch = planned && planned > plan.touch.dueAt ? scheduledTouchFor({ ...enrollment, stepIndex: plan.index }, planned, prospect, plan.step?.channel) : plan.touch;

  await keepListedWhileBackfilling(ctx, enrollment.prospectId);
  await ctx.scheduler.schedule(touch);
  // Moving past a first email sent during the pause: it starts the thread the follow-ups reply in.
  const thread = alreadySent ? threadStartedBy(enrollment, done) : undefined;
  const written = await ctx.store.advanceEnrollment({
    enrollmentId: enrollment.id,
    expected: { status: 'paused', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      ...(thread ? { thread } : {}),
      status: 'active',
      stepIndex: plan.index,
      nextTouchAt: touch.dueAt,
      pendingScheduleName: touch.scheduleName,
      updatedAt: now.toISOString(),
      resumeAt: undefined,
    },
  });
  if (written === 'conflict') {
    await ctx.scheduler.cancel(touch.scheduleName);
    throw new EnrollmentStateError('enrollment changed meanwhile; try again');
  }
  if (enrollment.pendingScheduleName && enrollment.pendingScheduleName !== touch.scheduleName) {
    await ctx.scheduler.cancel(enrollment.pendingScheduleName);
  }
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: now.toISOString(),
      type: 'resumed',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      detail: `next touch ${touch.dueAt}`,
      ...actedBy(ctx),
    },
  ]);
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: statusChangeDeltas('paused', 'active'), at: now });
  return { ...enrollment, status: 'active', stepIndex: plan.index, nextTouchAt: touch.dueAt, pendingScheduleName: touch.scheduleName };
}
