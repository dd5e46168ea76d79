/**
 * Executes one touch, exactly once (DESIGN §3).
 *
 * Order of work, and why:
 * 1. One consistent read of enrollment + prospect + suppressions. A message that does not
 *    match the enrollment's run, step and due time is stale and is dropped.
 * 2. The consent ledger is checked right before sending, not only at enrollment.
 * 3. A touch that arrives after its send window closed is moved to the next opening.
 * 4. The claim is a conditional write on the enrollment item itself, so a stop (which
 *    writes the same item) and a claim are strictly ordered.
 * 5. After the send, the enrollment advances first (recording the send, retried a few
 *    times in-process, since giving up would let a redelivery send again) and the next
 *    schedule is created second. A redelivered message that finds the enrollment one step
 *    further re-ensures that step's schedule (deterministic name), which repairs a
 *    schedule lost to an error. A step already on record is never sent again.
 */
import { addressHash } from '../domain/address-hash.js';
import { addressFor, counterKeys, statusChangeDeltas } from '../domain/enrollment.js';
import { planNextTouch, scheduledTouchFor, type TouchPlan } from '../domain/touch-plan.js';
import { isWithinWindow, nextWindowOpening } from '../domain/schedule.js';
import type { Enrollment, EnrollmentStatus, Prospect, Suppression, TimelineEvent, TouchClaim, TouchRecord } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { ConditionalWriteResult, EnrollmentAdvance, SendResult, TouchMessage } from '../ports.js';
import { loadSequenceVersion, type SendingContext } from './context.js';
import { composeTouch, type ComposedTouch } from './compose-touch.js';

export type TouchOutcome =
  | { kind: 'sent'; providerMessageId: string; completed: boolean }
  | { kind: 'stale'; reason: string }
  | { kind: 'rescheduled'; dueAt: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string };

/** The touch could not be done now but may succeed later: the queue should redeliver it. */
export class RetryableTouchError extends Error {
  override name = 'RetryableTouchError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export async function runTouch(ctx: SendingContext, message: TouchMessage): Promise<TouchOutcome> {
  const now = ctx.clock.now();
  const loaded = await ctx.store.loadTouchContext(message);
  const { prospect, suppressions } = loaded;
  let enrollment = loaded.enrollment;
  const ids = { enrollmentId: message.enrollmentId, run: message.run, stepIndex: message.stepIndex };

  if (!enrollment || !prospect) return stale(ctx, ids, 'enrollment or prospect not found');
  if (enrollment.run !== message.run) return stale(ctx, ids, 'message of an earlier run');

  if (isResumeDue(enrollment, message)) {
    const resumed = await resumeFromPause(ctx, enrollment, now);
    if (!resumed) return stale(ctx, ids, 'pause changed meanwhile');
    enrollment = resumed;
  }
  if (enrollment.status !== 'active') return stale(ctx, ids, `enrollment is ${enrollment.status}`);
  if (enrollment.stepIndex !== message.stepIndex) {
    if (enrollment.stepIndex > message.stepIndex && enrollment.nextTouchAt) {
      await ctx.scheduler.schedule(scheduledTouchFor(enrollment, enrollment.nextTouchAt, prospect));
    }
    return stale(ctx, ids, 'enrollment is at another step');
  }
  if (enrollment.nextTouchAt !== message.dueAt) return stale(ctx, ids, 'touch was rescheduled');

