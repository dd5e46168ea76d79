/**
 * Executes one touch, exactly once (docs/architecture.md, "The touch pipeline").
 *
 * It reads the facts (one consistent read of enrollment + prospect + suppressions, and
 * the sequence version), asks `decideTouch` (domain/touch-decision.ts) what to do, and
 * carries the decision out:
 * - stale: drop the message (re-ensuring a lost schedule when the enrollment moved on);
 * - skip / catch-up: record the step and move on without sending;
 * - reschedule: the window closed meanwhile, move the touch to the next opening;
 * - send: claim the touch with ONE conditional write on the enrollment item (a stop
 *   writes the same item, so a stop and a claim are strictly ordered), render, send,
 *   classify the provider's answer, then move on.
 *
 * Moving on writes the enrollment first (recording the send; retried a few times
 * in-process, since giving up would let a redelivery send again) and creates the next
 * schedule second. A redelivered message that finds the enrollment one step further
 * re-ensures that schedule (deterministic name), which repairs a schedule lost to an
 * error. A step already on record is never sent again.
 */
import { addressHash } from '../domain/address-hash.js';
import { checkTransition, counterKeys, statusChangeDeltas, threadStartedBy, type StatusAfter } from '../domain/enrollment.js';
import type { Enrollment, Prospect, Suppression, TouchClaim, TouchRecord } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { decideAfterStep, decideTouch, type TouchDecision } from '../domain/touch-decision.js';
import type { TouchPlan } from '../domain/touch-plan.js';
import type { ConditionalWriteResult, EnrollmentAdvance, ScheduledTouch, SendResult, TouchMessage } from '../ports.js';
import { loadSequenceVersion, type SendingContext } from './context.js';
import { composeTouch, type ComposedTouch } from './compose-touch.js';
import { assignTask } from './assign-task.js';
import { RetryableTouchError, type TouchOutcome, type TouchState } from './touch-state.js';
import { closeTask } from './close-task.js';
import { describeWait } from '../domain/sequence-fields.js';
import { recordSkippedSteps, timelineEvent, withSkipped } from './step-events.js';
import { touchDayOpening } from './touch-day.js';
import { scheduledTouchFor } from '../domain/touch-plan.js';
import { keepListedWhileBackfilling } from './backfill-phone-holders.js';

export { RetryableTouchError, type TouchOutcome, type TouchState } from './touch-state.js';

export async function runTouch(ctx: SendingContext, message: TouchMessage): Promise<TouchOutcome> {
  const now = ctx.clock.now();
  const loaded = await ctx.store.loadTouchContext(message);
  let enrollment = loaded.enrollment;
  const { prospect, suppressions } = loaded;
  const sequence =
    enrollment && enrollment.run === message.run
      ? await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version)
      : undefined;

  let decision = decideTouch({ message, enrollment, prospect, sequence, suppressions, now });
  if (decision.kind === 'resume' && enrollment) {
    enrollment = await resumeFromPause(ctx, enrollment, now);
    decision = enrollment
      ? decideTouch({ message, enrollment, prospect, sequence, suppressions, now })
      : { kind: 'stale', reason: 'pause changed meanwhile' };
  }
  return carryOut(ctx, message, decision, { enrollment, prospect, sequence, now, suppressions });
}

async function carryOut(
  ctx: SendingContext,
  message: TouchMessage,
  decision: TouchDecision,
  facts: { enrollment?: Enrollment; prospect?: Prospect; sequence?: PublishedSequence; now: Date; suppressions: Suppression[] },
): Promise<TouchOutcome> {
  if (decision.kind === 'stale' || decision.kind === 'resume') {
    if (decision.kind === 'stale' && decision.reensure) await ctx.scheduler.schedule(decision.reensure);
    return stale(ctx, message, decision.kind === 'stale' ? decision.reason : 'pause changed meanwhile');
  }
  // decideTouch only gets past "stale" with all three present.
  const state: TouchState = {
    enrollment: facts.enrollment as Enrollment,
    prospect: facts.prospect as Prospect,
    sequence: facts.sequence as PublishedSequence,
    step: decision.step,
    now: facts.now,
    suppressions: facts.suppressions,
  };
  switch (decision.kind) {
    case 'catch-up':
      // The send is on record, but the enrollment could not move on (a pause landed during
      // the send, or the write after it failed). Move on without sending it again.
      await moveOn(ctx, state, decision.touch, {}, threadStartedBy(state.enrollment, decision.touch), { alreadyRecorded: true });
      return stale(ctx, message, 'step already executed in this run; moved on');
    case 'skip':
      return skipStep(ctx, state, decision.reason);
    case 'reschedule':
      return reschedule(ctx, state, decision.touch);
    case 'send':
      return send(ctx, state, decision.address);
    case 'assign':
      return assignTask(ctx, state, message);
    case 'task-expired':
      return expireTask(ctx, state, decision.taskId);
  }
}

