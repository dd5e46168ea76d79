/**
 * A rep logs the outcome of a task (`POST /tasks/{id}/outcome`): the step's action is
 * carried out with ONE conditional write on the enrollment (docs/architecture.md, "The
 * rep's work"), conditional on it still waiting for this very task attempt, so a double
 * submit moves it on once. Then, in order:
 *
 * 1. the enrollment: on to the next step (its schedule created FIRST, so a crash cannot
 *    leave the sequence without its next touch), paused until the call-back date (the
 *    task re-opens then), or ended (replied, converted, opted out: a `call` suppression in
 *    the consent ledger, written before the enrollment);
 * 2. the task: done, with the outcome, the note, the fields and who logged it;
 * 3. once, if 2 changed it: the collected fields merged into the prospect's attributes,
 *    `task_completed` on the timeline, counters, the rep's progress, webhooks.
 *
 * The enrollment write also records `lastTaskOutcome`: a request that died after it is
 * finished by submitting the same outcome again.
 */
import { addressHash } from '../domain/address-hash.js';
import { checkTransition, counterKeys, statusChangeDeltas } from '../domain/enrollment.js';
import type { Enrollment, Prospect, Suppression, Task, TouchRecord } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import { collectedValues, decideOutcome, repeatsRecordedOutcome, type OutcomeDecision, type OutcomeInput } from '../domain/task-outcome.js';
import { decideAfterStep } from '../domain/touch-decision.js';
import { scheduledTouchFor } from '../domain/touch-plan.js';
import { webhookEvent, type WebhookEvent } from '../domain/webhook-events.js';
import type { ScheduledTouch } from '../ports.js';
import { closeTask } from './close-task.js';
import { actedBy, loadSequenceVersion, TaskNotFoundError, TaskStateError, type UseCaseContext } from './context.js';
import { mergeProspectAttributes } from './merge-attributes.js';
import { publishWebhooks } from './publish-webhooks.js';
import { recordProgress } from './record-progress.js';
import { recordSkippedSteps, withSkipped } from './step-events.js';
import { stopEnrollment } from './stop-enrollment.js';

/** Who logged it is the context's `actor` (the API sets it per request). */
export interface CompleteTaskInput extends OutcomeInput {
  taskId: string;
  /** The signed-in user who logged it: their daily count and streak move on. */
  userEmail?: string;
}

export interface CompleteTaskResult {
  task: Task;
  enrollment: Enrollment;
  /** False for a repeated submission of the outcome already recorded. */
  changed: boolean;
}

interface Facts {
  task: Task;
  enrollment: Enrollment;
  prospect: Prospect;
  sequence: PublishedSequence;
  step: StepDefinition;
}

export async function completeTask(ctx: UseCaseContext, input: CompleteTaskInput): Promise<CompleteTaskResult> {
  const now = ctx.clock.now();
  const task = await ctx.store.getTask(input.taskId);
  if (!task) throw new TaskNotFoundError(input.taskId);
  if (task.status === 'done') {
    if (repeatsRecordedOutcome(task, input.outcome)) return { task, enrollment: await currentEnrollment(ctx, task), changed: false };
    throw new TaskStateError(`the task is already done (outcome ${task.outcome})`);
  }
  if (task.status === 'skipped') throw new TaskStateError(`the task was skipped: ${task.skippedReason ?? 'its step was passed over'}`);

  const facts = await readFacts(ctx, task);
  const decision = decideOutcome(facts.step, input, now);
  const last = facts.enrollment.lastTaskOutcome;
  if (last && last.taskId === task.id && last.attempt === task.attempt) {
    // This outcome reached the enrollment but the request died before the rest: finish it.
    if (last.outcome !== input.outcome) throw new TaskStateError(`the task was already completed as ${last.outcome}`);
    return finish(ctx, facts, decision, input, new Date(last.at));
  }
  const waiting = facts.enrollment.awaitingTask;
  if (!waiting || waiting.taskId !== task.id || waiting.attempt !== task.attempt) {
    await closeTask(ctx, { taskId: task.id, attempt: task.attempt, touchDueAt: task.dueAt }, `the enrollment moved on (${facts.enrollment.status})`, now.toISOString());
    throw new TaskStateError(`this task no longer applies: the enrollment is ${facts.enrollment.status}${facts.enrollment.endReason ? ` (${facts.enrollment.endReason})` : ''}`);
  }

  const written = await carryOut(ctx, facts, decision, input, now);
  if (written === 'conflict') {
    // Another submission (or the step's deadline) won the write: answer what it did.
    const again = await ctx.store.getTask(task.id);
    if (again && repeatsRecordedOutcome(again, input.outcome)) return { task: again, enrollment: await currentEnrollment(ctx, again), changed: false };
    const enrollment = await currentEnrollment(ctx, task);
    if (enrollment.lastTaskOutcome?.taskId === task.id && enrollment.lastTaskOutcome.outcome === input.outcome) {
      return finish(ctx, { ...facts, enrollment }, decision, input, new Date(enrollment.lastTaskOutcome.at));
    }
    throw new TaskStateError('the enrollment changed meanwhile (the step may have been skipped); reload the task');
  }
  return finish(ctx, facts, decision, input, now);
}

