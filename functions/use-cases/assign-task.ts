/**
 * The touch worker at a call or task step: ONE task for a rep (docs/architecture.md, "The
 * rep's work"), and the enrollment waits for its outcome.
 *
 * 1. The task: created with a conditional put under its deterministic id (a redelivery
 *    finds it and creates nothing twice); an open one is reused; a done or skipped one is
 *    re-opened as the next attempt (a call back, or a manual pause and resume, brings the
 *    step back).
 * 2. The enrollment, ONE conditional write: still `active`, same step, now waiting for this
 *    task attempt; with `dueWithin`, its next touch is the step's deadline.
 * 3. The deadline's schedule (deterministic name). A crash between 2 and 3 is repaired by
 *    the redelivery of the message that created the task (touch-decision.ts re-ensures it).
 * If the enrollment changed before 2 (a reply arrived), the task is closed again.
 */
import { counterKeys, checkTransition } from '../domain/enrollment.js';
import type { Task } from '../domain/records.js';
import { zonesOf } from '../domain/schedule.js';
import { describeWait } from '../domain/sequence-fields.js';
import { planTaskDue, taskIdFor } from '../domain/task.js';
import { scheduledTouchFor } from '../domain/touch-plan.js';
import type { TouchMessage } from '../ports.js';
import { closeTask } from './close-task.js';
import type { SendingContext } from './context.js';
import { RetryableTouchError, type TouchOutcome, type TouchState } from './touch-state.js';

export async function assignTask(ctx: SendingContext, state: TouchState, message: TouchMessage): Promise<TouchOutcome> {
  const { enrollment, prospect, sequence, step, now } = state;
  if (step.channel !== 'call' && step.channel !== 'task') throw new Error(`step ${step.id} is no call or task step`);
  const definition = sequence.definition;
  const taskId = taskIdFor(enrollment.id, enrollment.run, step.id);
  // Due at the step's own time (the message's), which the worker found inside the window.
  const due = planTaskDue({
    now: new Date(Math.min(Date.parse(message.dueAt), now.getTime())),
    window: step.window ?? definition.window,
    channel: step.channel,
    zones: zonesOf(prospect),
    defaultTimezone: definition.defaultTimezone,
    ...(step.dueWithin ? { dueWithin: step.dueWithin } : {}),
  });
  const fresh: Task = {
    id: taskId,
    kind: step.channel,
    status: 'open',
    prospectId: enrollment.prospectId,
    enrollmentId: enrollment.id,
    sequenceId: enrollment.sequenceId,
    version: enrollment.version,
    run: enrollment.run,
    stepIndex: enrollment.stepIndex,
    stepId: step.id,
    assignee: (step.assignee ?? definition.owner).toLowerCase(),
    dueAt: due.dueAt.toISOString(),
    ...(due.deadlineAt ? { deadlineAt: due.deadlineAt.toISOString() } : {}),
    attempt: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };

  const { task, made } = await ensureTask(ctx, fresh);
  const deadline = task.deadlineAt ? scheduledTouchFor(enrollment, task.deadlineAt, prospect) : undefined;
  checkTransition(enrollment.status, 'touch', 'active');
  const written = await ctx.store.advanceEnrollment({
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      status: 'active',
      stepIndex: enrollment.stepIndex,
      nextTouchAt: deadline?.dueAt,
      pendingScheduleName: deadline?.scheduleName,
      updatedAt: now.toISOString(),
      awaitingTask: { taskId, attempt: task.attempt, touchDueAt: message.dueAt, ...(task.deadlineAt ? { deadlineAt: task.deadlineAt } : {}) },
    },
  });
  if (written === 'conflict') {
    if (made) await closeTask(ctx, { taskId, attempt: task.attempt, touchDueAt: message.dueAt }, 'the enrollment changed before the task was assigned', now.toISOString());
    ctx.logger.info('stale touch dropped', { enrollmentId: enrollment.id, stepIndex: enrollment.stepIndex, reason: 'enrollment changed while assigning a task' });
    return { kind: 'stale', reason: 'enrollment changed while assigning a task' };
  }
  if (deadline) await ctx.scheduler.schedule(deadline);
  if (made) {
    await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: { [counterKeys.step(step.id, 'tasks')]: 1 }, at: now });
    await ctx.store.appendTimeline([
      {
        prospectId: enrollment.prospectId,
        at: now.toISOString(),
        type: 'task_created',
        sequenceId: enrollment.sequenceId,
        enrollmentId: enrollment.id,
        stepId: step.id,
        detail: `${step.channel} for ${task.assignee}, due ${task.dueAt}${task.deadlineAt ? `, skipped unless done within ${describeWait(step.dueWithin)}` : ''}${task.attempt > 1 ? ` (attempt ${task.attempt})` : ''}`,
      },
    ]);
  }
  ctx.logger.info('task assigned', { enrollmentId: enrollment.id, taskId, attempt: task.attempt, made });
  return { kind: 'assigned', channel: step.channel, taskId };
}

/** The task to wait for, and whether this call made (or re-opened) it. */
async function ensureTask(ctx: SendingContext, fresh: Task): Promise<{ task: Task; made: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await ctx.store.getTask(fresh.id);
    if (!existing) {
      if ((await ctx.store.createTask(fresh)) === 'ok') return { task: fresh, made: true };
      continue;
    }
    if (existing.status === 'open') return { task: existing, made: false };
    // Done (a call back) or skipped (paused, resumed): the step is back, as the next attempt.
    const reopened: Task = {
      ...withoutOutcome(existing),
      status: 'open',
      attempt: existing.attempt + 1,
      dueAt: fresh.dueAt,
      ...(fresh.deadlineAt ? { deadlineAt: fresh.deadlineAt } : {}),
      updatedAt: fresh.updatedAt,
    };
    if ((await ctx.store.replaceTask(reopened, { status: existing.status, attempt: existing.attempt })) === 'ok') return { task: reopened, made: true };
  }
  throw new RetryableTouchError(`task ${fresh.id} kept changing`, 5, fresh.kind);
}

function withoutOutcome(task: Task): Task {
  const { outcome: _o, note: _n, fields: _f, callBackAt: _c, completedAt: _a, completedBy: _b, skippedReason: _s, deadlineAt: _d, ...rest } = task;
  return rest;
}