  const sequence = await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version);
  if (!sequence) throw new Error(`sequence ${enrollment.sequenceId} version ${enrollment.version} is missing`);
  const step = sequence.definition.steps[message.stepIndex];
  if (!step) return stale(ctx, ids, 'step no longer exists');

  const isSuppressed = suppressionCheck(suppressions);
  const done = enrollment.touches[step.id];
  if (done && done.stepIndex === enrollment.stepIndex) {
    // This step already went out in this run: its send is on record, but the enrollment could
    // not move on (a pause landed during the send, or the write after it failed). Move on
    // without sending it again.
    const state = { enrollment, prospect, sequence, step, now, isSuppressed, suppressions };
    await moveOn(ctx, state, done, {}, threadFrom(enrollment, done), { alreadyRecorded: true });
    return stale(ctx, ids, 'step already executed in this run; moved on');
  }
  const address = addressFor(prospect, step.channel);
  if (!address || isSuppressed(address)) {
    const reason = address ? `${step.channel} address is suppressed` : `no ${step.channel} address`;
    return skipStep(ctx, { enrollment, prospect, sequence, step, now, isSuppressed, suppressions }, reason);
  }

  const zone = [
    step.window ?? sequence.definition.window,
    step.channel,
    prospect.timezone,
    sequence.definition.defaultTimezone,
  ] as const;
  if (!isWithinWindow(now, ...zone)) {
    const dueAt = nextWindowOpening(now, ...zone).toISOString();
    const touch = scheduledTouchFor(enrollment, dueAt, prospect);
    await ctx.scheduler.schedule(touch);
    const moved = await ctx.store.advanceEnrollment({
      enrollmentId: enrollment.id,
      expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
      next: {
        status: 'active',
        stepIndex: enrollment.stepIndex,
        nextTouchAt: dueAt,
        pendingScheduleName: touch.scheduleName,
        updatedAt: now.toISOString(),
      },
    });
    if (moved === 'conflict') {
      await ctx.scheduler.cancel(touch.scheduleName);
      return stale(ctx, ids, 'enrollment changed while rescheduling');
    }
    ctx.logger.info('touch rescheduled into the send window', { ...ids, dueAt });
    return { kind: 'rescheduled', dueAt };
  }

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
    throw new RetryableTouchError('touch is claimed by another delivery', ctx.settings.claimLeaseSeconds);
  }

  let composed: ComposedTouch;
  try {
    composed = composeTouch(ctx, { sequence, step, enrollment, prospect, address });
  } catch (error) {
    const reason = `template could not be rendered: ${(error as Error).message}`;
    return failStep(ctx, { enrollment, prospect, sequence, step, now, isSuppressed, suppressions }, reason, undefined);
  }

  const result: SendResult =
    composed.channel === 'email' ? await ctx.email.send(composed.email) : await ctx.sms.send(composed.sms);

  switch (result.kind) {
    case 'sent':
      return recordSent(ctx, { enrollment, prospect, sequence, step, now, isSuppressed, suppressions }, composed, result);
    case 'retryable':
      await ctx.store.releaseTouchClaim(claim);
      ctx.logger.warn('send failed, will retry', { ...ids, channel: step.channel, reason: result.reason });
      throw new RetryableTouchError(result.reason, result.retryAfterSeconds);
    case 'permanent': {
      let state: TouchState = { enrollment, prospect, sequence, step, now, isSuppressed, suppressions };
      if (step.channel === 'sms' && result.code === '21610') {
        const suppression: Suppression = {
          address,
          addressHash: addressHash(address),
          channel: 'sms',
          reason: 'sms_stop',
          source: 'twilio:21610',
          createdAt: now.toISOString(),
        };
        await ctx.store.putSuppression(suppression);
        // Plan the rest of the run with the number already suppressed: its later SMS steps are
        // skipped now, and a prospect no step can reach any more ends as opted_out right away.
        const known = [...suppressions, suppression];
        state = { ...state, suppressions: known, isSuppressed: suppressionCheck(known) };
      }
      return failStep(ctx, state, result.reason, result.code);
    }
  }
}

interface TouchState {
  enrollment: Enrollment;
  prospect: Prospect;
  sequence: PublishedSequence;
  step: StepDefinition;
  now: Date;
  isSuppressed: (address: string) => boolean;
  suppressions: Suppression[];
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
  const touch: TouchRecord = {
    ...touchRecord(state, 'sent'),
    providerMessageId: result.providerMessageId,
    ...(result.messageIdHeader ? { messageIdHeader: result.messageIdHeader } : {}),
    ...(composed.channel === 'email' ? { subject: composed.email.subject } : {}),
  };
  const thread =
    composed.channel === 'email' && !enrollment.thread && result.messageIdHeader
      ? { messageIdHeader: result.messageIdHeader, subject: composed.email.subject }
      : undefined;
  const outcome = await moveOn(ctx, state, touch, { [counterKeys.step(step.id, 'sent')]: 1 }, thread);
  ctx.logger.info('touch sent', {
    enrollmentId: enrollment.id,
    stepId: step.id,
    channel: step.channel,
    providerMessageId: result.providerMessageId,
  });
  return { kind: 'sent', providerMessageId: result.providerMessageId, completed: outcome === 'completed' };
}

async function skipStep(ctx: SendingContext, state: TouchState, reason: string): Promise<TouchOutcome> {
  const { step } = state;
  const touch: TouchRecord = { ...touchRecord(state, 'skipped'), error: reason };
  await ctx.store.appendTimeline([
    timelineEvent(state, 'step_skipped', reason),
  ]);
  await moveOn(ctx, state, touch, { [counterKeys.step(step.id, 'skipped')]: 1 });
  return { kind: 'skipped', reason };
}

async function failStep(
  ctx: SendingContext,
  state: TouchState,
  reason: string,
  code: string | undefined,
): Promise<TouchOutcome> {
  const { enrollment, step, sequence } = state;
  const touch: TouchRecord = { ...touchRecord(state, 'failed'), error: code ? `${code}: ${reason}` : reason };
  await ctx.store.appendTimeline([timelineEvent(state, 'send_failed', code ?? 'permanent failure')]);
  ctx.logger.warn('touch failed permanently', { enrollmentId: enrollment.id, stepId: step.id, code });
  const counters = { [counterKeys.step(step.id, 'failed')]: 1 };
  switch (sequence.definition.onPermanentFailure) {
    case 'skip_step':
      await moveOn(ctx, state, touch, counters);
      break;
    case 'fail_enrollment':
      await endRun(ctx, state, touch, counters, 'failed', reason);
      break;
  }
  return { kind: 'failed', reason };
}

