/**
 * Deterministic EventBridge Scheduler names for touches.
 *
 * The name is the idempotency key of a touch's schedule: a retried enroll or touch
 * computes the same name, so CreateSchedule answers ConflictException instead of
 * creating a second schedule that would send the touch twice.
 */
import { createHash } from 'node:crypto';

/** The fields of a touch that identify its schedule (a `TouchMessage` fits). */
export interface ScheduleNameInput {
  enrollmentId: string;
  run: number;
  stepIndex: number;
  /** ISO 8601 instant the touch is due. */
  dueAt: string;
}

/** Scheduler allows 1–64 characters of `[0-9a-zA-Z-_.]`. */
export const SCHEDULE_NAME_PATTERN = /^[0-9a-zA-Z._-]{1,64}$/;

export class ScheduleNameError extends Error {
  override name = 'ScheduleNameError';
}

/**
 * `fu-<16 hex of sha256(enrollmentId)>-r<run>-s<stepIndex>-<due minute, base 36>`:
 * about 35 characters in practice, and at most 63 even for runs and steps at
 * Number.MAX_SAFE_INTEGER with a due date in year 9999.
 *
 * The enrollment id is hashed because it carries a user-chosen slug of any length;
 * 64 bits of hash keep collisions out of reach for any realistic table. The due
 * minute is part of the name so that rescheduling the same step for a later time
 * (window closed on a late delivery, resume after a pause) gets a fresh name even
 * while the schedule that already fired has not been deleted yet.
 */
export function scheduleNameFor(touch: ScheduleNameInput): string {
  if (!Number.isSafeInteger(touch.run) || touch.run < 0) {
    throw new ScheduleNameError(`run must be a non-negative integer, got ${touch.run}`);
  }
  if (!Number.isSafeInteger(touch.stepIndex) || touch.stepIndex < 0) {
    throw new ScheduleNameError(`stepIndex must be a non-negative integer, got ${touch.stepIndex}`);
  }
  const dueMs = Date.parse(touch.dueAt);
  if (Number.isNaN(dueMs)) {
    throw new ScheduleNameError(`dueAt is not a valid instant: ${touch.dueAt}`);
  }
  const hash = createHash('sha256').update(touch.enrollmentId, 'utf8').digest('hex').slice(0, 16);
  const dueMinute = Math.floor(dueMs / 60_000).toString(36);
  return `fu-${hash}-r${touch.run}-s${touch.stepIndex}-${dueMinute}`;
}
