/**
 * A signed-in user's settings and progress (`GET /me`, `PUT /me`) and the team's
 * (`GET /team/progress`). Users are the signed-in principals: their item is made the first
 * time they save a setting or complete a task.
 */
import type { Page } from '../domain/page.js';
import { knownZone } from '../domain/schedule.js';
import { MAX_DAILY_GOAL, progressOf, type UserProgress, type UserSettings } from '../domain/user-progress.js';
import { InputError, type UseCaseContext } from './context.js';
import { userTimezone } from './record-progress.js';

export interface MySettings extends UserProgress {
  phone?: string;
  timezone: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export async function getMySettings(ctx: UseCaseContext, email: string): Promise<MySettings> {
  const user = await ctx.store.getUser(email);
  return settingsView(ctx, user ?? { email: email.toLowerCase(), version: 0, updatedAt: ctx.clock.now().toISOString() });
}

/** `null` clears a setting (the phone, the goal back to the default, the zone back to the engine's). */
export interface SettingsChange {
  phone?: string | null;
  dailyGoal?: number | null;
  timezone?: string | null;
}

export async function updateMySettings(ctx: UseCaseContext, email: string, change: SettingsChange): Promise<MySettings> {
  if (typeof change.phone === 'string' && !E164.test(change.phone)) {
    throw new InputError('phone: use international format like +14155550123 (the call rings this number first)', 'phone');
  }
  if (typeof change.dailyGoal === 'number' && (!Number.isInteger(change.dailyGoal) || change.dailyGoal < 1 || change.dailyGoal > MAX_DAILY_GOAL)) {
    throw new InputError(`dailyGoal: a whole number from 1 to ${MAX_DAILY_GOAL}`, 'dailyGoal');
  }
  const zone = typeof change.timezone === 'string' ? knownZone(change.timezone) : undefined;
  if (typeof change.timezone === 'string' && !zone) throw new InputError('timezone: an IANA time zone such as America/New_York', 'timezone');
  for (let attempt = 0; attempt < 5; attempt++) {
    const user = await ctx.store.getUser(email);
    const current: UserSettings = user ?? { email: email.toLowerCase(), version: 0, updatedAt: ctx.clock.now().toISOString() };
    const next: UserSettings = { ...current, version: current.version + 1, updatedAt: ctx.clock.now().toISOString() };
    apply(next, 'phone', change.phone);
    apply(next, 'dailyGoal', change.dailyGoal);
    apply(next, 'timezone', change.timezone === undefined || change.timezone === null ? change.timezone : zone);
    if ((await ctx.store.putUser(next, user?.version)) === 'ok') return settingsView(ctx, next);
  }
  throw new InputError('your settings kept changing meanwhile; try again', 'body');
}

function apply<K extends 'phone' | 'dailyGoal' | 'timezone'>(user: UserSettings, field: K, value: UserSettings[K] | null | undefined): void {
  if (value === undefined) return;
  if (value === null) delete user[field];
  else user[field] = value;
}

export async function teamProgress(ctx: UseCaseContext, query: { limit: number; cursor?: string }): Promise<Page<UserProgress>> {
  const page = await ctx.store.listUsers(query);
  const now = ctx.clock.now();
  return { items: page.items.map((user) => progressOf(user, now, userTimezone(ctx, user))), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

function settingsView(ctx: UseCaseContext, user: UserSettings): MySettings {
  const timezone = userTimezone(ctx, user);
  return { ...progressOf(user, ctx.clock.now(), timezone), ...(user.phone ? { phone: user.phone } : {}), timezone };
}
