/**
 * What the touch worker should do with one touch message, decided from what it read:
 * the enrollment, the prospect, the sequence version, the consent ledger and the clock.
 * Pure. `use-cases/run-touch.ts` reads the facts, asks here, and carries the decision out
 * (docs/architecture.md, "The touch pipeline").
 */
import { addressFor, canApply, canReach, type StatusAfter, type SuppressionLookup } from './enrollment.js';
import type { Enrollment, Prospect, Suppression, TouchRecord } from './records.js';
import { isWithinWindow, nextWindowOpening, zonesOf } from './schedule.js';
import type { PublishedSequence, StepDefinition } from './sequence.js';
import { planNextTouch, scheduledTouchFor, stepChannel, type TouchPlan } from './touch-plan.js';
import type { ScheduledTouch, TouchMessage } from '../ports.js';
import { addressHash } from './address-hash.js';
import { isTaskChannel } from './people-steps.js';

export interface TouchFacts {
  message: TouchMessage;
  enrollment: Enrollment | undefined;
  prospect: Prospect | undefined;
  /** The version the enrollment runs; undefined when the enrollment is missing or of another run. */
  sequence: PublishedSequence | undefined;
  /** The consent-ledger entries of the prospect's current addresses. */
  suppressions: readonly Suppression[];
  now: Date;
}

export type TouchDecision =
  /** Nothing to do: the message no longer matches the enrollment. `reensure` repairs a lost schedule. */
  | { kind: 'stale'; reason: string; reensure?: ScheduledTouch }
  /** Paused by an auto-reply and this is the message that ends the pause: resume, then decide again. */
  | { kind: 'resume' }
  /** This step already went out in this run (its send is on record) but the enrollment did not move on. */
  | { kind: 'catch-up'; step: StepDefinition; touch: TouchRecord }
  /** No usable address for the step's channel: record the skip and move on. */
  | { kind: 'skip'; step: StepDefinition; reason: string }
  /** The send window closed before the message arrived: move the touch to the next opening. */
  | { kind: 'reschedule'; step: StepDefinition; touch: ScheduledTouch }
  /** An email, an SMS, or a voicemail drop (a call the engine places to `address`). */
  | { kind: 'send'; step: StepDefinition; address: string }
  /** A call or task step: make (or re-open) its task for a rep; the enrollment waits for the outcome. */
  | { kind: 'assign'; step: StepDefinition }
  /** The task of this step was not done within `dueWithin`: skip the step, the sequence goes on. */
  | { kind: 'task-expired'; step: StepDefinition; taskId: string };

export class MissingSequenceVersionError extends Error {
  override name = 'MissingSequenceVersionError';
}

export function decideTouch(facts: TouchFacts): TouchDecision {
  const { message, enrollment, prospect, sequence, now } = facts;
  if (!enrollment || !prospect) return { kind: 'stale', reason: 'enrollment or prospect not found' };
  if (enrollment.run !== message.run) return { kind: 'stale', reason: 'message of an earlier run' };
  if (isResumeDue(enrollment, message)) return { kind: 'resume' };
  if (!canApply('touch', enrollment.status)) return { kind: 'stale', reason: `enrollment is ${enrollment.status}` };
  if (enrollment.stepIndex !== message.stepIndex) {
    // A message one step behind is a redelivery after the enrollment moved on: the schedule
    // of the step it moved on to may have been lost to an error, so ensure it (same name).
    const behind = enrollment.stepIndex > message.stepIndex && enrollment.nextTouchAt !== undefined;
    return {
      kind: 'stale',
      reason: 'enrollment is at another step',
      ...(behind
        ? { reensure: scheduledTouchFor(enrollment, enrollment.nextTouchAt as string, prospect, stepChannel(sequence, enrollment.stepIndex)) }
        : {}),
    };
  }
  if (enrollment.awaitingTask) return decideWhileWaiting(facts, enrollment, prospect);
  if (enrollment.nextTouchAt !== message.dueAt) return { kind: 'stale', reason: 'touch was rescheduled' };
  if (!sequence) {
    throw new MissingSequenceVersionError(`sequence ${enrollment.sequenceId} version ${enrollment.version} is missing`);
  }
  const step = sequence.definition.steps[message.stepIndex];
  if (!step) return { kind: 'stale', reason: 'step no longer exists' };

  const done = enrollment.touches[step.id];
  if (done && done.stepIndex === enrollment.stepIndex) return { kind: 'catch-up', step, touch: done };

  const address = addressFor(prospect, step.channel);
  if (!address && step.channel !== 'task') return { kind: 'skip', step, reason: `no ${step.channel} address` };
  if (!canReach(prospect, step.channel, suppressionCheck(facts.suppressions))) {
    return { kind: 'skip', step, reason: `${step.channel} address is suppressed` };
  }

  // The channel's window: for calls and voicemail drops also 08:00–21:00 in every candidate zone.
  const zone = [step.window ?? sequence.definition.window, step.channel, zonesOf(prospect), sequence.definition.defaultTimezone] as const;
  if (!isWithinWindow(now, ...zone)) {
    return {
      kind: 'reschedule',
      step,
      touch: scheduledTouchFor(enrollment, nextWindowOpening(now, ...zone).toISOString(), prospect, step.channel),
    };
  }
  if (isTaskChannel(step.channel)) return { kind: 'assign', step };
  return { kind: 'send', step, address: address as string };
}

