/**
 * A rep's daily goal, the tasks done today and the streak of days the goal was met, as a
 * pure state kept on the user's item (one item per user: one conditional write per
 * completed task, and the team list is one Query). Days are the user's local days.
 *
 * Streak: consecutive local days with the goal met, ending today (or yesterday, while
 * today's goal is not met yet). Saturdays and Sundays never break a streak (reps do not
 * work them), and count when the goal was met on them.
 */
import { DateTime } from 'luxon';

export const DEFAULT_DAILY_GOAL = 5;
export const MAX_DAILY_GOAL = 100;

/** What is stored per user (keys in adapters/dynamodb/keys.ts). */
export interface UserSettings {
  /** Lower-case email of the signed-in user. */
  email: string;
  /** E.164: click to call rings this phone first. */
  phone?: string;
  dailyGoal?: number;
  /** IANA zone of the user's day (goals, "due today"); the engine's default zone when unset. */
  timezone?: string;
  /** Tasks done on `day` (local `yyyy-mm-dd`), and the goal that day. */
  progress?: { day: string; done: number; goal: number };
  /** The last local day the goal was met, and the streak that day ended. */
  streak?: { lastMetDay: string; days: number };
  /** Optimistic concurrency: every write is conditional on the version read. */
  version: number;
  updatedAt: string;
}

export interface UserProgress {
  email: string;
  dailyGoal: number;
  doneToday: number;
  streakDays: number;
}

export function goalOf(user: Pick<UserSettings, 'dailyGoal'> | undefined): number {
  return user?.dailyGoal ?? DEFAULT_DAILY_GOAL;
}

export function localDay(now: Date, timezone: string): string {
  return DateTime.fromJSDate(now, { zone: timezone }).toISODate() as string;
}

/** The working day before `day`: Friday for a Monday (weekends never break a streak). */
function previousWorkingDay(day: string): string {
  let date = DateTime.fromISO(day, { zone: 'UTC' }).minus({ days: 1 });
  while (date.weekday > 5) date = date.minus({ days: 1 });
  return date.toISODate() as string;
}

/** Whether `lastMetDay` still carries a streak into `day`: the same day, or the working day before (weekends in between). */
function streakAlive(lastMetDay: string, day: string): boolean {
  if (lastMetDay === day) return true;
  return lastMetDay >= previousWorkingDay(day);
}

/** The user after one more task done at `now` (local day in `timezone`). */
export function recordTaskDone(user: UserSettings, now: Date, timezone: string): UserSettings {
  const day = localDay(now, timezone);
  const goal = goalOf(user);
  const done = user.progress?.day === day ? user.progress.done + 1 : 1;
  const next: UserSettings = { ...user, progress: { day, done, goal }, updatedAt: now.toISOString() };
  if (done >= goal && user.streak?.lastMetDay !== day) {
    const carried = user.streak && streakAlive(user.streak.lastMetDay, day) ? user.streak.days : 0;
    next.streak = { lastMetDay: day, days: carried + 1 };
  }
  return next;
}

/** What the team sees of a user at `now`: a streak that was broken reads 0. */
export function progressOf(user: UserSettings, now: Date, timezone: string): UserProgress {
  const day = localDay(now, timezone);
  const doneToday = user.progress?.day === day ? user.progress.done : 0;
  const streakDays = user.streak && streakAlive(user.streak.lastMetDay, day) ? user.streak.days : 0;
  return { email: user.email, dailyGoal: goalOf(user), doneToday, streakDays };
}
