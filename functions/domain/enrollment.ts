/**
 * The enrollment state machine and the small rules around it (docs/architecture.md, "The enrollment lifecycle"). Pure.
 */
import type { Channel, PublishedSequence, StepDefinition } from './sequence.js';
import { ENDED_STATUSES, type Enrollment, type EnrollmentStatus, type Prospect, type TouchRecord } from './records.js';
import { BLOCKING_CONSENT, type ConsentChannel } from './people-steps.js';
import { normalizeMessageId, sesMessageIdOf } from './email-reply.js';

/** One enrollment item per prospect and sequence; its id says where it lives, so no index is needed. */
export function enrollmentIdFor(prospectId: string, sequenceId: string): string {
  return `${prospectId}.${sequenceId}`;
}

export function parseEnrollmentId(enrollmentId: string): { prospectId: string; sequenceId: string } | undefined {
  const dot = enrollmentId.indexOf('.');
  if (dot <= 0 || dot === enrollmentId.length - 1) return undefined;
  return { prospectId: enrollmentId.slice(0, dot), sequenceId: enrollmentId.slice(dot + 1) };
}

export function isEnded(status: EnrollmentStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/**
 * The enrollment lifecycle: what may happen to an enrollment, from which statuses, to
 * which. The one source of allowed transitions (docs/architecture.md, "Lifecycle"): the
 * touch worker, stop, pause and resume all check it before their conditional write, and
 * the write's condition on the status read makes the check hold under concurrency.
 */
export const LIFECYCLE = {
  /**
   * The touch worker executed a step (or a rep logged a task's outcome that continues the
   * sequence): on to the next step, or the end of the run.
   */
  touch: { from: ['active'], to: ['active', 'completed', 'failed', 'opted_out', 'bounced'] },
  /** By hand, after an auto-reply until a date, or a call back until its date. */
  pause: { from: ['active'], to: ['paused'] },
  /** By hand, or by the touch worker once an auto-reply or call-back pause is over. */
  resume: { from: ['paused'], to: ['active'] },
  /**
   * A reply, an opt-out, a bounce or complaint, a manual stop, an erasure; a conversion (an
   * outside event the sequence exits on, a booked meeting).
   */
  end: { from: ['active', 'paused'], to: ['replied', 'opted_out', 'bounced', 'stopped', 'converted'] },
} as const satisfies Record<string, { from: readonly EnrollmentStatus[]; to: readonly EnrollmentStatus[] }>;

export type LifecycleEvent = keyof typeof LIFECYCLE;
/** The statuses an event may lead to, e.g. `StatusAfter<'end'>` = replied | opted_out | bounced | stopped. */
export type StatusAfter<E extends LifecycleEvent> = (typeof LIFECYCLE)[E]['to'][number];

/** A request that conflicts with the enrollment's state (HTTP 409), e.g. it changed meanwhile. */
export class EnrollmentStateError extends Error {
  override name = 'EnrollmentStateError';
}

/** A change the lifecycle does not allow, e.g. resuming a completed enrollment. */
export class InvalidTransitionError extends EnrollmentStateError {
  override name = 'InvalidTransitionError';
  constructor(
    readonly from: EnrollmentStatus,
    readonly event: LifecycleEvent,
  ) {
    super(`enrollment is ${from}; ${describeEvent(event)}`);
  }
}

function describeEvent(event: LifecycleEvent): string {
  const from = LIFECYCLE[event].from.join(' or ');
  switch (event) {
    case 'touch':
      return `only an ${from} enrollment gets touches`;
    case 'pause':
      return `only an ${from} enrollment can be paused`;
    case 'resume':
      return `only a ${from} enrollment can be resumed`;
    case 'end':
      return `only an ${from} enrollment can be stopped`;
  }
}

export function canApply(event: LifecycleEvent, from: EnrollmentStatus): boolean {
  return (LIFECYCLE[event].from as readonly EnrollmentStatus[]).includes(from);
}

/** Checks `from --event--> to` against the lifecycle; throws InvalidTransitionError otherwise. */
export function checkTransition<E extends LifecycleEvent>(from: EnrollmentStatus, event: E, to: StatusAfter<E>): void {
  if (!canApply(event, from) || !(LIFECYCLE[event].to as readonly EnrollmentStatus[]).includes(to)) {
    throw new InvalidTransitionError(from, event);
  }
}

/** The address a step of `channel` reaches the prospect at; a task needs none. */
export function addressFor(prospect: Pick<Prospect, 'email' | 'phone'>, channel: Channel): string | undefined {
  switch (channel) {
    case 'email':
      return prospect.email;
    case 'sms':
    case 'call':
    case 'voicemail':
      return prospect.phone;
    case 'task':
      return undefined;
  }
}

/** Whether an address is blocked for a ledger channel (a suppression of it, or an erasure). */
export type SuppressionLookup = (address: string, channel: ConsentChannel) => boolean;

/**
 * Whether a step of `channel` can reach the prospect: it has the address the step needs,
 * and no ledger channel that blocks the step (BLOCKING_CONSENT) has it suppressed. A task
 * always can (it goes through a person, on whatever channel they choose).
 */
export function canReach(prospect: Pick<Prospect, 'email' | 'phone'>, channel: Channel, isSuppressed: SuppressionLookup): boolean {
  if (channel === 'task') return true;
  const address = addressFor(prospect, channel);
  return address !== undefined && !BLOCKING_CONSENT[channel].some((consent) => isSuppressed(address, consent));
}

/**
 * The next step this prospect can receive, starting at `fromIndex`. Steps on a channel the
 * prospect has no usable address for are returned as skipped, so the caller can put them on
 * the timeline instead of silently dropping them.
 */
export function findNextStep(
  sequence: PublishedSequence,
  fromIndex: number,
  canUse: (channel: Channel) => boolean,
): { index: number; step?: StepDefinition; skipped: StepDefinition[] } {
  const skipped: StepDefinition[] = [];
  const steps = sequence.definition.steps;
  for (let index = fromIndex; index < steps.length; index++) {
    const step = steps[index];
    if (!step) break;
    if (canUse(step.channel)) return { index, step, skipped };
    skipped.push(step);
  }
  return { index: steps.length, skipped };
}

export type StepCounter =
  | 'sent'
  | 'tasks'
  | 'done'
  | 'converted'
  | 'answeredByHuman'
  | 'answeredByMachine'
  | 'delivered'
  | 'failed'
  | 'replied'
  | 'skipped'
  | 'opened'
  | 'clicked'
  | 'bounced'
  | 'complained'
  | 'optedOut'
  | 'transientBounce';

/** Counter names, in one place so writers and the stats reader agree. */
export const counterKeys = {
  status: (status: EnrollmentStatus) => `status.${status}`,
  enrolled: 'enrolled',
  /** Runs enrolled on a version (GET /sequences/{id}/versions). */
  versionEnrolled: (version: number) => `version.${version}.enrolled`,
  /** Runs that got their first touch (the funnel's "touched"). */
  touched: 'touched',
  /** Runs that got a reply and kept going (`stopOnReply: false`): with `status.replied`, the funnel's "replied". */
  repliedAndContinued: 'repliedAndContinued',
  step: (stepId: string, what: StepCounter) => `step.${stepId}.${what}`,
  /** How often each outcome was logged on a call or task step. */
  outcome: (stepId: string, outcome: string) => `step.${stepId}.outcome.${outcome}`,
} as const;

/** Counter deltas for a status change. */
export function statusChangeDeltas(from: EnrollmentStatus, to: EnrollmentStatus): Record<string, number> {
  if (from === to) return {};
  return { [counterKeys.status(from)]: -1, [counterKeys.status(to)]: 1 };
}

/** The last step that reached the prospect (on `channel`, when given): a reply or a conversion is credited to it. */
/**
 * The thread a recorded email starts, when the enrollment has none yet: a first email that
 * was recorded without its advance (a pause landed during its send) carries its Message-ID
 * and subject on its touch record until the enrollment moves past it (the touch worker's
 * catch-up, or a resume by hand), which then keeps them as the enrollment's thread.
 */
export function threadStartedBy(enrollment: Pick<Enrollment, 'thread'>, touch: Pick<TouchRecord, 'channel' | 'messageIdHeader' | 'subject'>): Enrollment['thread'] {
  if (enrollment.thread || touch.channel !== 'email' || !touch.messageIdHeader || !touch.subject) return undefined;
  return { messageIdHeader: touch.messageIdHeader, subject: touch.subject };
}

export function lastSentStep(enrollment: Enrollment, channel?: Channel): string | undefined {
  let latest: { stepId: string; stepIndex: number } | undefined;
  for (const touch of Object.values(enrollment.touches)) {
    if (touch.status === 'skipped' || touch.status === 'failed') continue;
    if (channel !== undefined && touch.channel !== channel) continue;
    if (!latest || touch.stepIndex > latest.stepIndex) latest = touch;
  }
  return latest?.stepId;
}

/** What a reply says about the message it answers (email: its In-Reply-To and References). */
export interface ReplyThread {
  channel: Channel;
  inReplyTo?: readonly string[];
  references?: readonly string[];
}

/**
 * The step a reply is credited to: for email, the touch whose Message-ID the reply's
 * In-Reply-To names, else the most recent one its References name (the last entry is the
 * direct parent); otherwise the last step sent on the reply's channel (an SMS answers the
 * last SMS), else the last step sent at all.
 */
export function answeredStep(enrollment: Enrollment, reply: ReplyThread): string | undefined {
  const sent = Object.values(enrollment.touches).filter((t) => t.channel === 'email' && t.status !== 'skipped' && t.status !== 'failed');
  for (const id of [...(reply.inReplyTo ?? []), ...[...(reply.references ?? [])].reverse()]) {
    const normalized = normalizeMessageId(id);
    const sesId = sesMessageIdOf(id);
    const touch = sent.find(
      (t) =>
        (t.messageIdHeader !== undefined && normalizeMessageId(t.messageIdHeader) === normalized) ||
        (sesId !== undefined && t.providerMessageId === sesId),
    );
    if (touch) return touch.stepId;
  }
  return lastSentStep(enrollment, reply.channel) ?? lastSentStep(enrollment);
}