/**
 * The enrollment waits for the outcome of a task at this step. The touch messages that can
 * still arrive: the step's deadline (`dueWithin`), which skips it; a redelivery of the
 * message that created the task, which only re-ensures the deadline's schedule (it may
 * have been lost between the write and the schedule); anything else is stale.
 */
function decideWhileWaiting(facts: TouchFacts, enrollment: Enrollment, prospect: Prospect): TouchDecision {
  const { message, sequence } = facts;
  const waiting = enrollment.awaitingTask as NonNullable<Enrollment['awaitingTask']>;
  const deadlineDue = waiting.deadlineAt !== undefined && waiting.deadlineAt === message.dueAt && enrollment.nextTouchAt === message.dueAt;
  if (deadlineDue) {
    if (!sequence) throw new MissingSequenceVersionError(`sequence ${enrollment.sequenceId} version ${enrollment.version} is missing`);
    const step = sequence.definition.steps[message.stepIndex];
    if (!step) return { kind: 'stale', reason: 'step no longer exists' };
    return { kind: 'task-expired', step, taskId: waiting.taskId };
  }
  if (waiting.touchDueAt === message.dueAt && waiting.deadlineAt !== undefined && enrollment.nextTouchAt === waiting.deadlineAt) {
    return { kind: 'stale', reason: 'task already created', reensure: scheduledTouchFor(enrollment, waiting.deadlineAt, prospect) };
  }
  return { kind: 'stale', reason: 'waiting for a task' };
}

/** Where an executed step leads: the next reachable step, or the end of the run. */
export type NextStepDecision =
  | { kind: 'advance'; plan: TouchPlan & { touch: ScheduledTouch } }
  | { kind: 'end'; status: StatusAfter<'touch'>; reason?: string; plan: TouchPlan };

export function decideAfterStep(input: {
  sequence: PublishedSequence;
  enrollment: Enrollment;
  prospect: Prospect;
  suppressions: readonly Suppression[];
  now: Date;
}): NextStepDecision {
  const plan = planNextTouch({
    sequence: input.sequence,
    enrollment: input.enrollment,
    prospect: input.prospect,
    fromIndex: input.enrollment.stepIndex + 1,
    from: input.now,
    isSuppressed: suppressionCheck(input.suppressions),
  });
  if (plan.touch) return { kind: 'advance', plan: { ...plan, touch: plan.touch } };
  // No step left. A prospect whose every remaining step became unreachable because an
  // address was suppressed did not complete the sequence: they opted out or bounced.
  const blocking = plan.skipped.length > 0 ? input.suppressions : [];
  if (blocking.some((s) => s.reason === 'bounce' || s.reason === 'complaint')) {
    return { kind: 'end', status: 'bounced', reason: 'no reachable step left', plan };
  }
  if (blocking.length > 0) return { kind: 'end', status: 'opted_out', reason: 'no reachable step left', plan };
  return { kind: 'end', status: 'completed', plan };
}

/** Paused by an auto-reply, and this message is the resume touch the pause scheduled. */
function isResumeDue(enrollment: Enrollment, message: TouchMessage): boolean {
  return (
    enrollment.status === 'paused' &&
    enrollment.resumeAt !== undefined &&
    enrollment.stepIndex === message.stepIndex &&
    enrollment.nextTouchAt === message.dueAt
  );
}

/**
 * The ledger as a lookup: an entry blocks the channel it was recorded for; an erasure
 * blocks every channel of the address.
 */
export function suppressionCheck(suppressions: readonly Suppression[]): SuppressionLookup {
  const blocked = new Set(suppressions.map((s) => `${s.addressHash}#${s.reason === 'erased' ? '*' : s.channel}`));
  return (address, channel) => {
    const hash = addressHash(address);
    return blocked.has(`${hash}#${channel}`) || blocked.has(`${hash}#*`);
  };
}
