import { describe, expect, it } from 'vitest';
import {
  computeNextTouchAt,
  effectiveWindow,
  isWithinWindow,
  nextWindowOpening,
  ScheduleError,
} from '../../../functions/domain/schedule.js';
import type { SendWindow, Wait } from '../../../functions/domain/sequence.js';

const WEEKDAYS_9_TO_5: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
const EVERY_DAY: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
const NOW: Wait = { amount: 0, unit: 'minutes' };

function next(from: string, wait: Wait, opts: { window?: SendWindow; channel?: 'email' | 'sms'; timezone?: string } = {}) {
  const result = computeNextTouchAt({
    from: new Date(from),
    wait,
    window: opts.window ?? WEEKDAYS_9_TO_5,
    channel: opts.channel ?? 'email',
    timezone: 'timezone' in opts ? opts.timezone : 'America/New_York',
    defaultTimezone: 'America/New_York',
  });
  return { at: result.at.toISOString(), timezone: result.timezone };
}

describe('computeNextTouchAt: window', () => {
  it('keeps a time that is inside the window', () => {
    // Tue 2025-06-10 10:00 EDT
    expect(next('2025-06-10T14:00:00Z', NOW).at).toBe('2025-06-10T14:00:00.000Z');
  });

  it('waits for the opening when it is too early today', () => {
    // Tue 07:15 EDT → Tue 09:00 EDT
    expect(next('2025-06-10T11:15:00Z', NOW).at).toBe('2025-06-10T13:00:00.000Z');
  });

  it('moves to the next day when the window has closed for today', () => {
    // Tue 18:30 EDT → Wed 09:00 EDT
    expect(next('2025-06-10T22:30:00Z', NOW).at).toBe('2025-06-11T13:00:00.000Z');
  });

  it('treats the end as exclusive: 17:00 on a Friday is Monday 09:00', () => {
    expect(next('2025-06-13T21:00:00Z', NOW).at).toBe('2025-06-16T13:00:00.000Z');
  });

  it('pushes a wait that lands on a weekend to Monday at the opening', () => {
    // Thu 2025-06-12 14:00 EDT + 2 days = Sat 14:00 → Mon 09:00 EDT
    expect(next('2025-06-12T18:00:00Z', { amount: 2, unit: 'days' }).at).toBe('2025-06-16T13:00:00.000Z');
  });
});

describe('computeNextTouchAt: waits', () => {
  it('counts business days across a weekend (Fri + 3 business days = Wed, same time)', () => {
    // Fri 2025-06-13 11:00 EDT → Wed 2025-06-18 11:00 EDT
    expect(next('2025-06-13T15:00:00Z', { amount: 3, unit: 'businessDays' }).at).toBe('2025-06-18T15:00:00.000Z');
  });

  it('counts one business day from a Saturday as Monday', () => {
    expect(next('2025-06-14T15:00:00Z', { amount: 1, unit: 'businessDays' }).at).toBe('2025-06-16T15:00:00.000Z');
  });

  it('adds minutes and hours as absolute durations', () => {
    expect(next('2025-06-10T14:00:00Z', { amount: 90, unit: 'minutes' }).at).toBe('2025-06-10T15:30:00.000Z');
    expect(next('2025-06-10T14:00:00Z', { amount: 4, unit: 'hours' }).at).toBe('2025-06-10T18:00:00.000Z');
  });
});

describe('computeNextTouchAt: daylight saving time', () => {
  it('keeps the wall-clock time when days cross the New York spring-forward', () => {
    // Fri 2025-03-07 10:00 EST + 3 days = Mon 2025-03-10 10:00 EDT (not 11:00)
    expect(next('2025-03-07T15:00:00Z', { amount: 3, unit: 'days' }).at).toBe('2025-03-10T14:00:00.000Z');
  });

  it('keeps the wall-clock time when days cross the New York fall-back', () => {
    // Fri 2025-10-31 10:00 EDT + 3 days = Mon 2025-11-03 10:00 EST (not 09:00)
    expect(next('2025-10-31T14:00:00Z', { amount: 3, unit: 'days' }).at).toBe('2025-11-03T15:00:00.000Z');
  });

  it('keeps hours absolute across the spring-forward (20:00 EST + 12h = 09:00 EDT)', () => {
    expect(next('2025-03-09T01:00:00Z', { amount: 12, unit: 'hours' }, { window: EVERY_DAY }).at).toBe(
      '2025-03-09T13:00:00.000Z',
    );
  });

  it('opens at the first existing minute when the opening falls into the gap (02:30 → 03:30 EDT)', () => {
    const window: SendWindow = { ...EVERY_DAY, start: '02:30', end: '04:00' };
    expect(next('2025-03-09T05:00:00Z', NOW, { window }).at).toBe('2025-03-09T07:30:00.000Z');
  });

  it('skips a day whose whole window does not exist (02:00–03:00 on spring-forward day)', () => {
    const window: SendWindow = { ...EVERY_DAY, start: '02:00', end: '03:00' };
    // Next opening is Mon 2025-03-10 02:00 EDT = 06:00Z
    expect(next('2025-03-09T05:00:00Z', NOW, { window }).at).toBe('2025-03-10T06:00:00.000Z');
  });

  it('keeps both occurrences of a repeated Berlin hour inside a window that covers it', () => {
    const window: SendWindow = { ...EVERY_DAY, start: '02:00', end: '03:00' };
    const opts = { window, timezone: 'Europe/Berlin' };
    // 2025-10-26 02:30 CEST and 02:30 CET
    expect(next('2025-10-26T00:30:00Z', NOW, opts).at).toBe('2025-10-26T00:30:00.000Z');
    expect(next('2025-10-26T01:30:00Z', NOW, opts).at).toBe('2025-10-26T01:30:00.000Z');
  });

  it('adds business days across the Berlin spring-forward keeping 09:30 local', () => {
    // Fri 2025-03-28 09:30 CET + 1 business day = Mon 2025-03-31 09:30 CEST
    expect(next('2025-03-28T08:30:00Z', { amount: 1, unit: 'businessDays' }, { timezone: 'Europe/Berlin' })).toEqual({
      at: '2025-03-31T07:30:00.000Z',
      timezone: 'Europe/Berlin',
    });
  });
});

