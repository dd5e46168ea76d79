/** A rep's daily goal, done today and streak: local days, weekends that never break a streak. */
import { describe, expect, it } from 'vitest';
import { progressOf, recordTaskDone, type UserSettings } from '../../../functions/domain/user-progress.js';

const ZONE = 'America/New_York';
const user = (fields: Partial<UserSettings> = {}): UserSettings => ({ email: 'rep@example.com', version: 1, updatedAt: '2026-11-23T00:00:00Z', ...fields });
/** Noon in New York on a day. */
const noon = (day: string) => new Date(`${day}T17:00:00Z`);

function doTasks(start: UserSettings, day: string, count: number): UserSettings {
  let current = start;
  for (let i = 0; i < count; i++) current = recordTaskDone(current, noon(day), ZONE);
  return current;
}

describe('user progress', () => {
  it('counts tasks done per local day and starts a streak when the goal (default 5) is met', () => {
    const four = doTasks(user(), '2026-11-23', 4);
    expect(progressOf(four, noon('2026-11-23'), ZONE)).toEqual({ email: 'rep@example.com', dailyGoal: 5, doneToday: 4, streakDays: 0 });
    const five = recordTaskDone(four, noon('2026-11-23'), ZONE);
    expect(progressOf(five, noon('2026-11-23'), ZONE)).toMatchObject({ doneToday: 5, streakDays: 1 });
    // A sixth task the same day does not add a day to the streak.
    expect(progressOf(recordTaskDone(five, noon('2026-11-23'), ZONE), noon('2026-11-23'), ZONE)).toMatchObject({ doneToday: 6, streakDays: 1 });
  });

  it('uses the user zone for "today": 23:30 in New York is still Monday there', () => {
    const late = recordTaskDone(user({ dailyGoal: 1 }), new Date('2026-11-24T04:30:00Z'), ZONE);
    expect(late.progress).toEqual({ day: '2026-11-23', done: 1, goal: 1 });
  });

  it('carries the streak over consecutive working days, across a weekend, and shows it while today is not done yet', () => {
    let rep = user({ dailyGoal: 2 });
    for (const day of ['2026-11-19', '2026-11-20', '2026-11-23']) rep = doTasks(rep, day, 2); // Thu, Fri, Mon
    expect(progressOf(rep, noon('2026-11-23'), ZONE).streakDays).toBe(3);
    // Tuesday morning, nothing done yet: the streak still counts (it ended yesterday).
    expect(progressOf(rep, noon('2026-11-24'), ZONE)).toMatchObject({ doneToday: 0, streakDays: 3 });
    rep = doTasks(rep, '2026-11-24', 2);
    expect(progressOf(rep, noon('2026-11-24'), ZONE).streakDays).toBe(4);
  });

  it('a missed working day breaks the streak (it reads 0, and the next met day starts again at 1)', () => {
    let rep = doTasks(user({ dailyGoal: 1 }), '2026-11-23', 1); // Monday
    expect(progressOf(rep, noon('2026-11-25'), ZONE).streakDays).toBe(0); // Wednesday: Tuesday was missed
    rep = doTasks(rep, '2026-11-25', 1);
    expect(progressOf(rep, noon('2026-11-25'), ZONE).streakDays).toBe(1);
  });

  it('a goal met on a Saturday counts; an idle weekend breaks nothing', () => {
    let rep = doTasks(user({ dailyGoal: 1 }), '2026-11-27', 1); // Friday
    rep = doTasks(rep, '2026-11-28', 1); // Saturday
    expect(progressOf(rep, noon('2026-11-28'), ZONE).streakDays).toBe(2);
    expect(progressOf(rep, noon('2026-11-30'), ZONE).streakDays).toBe(2); // Monday morning
  });
});
