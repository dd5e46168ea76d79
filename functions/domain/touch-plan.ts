/**
 * Planning the next touch of an enrollment: which step, when, and under which schedule
 * name. Pure; the use cases execute the plan.
 */
import type { Channel, PublishedSequence, StepDefinition } from './sequence.js';
import type { Prospect } from './records.js';
import type { ScheduledTouch, TouchMessage } from './touch-message.js';
import { canReach, findNextStep, type SuppressionLookup } from './enrollment.js';
import { computeNextTouchAt, zonesOf } from './schedule.js';
import { scheduleNameFor } from './schedule-name.js';
import { addressHash } from './address-hash.js';

export interface TouchPlan {
  /** Index of the planned step; `steps.length` when nothing is left (the enrollment completes). */
  index: number;
  step?: StepDefinition;
  skipped: StepDefinition[];
  touch?: ScheduledTouch;
}

export interface PlanInput {
  sequence: PublishedSequence;
  enrollment: { id: string; prospectId: string; sequenceId: string; run: number };
  prospect: Pick<Prospect, 'email' | 'phone' | 'timezone' | 'timezoneCandidates'>;
  /** First step index to consider. */
  fromIndex: number;
  /** The wait is counted from here: enrollment time for the first step, the previous touch after. */
  from: Date;
  /** Addresses that must not be contacted on a ledger channel (the consent ledger). */
  isSuppressed: SuppressionLookup;
  /** Resuming: the step's wait has already been served, only the send window applies. */
  ignoreWait?: boolean;
  /** Enrolling many prospects at one instant: pass `memoizedNextTouchAt()` to compute each zone once. */
  nextTouchAt?: typeof computeNextTouchAt;
}

export function planNextTouch(input: PlanInput): TouchPlan {
  const { sequence, enrollment, prospect } = input;
  const canUse = (channel: Channel) => canReach(prospect, channel, input.isSuppressed);
  const next = findNextStep(sequence, input.fromIndex, canUse);
  if (!next.step) return { index: next.index, skipped: next.skipped };

  const { at } = (input.nextTouchAt ?? computeNextTouchAt)({
    from: input.from,
    wait: input.ignoreWait ? { amount: 0, unit: 'minutes' } : next.step.wait,
    window: next.step.window ?? sequence.definition.window,
    channel: next.step.channel,
    timezone: zonesOf(prospect),
    defaultTimezone: sequence.definition.defaultTimezone,
  });
  return {
    index: next.index,
    step: next.step,
    skipped: next.skipped,
    touch: scheduledTouchFor({ ...enrollment, stepIndex: next.index }, at.toISOString(), prospect, next.step.channel),
  };
}

/**
 * The message a schedule would deliver for an already planned touch (used to re-ensure schedules).
 * `channel` is the planned step's: it picks the touch queue (see `TouchMessage.channel`).
 */
export function scheduledTouchFor(
  enrollment: { id: string; prospectId: string; sequenceId: string; run: number; stepIndex: number },
  dueAt: string,
  prospect?: Pick<Prospect, 'email' | 'phone'>,
  channel?: Channel,
): ScheduledTouch {
  // The address hashes let the worker read enrollment, profile and suppressions in ONE request.
  const addressHashes = prospect
    ? {
        ...(prospect.email ? { email: addressHash(prospect.email) } : {}),
        ...(prospect.phone ? { phone: addressHash(prospect.phone) } : {}),
      }
    : undefined;
  const message: TouchMessage = {
    enrollmentId: enrollment.id,
    prospectId: enrollment.prospectId,
    sequenceId: enrollment.sequenceId,
    run: enrollment.run,
    stepIndex: enrollment.stepIndex,
    dueAt,
    ...(addressHashes ? { addressHashes } : {}),
    ...(channel ? { channel } : {}),
  };
  return { ...message, scheduleName: scheduleNameFor(message) };
}

/** The channel of a sequence's step, when the sequence and the step are known. */
export function stepChannel(sequence: PublishedSequence | undefined, stepIndex: number): Channel | undefined {
  return sequence?.definition.steps[stepIndex]?.channel;
}
