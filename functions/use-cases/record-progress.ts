/**
 * A rep logged an outcome: their count for today and their streak move on
 * (domain/user-progress.ts). ONE conditional write on the user's item, retried on a
 * conflict (the same user completing two tasks at once).
 */
import { recordTaskDone, type UserSettings } from '../domain/user-progress.js';
import type { UseCaseContext } from './context.js';

export function userTimezone(ctx: Pick<UseCaseContext, 'settings'>, user: Pick<UserSettings, 'timezone'> | undefined): string {
  return user?.timezone ?? ctx.settings.defaultTimezone ?? 'UTC';
}

export async function recordProgress(ctx: UseCaseContext, email: string, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const user = await ctx.store.getUser(email);
    const current: UserSettings = user ?? { email: email.toLowerCase(), version: 0, updatedAt: now.toISOString() };
    const next = { ...recordTaskDone(current, now, userTimezone(ctx, user)), version: current.version + 1 };
    if ((await ctx.store.putUser(next, user?.version)) === 'ok') return;
  }
  ctx.logger.warn('user progress not recorded: it kept changing', { user: 'signed-in user' });
}