async function readFacts(ctx: UseCaseContext, task: Task): Promise<Facts> {
  const [enrollment, prospect, sequence] = await Promise.all([
    ctx.store.getEnrollment(task.enrollmentId),
    ctx.store.getProspect(task.prospectId),
    loadSequenceVersion(ctx, task.sequenceId, task.version),
  ]);
  if (!enrollment || !prospect || !sequence || enrollment.run !== task.run) {
    throw new TaskStateError('this task no longer applies: its enrollment is gone or was restarted');
  }
  const step = sequence.definition.steps[task.stepIndex];
  if (!step || step.id !== task.stepId) throw new TaskStateError('this task no longer applies: its step is gone');
  return { task, enrollment, prospect, sequence, step };
}

async function currentEnrollment(ctx: UseCaseContext, task: Task): Promise<Enrollment> {
  const enrollment = await ctx.store.getEnrollment(task.enrollmentId);
  if (!enrollment) throw new TaskStateError('the enrollment of this task no longer exists');
  return enrollment;
}

/** The ONE conditional write that carries the action out (and what must precede it). */
async function carryOut(ctx: UseCaseContext, facts: Facts, decision: OutcomeDecision, input: CompleteTaskInput, now: Date): Promise<'ok' | 'conflict'> {
  const { task, enrollment, step } = facts;
  const expectedTask = { taskId: task.id, attempt: task.attempt };
  const lastTaskOutcome = { taskId: task.id, attempt: task.attempt, outcome: decisionOutcome(input), at: now.toISOString() };
  const touch: TouchRecord = {
    stepId: step.id,
    stepIndex: task.stepIndex,
    channel: step.channel,
    status: 'done',
    at: now.toISOString(),
    outcome: decisionOutcome(input),
    taskId: task.id,
  };
  const expected = { status: 'active' as const, run: enrollment.run, stepIndex: enrollment.stepIndex };

  switch (decision.action) {
    case 'continue': {
      const suppressions = await ledgerOf(ctx, facts.prospect);
      const next = decideAfterStep({ sequence: facts.sequence, enrollment, prospect: facts.prospect, suppressions, now });
      checkTransition(enrollment.status, 'touch', next.kind === 'advance' ? 'active' : next.status);
      const schedule = next.kind === 'advance' ? next.plan.touch : undefined;
      if (schedule) await ctx.scheduler.schedule(schedule);
      const written = await ctx.store.advanceEnrollment({
        enrollmentId: enrollment.id,
        expected,
        expectedTask,
        touch,
        next:
          next.kind === 'advance'
            ? { status: 'active', stepIndex: next.plan.index, nextTouchAt: next.plan.touch.dueAt, pendingScheduleName: next.plan.touch.scheduleName, updatedAt: now.toISOString(), awaitingTask: undefined, lastTaskOutcome }
            : {
                status: next.status,
                stepIndex: next.plan.index,
                nextTouchAt: undefined,
                pendingScheduleName: undefined,
                updatedAt: now.toISOString(),
                awaitingTask: undefined,
                endedAt: now.toISOString(),
                ...(next.reason ? { endReason: next.reason } : {}),
                lastTaskOutcome,
              },
      });
      if (written === 'conflict') return abandon(ctx, enrollment.id, schedule);
      await ctx.store.addToCounters({
        sequenceId: enrollment.sequenceId,
        deltas: { ...withSkipped({}, next.plan), ...(next.kind === 'end' ? statusChangeDeltas('active', next.status) : {}) },
        at: now,
      });
      await recordSkippedSteps(ctx, { enrollment, now }, next.plan);
      return 'ok';
    }
    case 'pause_until': {
      checkTransition(enrollment.status, 'pause', 'paused');
      const resume = scheduledTouchFor(enrollment, decision.resumeAt.toISOString(), facts.prospect);
      await ctx.scheduler.schedule(resume);
      const written = await ctx.store.advanceEnrollment({
        enrollmentId: enrollment.id,
        expected,
        expectedTask,
        next: {
          status: 'paused',
          stepIndex: enrollment.stepIndex,
          nextTouchAt: resume.dueAt,
          pendingScheduleName: resume.scheduleName,
          resumeAt: resume.dueAt,
          updatedAt: now.toISOString(),
          awaitingTask: undefined,
          lastTaskOutcome,
        },
      });
      if (written === 'conflict') return abandon(ctx, enrollment.id, resume);
      await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: statusChangeDeltas('active', 'paused'), at: now });
      await ctx.store.appendTimeline([
        {
          prospectId: enrollment.prospectId,
          at: now.toISOString(),
          type: 'paused',
          sequenceId: enrollment.sequenceId,
          enrollmentId: enrollment.id,
          stepId: step.id,
          detail: `call back on ${resume.dueAt}; the task comes back then`,
          ...actedBy(ctx),
        },
      ]);
      return 'ok';
    }
    case 'stop': {
      if (decision.suppressCalls) await suppressCalls(ctx, facts.prospect, task, now);
      const result = await stopEnrollment(ctx, {
        enrollmentId: enrollment.id,
        status: decision.status,
        reason: decision.reason,
        task: { expected: expectedTask, touch, outcome: lastTaskOutcome },
        ...(decision.status === 'converted' ? { counters: () => ({ [counterKeys.step(step.id, 'converted')]: 1 }) } : {}),
      });
      return result.changed ? 'ok' : 'conflict';
    }
  }
}