/**
 * `dueWithin` elapsed and nobody logged an outcome: the step is skipped (recorded and
 * counted) and the sequence goes on. The enrollment moves first, conditional on it still
 * waiting for this task (a rep who logged the outcome a moment earlier wins); the task is
 * closed second.
 */
async function expireTask(ctx: SendingContext, state: TouchState, taskId: string): Promise<TouchOutcome> {
  const waiting = state.enrollment.awaitingTask;
  if (!waiting || waiting.taskId !== taskId) return stale(ctx, touchOf(state.enrollment), 'task changed meanwhile');
  const reason = `not done within ${describeWait(state.step.dueWithin)}`;
  const outcome = await skipStep(ctx, { ...state, expectedTask: { taskId, attempt: waiting.attempt } }, `task ${reason}`);
  if (outcome.kind === 'skipped') {
    await closeTask(ctx, waiting, reason, state.now.toISOString());
    await ctx.store.appendTimeline([{ ...timelineEvent(state, state.step, 'task_skipped', reason) }]);
  }
  return outcome;
}

async function reschedule(ctx: SendingContext, state: TouchState, touch: ScheduledTouch): Promise<TouchOutcome> {
  const { enrollment, now } = state;
  await ctx.scheduler.schedule(touch);
  const moved = await ctx.store.advanceEnrollment({
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      status: 'active',
      stepIndex: enrollment.stepIndex,
      nextTouchAt: touch.dueAt,
      pendingScheduleName: touch.scheduleName,
      updatedAt: now.toISOString(),
    },
  });
  if (moved === 'conflict') {
    await ctx.scheduler.cancel(touch.scheduleName);
    return stale(ctx, touch, 'enrollment changed while rescheduling');
  }
  ctx.logger.info('touch rescheduled into the send window', { enrollmentId: enrollment.id, run: enrollment.run, stepIndex: enrollment.stepIndex, dueAt: touch.dueAt });
  return { kind: 'rescheduled', dueAt: touch.dueAt };
}

async function send(ctx: SendingContext, state: TouchState, address: string): Promise<TouchOutcome> {
  const { enrollment, prospect, sequence, step, now } = state;
  // A person in several sequences: today's touch on this channel may be used up already.
  const later = await touchDayOpening(ctx, state);
  if (later) return reschedule(ctx, state, scheduledTouchFor(enrollment, later.toISOString(), prospect));
  const claim: TouchClaim = {
    enrollmentId: enrollment.id,
    prospectId: enrollment.prospectId,
    sequenceId: enrollment.sequenceId,
    run: enrollment.run,
    stepIndex: enrollment.stepIndex,
    leaseUntil: new Date(now.getTime() + ctx.settings.claimLeaseSeconds * 1000).toISOString(),
  };
  if ((await ctx.store.claimTouch(claim, now)) === 'conflict') {
    // Another delivery holds the touch (or died holding it): let the queue retry later,
    // by which time the enrollment has moved on (stale) or the lease has expired.
    throw new RetryableTouchError('touch is claimed by another delivery', ctx.settings.claimLeaseSeconds, step.channel);
  }

  let composed: ComposedTouch;
  try {
    composed = composeTouch(ctx, { sequence, step, enrollment, prospect, address });
  } catch (error) {
    return failStep(ctx, state, `template could not be rendered: ${(error as Error).message}`, undefined);
  }

  const result = await dispatch(ctx, composed);
  switch (result.kind) {
    case 'sent':
      return recordSent(ctx, state, composed, result);
    case 'retryable':
      await ctx.store.releaseTouchClaim(claim);
      ctx.logger.warn('send failed, will retry', { enrollmentId: enrollment.id, stepIndex: enrollment.stepIndex, channel: step.channel, reason: result.reason });
      throw new RetryableTouchError(result.reason, result.retryAfterSeconds, step.channel);
    case 'permanent':
      if (step.channel === 'sms' && result.code === '21610') {
        // Twilio says the number replied STOP to us: put it in the ledger and plan the rest
        // of the run with it suppressed (its later SMS steps are skipped now, and a prospect
        // no step can reach any more ends as opted_out right away).
        const suppression = await suppressAfterTwilioStop(ctx, address, now);
        return failStep(ctx, { ...state, suppressions: [...state.suppressions, suppression] }, result.reason, result.code);
      }
      return failStep(ctx, state, result.reason, result.code);
  }
}

