/** Goals and streaks (contract "The rep's work"): `GET /me`, `PUT /me`, `GET /team/progress`. */
import * as z from '../zod.js';
import { ROLES } from '../domain/roles.js';
import { MAX_DAILY_GOAL } from '../domain/user-progress.js';
import { cursorParam, limitParam, pageOf } from './common.js';

export const progress = z.object({
  email: z.string(),
  dailyGoal: z.number(),
  doneToday: z.number(),
  /** Consecutive local days with the goal met (weekends never break it). */
  streakDays: z.number(),
});

export const me = z.extend(progress, {
  role: z.enum(ROLES),
  /** Click to call rings this phone first. */
  phone: z.optional(z.string()),
  /** The zone of the user's day. */
  timezone: z.string(),
});
export type Me = z.infer<typeof me>;

/** `PUT /me`: any of the three; `null` clears it. */
export const updateMeRequest = z.strictObject({
  phone: z.optional(z.nullable(z.string({ error: 'phone must be text like +14155550123, or null' }))),
  dailyGoal: z.optional(
    z.nullable(
      z.number({ error: `dailyGoal must be a whole number from 1 to ${MAX_DAILY_GOAL}, or null` }).check(
        z.int({ error: `dailyGoal must be a whole number from 1 to ${MAX_DAILY_GOAL}` }),
        z.minimum(1, { error: `dailyGoal must be a whole number from 1 to ${MAX_DAILY_GOAL}` }),
        z.maximum(MAX_DAILY_GOAL, { error: `dailyGoal must be a whole number from 1 to ${MAX_DAILY_GOAL}` }),
      ),
    ),
  ),
  timezone: z.optional(z.nullable(z.string({ error: 'timezone must be an IANA time zone, or null' }))),
});
export type UpdateMeRequest = z.infer<typeof updateMeRequest>;

export const teamProgressQuery = z.object({ limit: limitParam, cursor: cursorParam });
export const teamProgress = pageOf(progress);
export type TeamProgress = z.infer<typeof teamProgress>;