function decisionOutcome(input: CompleteTaskInput): NonNullable<TouchRecord['outcome']> {
  return input.outcome as NonNullable<TouchRecord['outcome']>;
}

/** The write lost: drop the schedule made for it, unless the winner (the same outcome, the same minute) uses it. */
async function abandon(ctx: UseCaseContext, enrollmentId: string, schedule: ScheduledTouch | undefined): Promise<'conflict'> {
  if (schedule) {
    const now = await ctx.store.getEnrollment(enrollmentId);
    if (now?.pendingScheduleName !== schedule.scheduleName) await ctx.scheduler.cancel(schedule.scheduleName);
  }
  return 'conflict';
}

/** "Do not call me": the phone's `call` entry in the consent ledger, before the enrollment ends. */
async function suppressCalls(ctx: UseCaseContext, prospect: Prospect, task: Task, now: Date): Promise<void> {
  if (!prospect.phone || (await ctx.store.getSuppression(prospect.phone, 'call'))) return;
  await ctx.store.putSuppression({
    address: prospect.phone,
    addressHash: addressHash(prospect.phone),
    channel: 'call',
    reason: 'manual',
    source: `task:${task.id}`,
    createdAt: now.toISOString(),
  });
}

async function ledgerOf(ctx: UseCaseContext, prospect: Prospect): Promise<Suppression[]> {
  const found = await Promise.all([
    prospect.email ? ctx.store.getSuppression(prospect.email) : undefined,
    prospect.phone ? ctx.store.getSuppression(prospect.phone) : undefined,
    prospect.phone ? ctx.store.getSuppression(prospect.phone, 'call') : undefined,
  ]);
  return found.filter((s): s is Suppression => s !== undefined);
}