function dispatch(ctx: SendingContext, composed: ComposedTouch): Promise<SendResult> {
  switch (composed.channel) {
    case 'email':
      return ctx.email.send(composed.email);
    case 'sms':
      return ctx.sms.send(composed.sms);
    case 'voicemail':
      return ctx.voice.placeCall(composed.call);
  }
}

async function suppressAfterTwilioStop(ctx: SendingContext, address: string, now: Date): Promise<Suppression> {
  const suppression: Suppression = {
    address,
    addressHash: addressHash(address),
    channel: 'sms',
    reason: 'sms_stop',
    source: 'twilio:21610',
    createdAt: now.toISOString(),
  };
  await ctx.store.putSuppression(suppression);
  return suppression;
}

/** What every record of this step's execution has in common. */
function touchRecord(state: Pick<TouchState, 'enrollment' | 'step' | 'now'>, status: TouchRecord['status']): TouchRecord {
  return {
    stepId: state.step.id,
    stepIndex: state.enrollment.stepIndex,
    channel: state.step.channel,
    status,
    at: state.now.toISOString(),
  };
}

async function recordSent(
  ctx: SendingContext,
  state: TouchState,
  composed: ComposedTouch,
  result: Extract<SendResult, { kind: 'sent' }>,
): Promise<TouchOutcome> {
  const { enrollment, step } = state;
  // Only the email that starts the thread carries its Message-ID and subject: the advance
  // stores them once, as the enrollment's `thread` (moveOn), and only a record written
  // without that advance keeps them (a catch-up starts the thread from them). Emails are
  // matched by their SES MessageId (sesMessageIdOf in domain/email-reply.ts), so records
  // stay small: every later write of the enrollment item is billed by the item's size.
  const startsThread = composed.channel === 'email' && !enrollment.thread;
  const touch: TouchRecord = {
    ...touchRecord(state, 'sent'),
    providerMessageId: result.providerMessageId,
    ...(startsThread && result.messageIdHeader ? { messageIdHeader: result.messageIdHeader } : {}),
    ...(startsThread ? { subject: composed.email.subject } : {}),
  };
  const thread =
    composed.channel === 'email' && !enrollment.thread && result.messageIdHeader
      ? { messageIdHeader: result.messageIdHeader, subject: composed.email.subject }
      : undefined;
  // The run's first touch that went out: the funnel's "touched" (same counter write, no extra request).
  const firstOfRun = !Object.values(enrollment.touches).some((earlier) => earlier.providerMessageId !== undefined);
  const counters = { [counterKeys.step(step.id, 'sent')]: 1, ...(firstOfRun ? { [counterKeys.touched]: 1 } : {}) };
  const outcome = await moveOn(ctx, state, touch, counters, thread);
  // Every touch writes this: debug, so the default INFO writes no line per touch (CloudWatch
  // Logs bills every byte; engine prop `logLevel: 'DEBUG'` shows it). Failures and stale touches stay louder.
  ctx.logger.debug('touch sent', {
    enrollmentId: enrollment.id,
    stepId: step.id,
    channel: step.channel,
    providerMessageId: result.providerMessageId,
  });
  return { kind: 'sent', channel: step.channel, providerMessageId: result.providerMessageId, completed: outcome === 'completed' };
}