/** Advances past the current step: to the next reachable step, or to the end of the sequence. */
async function moveOn(
  ctx: SendingContext,
  state: TouchState,
  touch: TouchRecord,
  counters: Record<string, number>,
  thread?: Enrollment['thread'],
  options: RecordOptions = {},
): Promise<'active' | 'completed' | 'conflict'> {
  const { enrollment, prospect, sequence, now } = state;
  const plan: TouchPlan = planNextTouch({
    sequence,
    enrollment,
    prospect,
    fromIndex: enrollment.stepIndex + 1,
    from: now,
    isSuppressed: state.isSuppressed,
  });
  if (!plan.touch) {
    const status = endStatusWhenNothingReachable(state, plan);
    const reason = status === 'completed' ? undefined : 'no reachable step left';
    return (await endRun(ctx, state, touch, counters, status, reason, plan, options)) === 'ok' ? 'completed' : 'conflict';
  }
  const advance: EnrollmentAdvance = {
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      status: 'active',
      stepIndex: plan.index,
      nextTouchAt: plan.touch.dueAt,
      pendingScheduleName: plan.touch.scheduleName,
      updatedAt: now.toISOString(),
      ...(thread ? { thread } : {}),
    },
    touch,
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
  status: EnrollmentStatus,
  reason: string | undefined,
  plan?: TouchPlan,
  options: RecordOptions = {},
): Promise<'ok' | 'conflict'> {
  const { enrollment, now } = state;
  const written = await persistAdvance(ctx, {
    enrollmentId: enrollment.id,
    expected: { status: 'active', run: enrollment.run, stepIndex: enrollment.stepIndex },
    next: {
      status,
      stepIndex: plan?.index ?? enrollment.stepIndex,
      nextTouchAt: undefined,
      pendingScheduleName: undefined,
      updatedAt: now.toISOString(),
      endedAt: now.toISOString(),
      ...(reason ? { endReason: reason } : {}),
    },
    touch,
  });
  if (written === 'conflict') {
    await keepOnRecord(ctx, enrollment, touch, counters, options);
    return 'conflict';
  }
  if (plan) await recordSkippedSteps(ctx, state, plan);
  const deltas = { ...withSkipped(counters, plan), ...statusChangeDeltas('active', status) };
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas, at: now });
  return 'ok';
}

interface RecordOptions {
  /** The touch record is already on the enrollment (a step moved on after the fact). */
  alreadyRecorded?: boolean;
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

/** The thread to start from a recorded first email, when the enrollment has none yet. */
function threadFrom(enrollment: Enrollment, touch: TouchRecord): Enrollment['thread'] {
  if (enrollment.thread || touch.channel !== 'email' || !touch.messageIdHeader || !touch.subject) return undefined;
  return { messageIdHeader: touch.messageIdHeader, subject: touch.subject };
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

async function recordSkippedSteps(ctx: SendingContext, state: TouchState, plan: TouchPlan): Promise<void> {
  if (plan.skipped.length === 0) return;
  await ctx.store.appendTimeline(
    plan.skipped.map((step) => ({
      ...timelineEvent({ ...state, step }, 'step_skipped', `no usable ${step.channel} address`),
    })),
  );
}

function withSkipped(counters: Record<string, number>, plan: TouchPlan | undefined): Record<string, number> {
  const deltas = { ...counters };
  for (const step of plan?.skipped ?? []) {
    const key = counterKeys.step(step.id, 'skipped');
    deltas[key] = (deltas[key] ?? 0) + 1;
  }
  return deltas;
}

/**
 * When no step is left: a prospect whose every address became suppressed did not complete
 * the sequence, they opted out or bounced.
 */
function endStatusWhenNothingReachable(state: TouchState, plan: TouchPlan): EnrollmentStatus {
  const blocking = plan.skipped.length > 0 ? state.suppressions : [];
  if (blocking.some((s) => s.reason === 'bounce' || s.reason === 'complaint')) return 'bounced';
  if (blocking.length > 0) return 'opted_out';
  return 'completed';
}

function isResumeDue(enrollment: Enrollment, message: TouchMessage): boolean {
  return (
    enrollment.status === 'paused' &&
    enrollment.resumeAt !== undefined &&
    enrollment.stepIndex === message.stepIndex &&
    enrollment.nextTouchAt === message.dueAt
  );
}

async function resumeFromPause(ctx: SendingContext, enrollment: Enrollment, now: Date): Promise<Enrollment | undefined> {
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

function suppressionCheck(suppressions: Suppression[]): (address: string) => boolean {
  const hashes = new Set(suppressions.map((s) => s.addressHash));
  return (address) => hashes.has(addressHash(address));
}

function timelineEvent(state: Pick<TouchState, 'enrollment' | 'step' | 'now'>, type: TimelineEvent['type'], detail: string): TimelineEvent {
  return {
    prospectId: state.enrollment.prospectId,
    at: state.now.toISOString(),
    type,
    sequenceId: state.enrollment.sequenceId,
    enrollmentId: state.enrollment.id,
    stepId: state.step.id,
    detail,
  };
}

function stale(
  ctx: SendingContext,
  ids: { enrollmentId: string; run: number; stepIndex: number },
  reason: string,
): TouchOutcome {
  ctx.logger.info('stale touch dropped', { ...ids, reason });
  return { kind: 'stale', reason };
}