/** Everything after the enrollment write; the once-only effects hang on the task's own conditional write. */
async function finish(ctx: UseCaseContext, facts: Facts, decision: OutcomeDecision, input: CompleteTaskInput, at: Date): Promise<CompleteTaskResult> {
  const { task, enrollment, step } = facts;
  // The deadline's schedule (a stop deleted it already).
  if (decision.action !== 'stop' && facts.enrollment.awaitingTask?.deadlineAt && enrollment.pendingScheduleName) {
    await ctx.scheduler.cancel(enrollment.pendingScheduleName);
  }
  const fields = collectedValues(input.fields);
  const done: Task = {
    ...task,
    status: 'done',
    outcome: decisionOutcome(input),
    ...(input.note?.trim() ? { note: input.note.trim() } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(decision.action === 'pause_until' ? { callBackAt: decision.resumeAt.toISOString() } : {}),
    completedAt: at.toISOString(),
    completedBy: ctx.actor ?? 'apiKey',
    updatedAt: at.toISOString(),
  };
  const changed = (await ctx.store.replaceTask(done, { status: 'open', attempt: task.attempt })) === 'ok';
  if (changed) {
    await mergeProspectAttributes(ctx, task.prospectId, fields, at);
    await ctx.store.appendTimeline([
      {
        prospectId: task.prospectId,
        at: at.toISOString(),
        type: 'task_completed',
        sequenceId: task.sequenceId,
        enrollmentId: task.enrollmentId,
        stepId: task.stepId,
        detail: `${step.channel} ${done.outcome}${decision.action === 'pause_until' ? ` (call back ${decision.resumeAt.toISOString()})` : ''}`,
        ...actedBy(ctx),
        data: { outcome: done.outcome as string, ...(done.note ? { note: done.note } : {}), ...prefixed(fields) },
      },
    ]);
    await ctx.store.addToCounters({
      sequenceId: task.sequenceId,
      deltas: { [counterKeys.step(step.id, 'done')]: 1, [counterKeys.outcome(step.id, done.outcome as string)]: 1 },
      at,
    });
    if (input.userEmail) await recordProgress(ctx, input.userEmail, at);
    await publishWebhooks(ctx, outcomeEvents(done, decision, at, facts.prospect));
    ctx.logger.info('task completed', { taskId: task.id, outcome: done.outcome, action: decision.action });
  }
  const stored = (await ctx.store.getTask(task.id)) ?? done;
  return { task: stored, enrollment: await currentEnrollment(ctx, task), changed };
}

/** Collected fields on the timeline: `field.<name>`, so they never collide with outcome and note. */
function prefixed(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) out[`field.${name}`] = value;
  return out;
}

function outcomeEvents(task: Task, decision: OutcomeDecision, at: Date, prospect: Prospect): WebhookEvent[] {
  const ids = { prospectId: task.prospectId, enrollmentId: task.enrollmentId, sequenceId: task.sequenceId, stepId: task.stepId };
  const events = [
    webhookEvent(
      'task.completed',
      at.toISOString(),
      { ...ids, taskId: task.id, kind: task.kind, outcome: task.outcome ?? null, fields: task.fields ?? {}, completedBy: task.completedBy ?? null },
      [task.id, task.attempt],
    ),
  ];
  if (decision.action === 'stop' && decision.status === 'replied') {
    events.push(webhookEvent('replied', at.toISOString(), { ...ids, channel: 'call', outcome: task.outcome ?? null }, [task.enrollmentId, task.id, task.attempt]));
  }
  if (decision.action === 'stop' && decision.suppressCalls && prospect.phone) {
    events.push(webhookEvent('opted_out', at.toISOString(), { ...ids, channel: 'call', source: `task:${task.id}` }, ['call', addressHash(prospect.phone)]));
  }
  return events;
}
