/**
 * `POST /dev/clock {"advance": …}`: how far to move the virtual clock. The duration is
 * read by the same parser as a step's `wait:` in sequence.yaml (domain/sequence-fields.ts)
 * and applied like a step wait (domain/schedule.ts), in UTC: days keep the time of day,
 * business days skip Saturdays and Sundays.
 */
import { applyWait } from '../domain/schedule.js';
import { parseDuration } from '../domain/sequence-fields.js';
import type { Wait, WaitUnit } from '../domain/sequence.js';

/** Longer than any sequence needs; and far inside what a Date can hold. */
export const MAX_ADVANCE_DAYS = 400;
const DAY_MS = 86_400_000;

/** Bounds checked before the wait is applied, so a huge amount never runs a long loop. */
const MAX_AMOUNT: Record<WaitUnit, number> = {
  minutes: MAX_ADVANCE_DAYS * 1_440,
  hours: MAX_ADVANCE_DAYS * 24,
  days: MAX_ADVANCE_DAYS,
  businessDays: MAX_ADVANCE_DAYS,
};

/** The time the clock moves to, or a message saying what is wrong with `advance`. */
export function clockAdvanceTarget(advance: unknown, now: Date): { at: Date } | { error: string } {
  const wait: Wait | string = parseDuration(advance);
  if (typeof wait === 'string') return { error: wait.replace('is not a valid wait', 'is not a valid duration') };
  const tooLong = { error: `${JSON.stringify(advance)} is more than ${MAX_ADVANCE_DAYS} days; advance in smaller steps` };
  if (wait.amount > MAX_AMOUNT[wait.unit]) return tooLong;
  const at = applyWait(now, wait, 'UTC').toJSDate();
  if (at.getTime() - now.getTime() > MAX_ADVANCE_DAYS * DAY_MS) return tooLong;
  return { at };
}