async function skipStep(ctx: SendingContext, state: TouchState, reason: string): Promise<TouchOutcome> {
  const touch: TouchRecord = { ...touchRecord(state, 'skipped'), error: reason };
  const moved = await moveOn(ctx, state, touch, { [counterKeys.step(state.step.id, 'skipped')]: 1 });
  if (moved === 'conflict') return stale(ctx, touchOf(state.enrollment), 'enrollment changed while skipping');
  await ctx.store.appendTimeline([timelineEvent(state, state.step, 'step_skipped', reason)]);
  return { kind: 'skipped', channel: state.step.channel, reason };
}

async function failStep(ctx: SendingContext, state: TouchState, reason: string, code: string | undefined): Promise<TouchOutcome> {
  const { enrollment, step, sequence } = state;
  const touch: TouchRecord = { ...touchRecord(state, 'failed'), error: code ? `${code}: ${reason}` : reason };
  await ctx.store.appendTimeline([timelineEvent(state, step, 'send_failed', code ?? 'permanent failure')]);
  ctx.logger.warn('touch failed permanently', { enrollmentId: enrollment.id, stepId: step.id, code });
  const counters = { [counterKeys.step(step.id, 'failed')]: 1 };
  switch (sequence.definition.onPermanentFailure) {
    case 'skip_step':
      await moveOn(ctx, state, touch, counters);
      break;
    case 'fail_enrollment':
      await endRun(ctx, state, touch, counters, { status: 'failed', reason, plan: undefined });
      break;
  }
  return { kind: 'failed', channel: step.channel, reason };
}

interface RecordOptions {
  /** The touch record is already on the enrollment (a step moved on after the fact). */
  alreadyRecorded?: boolean;
}

/** Advances past the current step: to the next reachable step, or to the end of the run. */
async function moveOn(
  ctx: SendingContext,
  state: TouchState,
  touch: TouchRecord,
  counters: Record<string, number>,
  thread?: Enrollment['thread'],
  options: RecordOptions = {},
): Promise<'active' | 'completed' | 'conflict'> {
  const { enrollment, now } = state;
  const next = decideAfterStep(state);
  if (next.kind === 'end') {
    return (await endRun(ctx, state, touch, counters, next, options)) === 'ok' ? 'completed' : 'conflict';
  }
  const { plan } = next;
  checkTransition(enrollment.status, 'touch', 'active');
  const advance: EnrollmentAdvance = {
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    ...(state.expectedTask ? { expectedTask: state.expectedTask } : {}),
    next: {
      status: 'active',
      stepIndex: plan.index,
      nextTouchAt: plan.touch.dueAt,
      pendingScheduleName: plan.touch.scheduleName,
      updatedAt: now.toISOString(),
      ...(thread ? { thread } : {}),
    },
    // The thread holds the first email's Message-ID and subject; the record need not repeat them.
    touch: thread ? withoutThread(touch) : touch,
  };
  if ((await persistAdvance(ctx, advance)) === 'conflict') {
    await keepOnRecord(ctx, enrollment, touch, counters, options);
    return 'conflict';
  }
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: withSkipped(counters, plan), at: now });
  await recordSkippedSteps(ctx, state, plan);
  // Advance first, schedule second: if scheduling fails, the send is already on record and
  // the redelivered message (now one step behind) re-ensures this very schedule. A stop that
  // lands in between leaves a schedule that fires into a stopped enrollment and does nothing.
  await ctx.scheduler.schedule(plan.touch);
  return 'active';
}

