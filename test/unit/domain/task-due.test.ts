/**
 * When a rep's task is due, when its step is skipped (dueWithin), and whether the prospect
 * may be called right now: windows, business days and call quiet hours, in the prospect's
 * zone(s).
 */
import { describe, expect, it } from 'vitest';
import { callAvailability, dayBounds, localIso, parseTaskId, planTaskDue, taskIdFor } from '../../../functions/domain/task.js';
import type { SendWindow } from '../../../functions/domain/sequence.js';
import type { SuppressionLookup } from '../../../functions/domain/enrollment.js';

const WEEKDAYS_9_TO_5: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
const EVERY_DAY_6_TO_23: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '06:00', end: '23:00' };
const none: SuppressionLookup = () => false;

describe('task ids', () => {
  it('are one per enrollment run and step, and split back', () => {
    const id = taskIdFor('p_abc123.inbound-follow-up', 2, 'first-call');
    expect(id).toBe('p_abc123.inbound-follow-up.2.first-call');
    expect(parseTaskId(id)).toEqual({ prospectId: 'p_abc123', sequenceId: 'inbound-follow-up', enrollmentId: 'p_abc123.inbound-follow-up', run: 2, stepId: 'first-call' });
    for (const bad of ['p_abc.seq.0.step', 'p_abc.seq.1', 'x_abc.seq.1.step', 'p_abc.Seq.1.step', 'p_abc.seq.1.step.more', '']) expect(parseTaskId(bad)).toBeUndefined();
  });
});

describe('planTaskDue', () => {
  it('is due at once inside the window, and pushed to the next opening outside it (Friday 17:30 New York → Monday 09:00)', () => {
    const inside = planTaskDue({ now: new Date('2026-11-23T15:00:00Z'), window: WEEKDAYS_9_TO_5, channel: 'call', zones: 'America/New_York', defaultTimezone: 'America/New_York' });
    expect(inside.dueAt.toISOString()).toBe('2026-11-23T15:00:00.000Z');
    const late = planTaskDue({ now: new Date('2026-11-27T22:30:00Z'), window: WEEKDAYS_9_TO_5, channel: 'call', zones: 'America/New_York', defaultTimezone: 'America/New_York' });
    expect(late.dueAt.toISOString()).toBe('2026-11-30T14:00:00.000Z');
    expect(late.deadlineAt).toBeUndefined();
  });

  it('holds calls to 08:00–21:00 local whatever the window says; a task has no quiet hours', () => {
    // 06:30 in Los Angeles on a Tuesday, window 06:00–23:00 every day.
    const now = new Date('2026-11-24T14:30:00Z');
    const call = planTaskDue({ now, window: EVERY_DAY_6_TO_23, channel: 'call', zones: 'America/Los_Angeles', defaultTimezone: 'America/New_York' });
    expect(call.dueAt.toISOString()).toBe('2026-11-24T16:00:00.000Z'); // 08:00 Los Angeles
    const task = planTaskDue({ now, window: EVERY_DAY_6_TO_23, channel: 'task', zones: 'America/Los_Angeles', defaultTimezone: 'America/New_York' });
    expect(task.dueAt.toISOString()).toBe(now.toISOString());
  });

  it('respects every candidate zone of a number that may be in New York or Los Angeles', () => {
    // 08:30 New York = 05:30 Los Angeles: the call waits for 08:00 in Los Angeles too.
    const due = planTaskDue({
      now: new Date('2026-11-24T13:30:00Z'),
      window: EVERY_DAY_6_TO_23,
      channel: 'call',
      zones: ['America/Los_Angeles', 'America/New_York'],
      defaultTimezone: 'America/New_York',
    });
    expect(due.dueAt.toISOString()).toBe('2026-11-24T16:00:00.000Z');
  });

  it('counts dueWithin from the due time in business days (Friday + 2 business days = Tuesday, same local time)', () => {
    const due = planTaskDue({
      now: new Date('2026-11-27T15:00:00Z'), // Friday 10:00 New York
      window: WEEKDAYS_9_TO_5,
      channel: 'call',
      zones: 'America/New_York',
      defaultTimezone: 'America/New_York',
      dueWithin: { amount: 2, unit: 'businessDays' },
    });
    expect(due.deadlineAt?.toISOString()).toBe('2026-12-01T15:00:00.000Z');
  });

  it('keeps the local time of a deadline in days across the DST change (Saturday 10:00 → Monday 10:00 after the clocks went back)', () => {
    const due = planTaskDue({
      now: new Date('2026-10-31T14:00:00Z'), // Saturday 10:00 EDT
      window: EVERY_DAY_6_TO_23,
      channel: 'task',
      zones: 'America/New_York',
      defaultTimezone: 'America/New_York',
      dueWithin: { amount: 2, unit: 'days' },
    });
    expect(due.deadlineAt?.toISOString()).toBe('2026-11-02T15:00:00.000Z'); // 10:00 EST
  });
});

describe('callAvailability', () => {
  const prospect = { phone: '+14155550123', timezone: 'America/Los_Angeles' };

  it('is callable inside 08:00–21:00 local', () => {
    expect(callAvailability({ prospect, isSuppressed: none, now: new Date('2026-11-24T18:00:00Z'), defaultTimezone: 'America/New_York' })).toEqual({ callable: true });
  });

  it('is not callable at 21:00 local, and says when calls open', () => {
    const result = callAvailability({ prospect, isSuppressed: none, now: new Date('2026-11-25T05:00:00Z'), defaultTimezone: 'America/New_York' });
    expect(result).toEqual({ callable: false, reason: "outside 08:00–21:00 in the prospect's time zone; calls open at 2026-11-25T16:00:00.000Z" });
  });

  it('is not callable when the number is suppressed for calls, or there is no number', () => {
    const suppressed: SuppressionLookup = (_address, channel) => channel === 'call';
    expect(callAvailability({ prospect, isSuppressed: suppressed, now: new Date('2026-11-24T18:00:00Z'), defaultTimezone: 'UTC' })).toEqual({
      callable: false,
      reason: 'the number asked not to be called (suppressed for calls)',
    });
    expect(callAvailability({ prospect: { email: 'a@example.com' }, isSuppressed: none, now: new Date(), defaultTimezone: 'UTC' })).toEqual({
      callable: false,
      reason: 'the prospect has no phone number',
    });
  });

  it('an SMS STOP alone does not block a call by a rep (only voicemail drops)', () => {
    const smsOnly: SuppressionLookup = (_address, channel) => channel === 'sms';
    expect(callAvailability({ prospect, isSuppressed: smsOnly, now: new Date('2026-11-24T18:00:00Z'), defaultTimezone: 'UTC' }).callable).toBe(true);
  });
});

describe('local times', () => {
  it('shows an instant with the prospect zone offset, and the bounds of a local day', () => {
    expect(localIso('2026-11-24T18:00:00.000Z', 'America/Los_Angeles', 'UTC')).toEqual({ local: '2026-11-24T10:00:00-08:00', timezone: 'America/Los_Angeles' });
    expect(dayBounds(new Date('2026-11-24T03:00:00Z'), 'America/New_York')).toEqual({
      start: '2026-11-23T05:00:00.000Z',
      end: '2026-11-24T05:00:00.000Z',
      day: '2026-11-23',
    });
  });
});