describe('computeNextTouchAt: zones', () => {
  it('treats the same instant differently 25 hours apart (Kiritimati vs Pago Pago)', () => {
    const instant = '2025-06-13T20:00:00Z';
    // Kiritimati (UTC+14): Sat 2025-06-14 10:00 → Mon 09:00 local = Sun 19:00Z
    expect(next(instant, NOW, { timezone: 'Pacific/Kiritimati' }).at).toBe('2025-06-15T19:00:00.000Z');
    // Pago Pago (UTC-11): Fri 2025-06-13 09:00 → inside the window
    expect(next(instant, NOW, { timezone: 'Pacific/Pago_Pago' }).at).toBe(instant.replace('Z', '.000Z'));
  });

  it('falls back to the default zone for an unknown or missing zone', () => {
    expect(next('2025-06-10T11:15:00Z', NOW, { timezone: 'Mars/Olympus_Mons' })).toEqual({
      at: '2025-06-10T13:00:00.000Z',
      timezone: 'America/New_York',
    });
    expect(next('2025-06-10T11:15:00Z', NOW, { timezone: undefined }).timezone).toBe('America/New_York');
  });

  it('canonicalises the spelling of a valid zone', () => {
    expect(next('2025-06-10T14:00:00Z', NOW, { timezone: 'europe/berlin' }).timezone).toBe('Europe/Berlin');
  });
});

describe('SMS quiet hours', () => {
  const wide: SendWindow = { days: EVERY_DAY.days, start: '06:00', end: '23:00' };

  it('never sends an SMS before 08:00 local even if the window allows it', () => {
    // Tue 06:30 EDT
    expect(next('2025-06-10T10:30:00Z', NOW, { window: wide, channel: 'sms' }).at).toBe('2025-06-10T12:00:00.000Z');
    expect(next('2025-06-10T10:30:00Z', NOW, { window: wide, channel: 'email' }).at).toBe('2025-06-10T10:30:00.000Z');
  });

  it('moves an SMS after 21:00 local to 08:00 the next allowed day', () => {
    // Tue 21:30 EDT → Wed 08:00 EDT
    expect(next('2025-06-11T01:30:00Z', NOW, { window: wide, channel: 'sms' }).at).toBe('2025-06-11T12:00:00.000Z');
  });

  it('reports an SMS window that does not overlap 08:00–21:00', () => {
    const late: SendWindow = { days: ['mon'], start: '21:00', end: '23:00' };
    expect(effectiveWindow(late, 'sms')).toBeUndefined();
    expect(effectiveWindow(late, 'email')).toEqual(late);
    expect(effectiveWindow(wide, 'sms')).toEqual({ days: wide.days, start: '08:00', end: '21:00' });
    expect(() => next('2025-06-10T14:00:00Z', NOW, { window: late, channel: 'sms' })).toThrow(ScheduleError);
  });
});

describe('isWithinWindow / nextWindowOpening (late deliveries)', () => {
  it('says 16:59 is inside and 17:00 is outside', () => {
    expect(isWithinWindow(new Date('2025-06-13T20:59:00Z'), WEEKDAYS_9_TO_5, 'email', 'America/New_York')).toBe(true);
    expect(isWithinWindow(new Date('2025-06-13T21:00:00Z'), WEEKDAYS_9_TO_5, 'email', 'America/New_York')).toBe(false);
  });

  it('gives the next opening for a closed window and the same instant for an open one', () => {
    const open = new Date('2025-06-13T20:59:00Z');
    expect(nextWindowOpening(open, WEEKDAYS_9_TO_5, 'email', 'America/New_York')).toEqual(open);
    expect(nextWindowOpening(new Date('2025-06-13T21:00:00Z'), WEEKDAYS_9_TO_5, 'email', 'America/New_York').toISOString()).toBe(
      '2025-06-16T13:00:00.000Z',
    );
  });

  it('uses the fallback zone for an unknown zone', () => {
    // 13:30Z is 09:30 in New York (the fallback: inside) and 02:30 in Pago Pago (outside).
    const at = new Date('2025-06-13T13:30:00Z');
    expect(isWithinWindow(at, WEEKDAYS_9_TO_5, 'email', 'Nowhere/Special', 'America/New_York')).toBe(true);
    expect(isWithinWindow(at, WEEKDAYS_9_TO_5, 'email', 'Pacific/Pago_Pago', 'America/New_York')).toBe(false);
  });

  it('applies SMS quiet hours', () => {
    const window: SendWindow = { days: EVERY_DAY.days, start: '07:00', end: '22:00' };
    // 07:30 EDT
    expect(isWithinWindow(new Date('2025-06-13T11:30:00Z'), window, 'sms', 'America/New_York')).toBe(false);
    expect(isWithinWindow(new Date('2025-06-13T11:30:00Z'), window, 'email', 'America/New_York')).toBe(true);
  });
});
