/**
 * The enrollment state machine and the small rules around it (DESIGN §2). Pure.
 */
import type { Channel, PublishedSequence, StepDefinition } from './sequence.js';
import { ENDED_STATUSES, type Enrollment, type EnrollmentStatus, type Prospect } from './records.js';

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}

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

/** Which transitions a person or an event may cause. Ended states are final for that run. */
const ALLOWED: Record<EnrollmentStatus, readonly EnrollmentStatus[]> = {
  active: ['paused', 'completed', 'replied', 'opted_out', 'bounced', 'stopped', 'failed'],
  paused: ['active', 'replied', 'opted_out', 'bounced', 'stopped'],
  completed: [],
  replied: [],
  opted_out: [],
  bounced: [],
  stopped: [],
  failed: [],
};

export function canTransition(from: EnrollmentStatus, to: EnrollmentStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function addressFor(prospect: Pick<Prospect, 'email' | 'phone'>, channel: Channel): string | undefined {
  switch (channel) {
    case 'email':
      return prospect.email;
    case 'sms':
      return prospect.phone;
  }
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
  | 'delivered'
  | 'failed'
  | 'replied'
  | 'skipped'
  | 'opened'
  | 'clicked'
  | 'bounced'
  | 'complained'
  | 'transientBounce';

/** Counter names, in one place so writers and the stats reader agree. */
export const counterKeys = {
  status: (status: EnrollmentStatus) => `status.${status}`,
  enrolled: 'enrolled',
  step: (stepId: string, what: StepCounter) => `step.${stepId}.${what}`,
} as const;

/** Counter deltas for a status change. */
export function statusChangeDeltas(from: EnrollmentStatus, to: EnrollmentStatus): Record<string, number> {
  if (from === to) return {};
  return { [counterKeys.status(from)]: -1, [counterKeys.status(to)]: 1 };
}

/** The step an incoming reply is attributed to: the last one sent. */
export function lastSentStep(enrollment: Enrollment): string | undefined {
  let latest: { stepId: string; stepIndex: number } | undefined;
  for (const touch of Object.values(enrollment.touches)) {
    if (touch.status === 'skipped' || touch.status === 'failed') continue;
    if (!latest || touch.stepIndex > latest.stepIndex) latest = touch;
  }
  return latest?.stepId;
}