async function endRun(
  ctx: SendingContext,
  state: TouchState,
  touch: TouchRecord,
  counters: Record<string, number>,
  end: { status: StatusAfter<'touch'>; reason?: string; plan: TouchPlan | undefined },
  options: RecordOptions = {},
): Promise<'ok' | 'conflict'> {
  const { enrollment, now } = state;
  checkTransition(enrollment.status, 'touch', end.status);
  const written = await persistAdvance(ctx, {
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    ...(state.expectedTask ? { expectedTask: state.expectedTask } : {}),
    next: {
      status: end.status,
      stepIndex: end.plan?.index ?? enrollment.stepIndex,
      nextTouchAt: undefined,
      pendingScheduleName: undefined,
      updatedAt: now.toISOString(),
      endedAt: now.toISOString(),
      ...(end.reason ? { endReason: end.reason } : {}),
    },
    touch,
  });
  if (written === 'conflict') {
    await keepOnRecord(ctx, enrollment, touch, counters, options);
    return 'conflict';
  }
  if (end.plan) await recordSkippedSteps(ctx, state, end.plan);
  const deltas = { ...withSkipped(counters, end.plan), ...statusChangeDeltas('active', end.status) };
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas, at: now });
  return 'ok';
}

/**
 * The write that records a send. After the provider accepted a message, giving up on this
 * write would let a redelivery send it again, so transient errors get a few more tries here
 * on top of the SDK's own retries.
 */
async function persistAdvance(ctx: SendingContext, advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
  const delaysMs = [100, 400, 1_600];
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.store.advanceEnrollment(advance);
    } catch (error) {
      const delay = delaysMs[attempt];
      if (delay === undefined) throw error;
      ctx.logger.warn('recording the touch failed; trying again', {
        enrollmentId: advance.enrollmentId,
        attempt: attempt + 1,
        error: error instanceof Error ? error.name : 'unknown',
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function withoutThread(touch: TouchRecord): TouchRecord {
  const { messageIdHeader: _header, subject: _subject, ...rest } = touch;
  return rest;
}

/** The enrollment was stopped after our claim: the touch still happened, so it stays on record. */
async function keepOnRecord(
  ctx: SendingContext,
  enrollment: Enrollment,
  touch: TouchRecord,
  counters: Record<string, number>,
  options: RecordOptions = {},
): Promise<void> {
  if (options.alreadyRecorded) return;
  if (touch.status === 'skipped') {
    // Nothing went out and nothing was claimed: another delivery of this touch already moved
    // the enrollment on (it recorded and counted the skip), or the enrollment ended meanwhile.
    ctx.logger.info('enrollment changed during a skipped touch; nothing to record', {
      enrollmentId: enrollment.id,
      stepId: touch.stepId,
    });
    return;
  }
  await ctx.store.recordTouch(enrollment.id, touch);
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: counters, at: ctx.clock.now() });
  ctx.logger.info('enrollment changed during the touch; touch recorded only', {
    enrollmentId: enrollment.id,
    stepId: touch.stepId,
  });
}

/** Ends an auto-reply pause (the touch message is the one the pause scheduled for its end). */
async function resumeFromPause(ctx: SendingContext, enrollment: Enrollment, now: Date): Promise<Enrollment | undefined> {
  checkTransition(enrollment.status, 'resume', 'active');
  await keepListedWhileBackfilling(ctx, enrollment.prospectId);
  const next = {
    status: 'active' as const,
    stepIndex: enrollment.stepIndex,
    nextTouchAt: enrollment.nextTouchAt,
    pendingScheduleName: enrollment.pendingScheduleName,
    updatedAt: now.toISOString(),
    resumeAt: undefined,
  };
  const written = await ctx.store.advanceEnrollment({
    enrollmentId: enrollment.id,
    expected: { status: 'paused', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next,
  });
  if (written === 'conflict') return undefined;
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: now.toISOString(),
      type: 'resumed',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      detail: 'pause after auto-reply ended',
    },
  ]);
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: statusChangeDeltas('paused', 'active'), at: now });
  return { ...enrollment, ...next };
}

function touchOf(enrollment: Enrollment): Pick<TouchMessage, 'enrollmentId' | 'run' | 'stepIndex'> {
  return { enrollmentId: enrollment.id, run: enrollment.run, stepIndex: enrollment.stepIndex };
}

function stale(ctx: SendingContext, message: Pick<TouchMessage, 'enrollmentId' | 'run' | 'stepIndex'>, reason: string): TouchOutcome {
  ctx.logger.info('stale touch dropped', { enrollmentId: message.enrollmentId, run: message.run, stepIndex: message.stepIndex, reason });
  return { kind: 'stale', reason };
}
