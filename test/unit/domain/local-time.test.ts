import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localTimeOf } from '../../../functions/domain/local-time.js';

describe('localTimeOf', () => {
  it('gives the wall-clock time with the zone offset, across DST and odd offsets, as luxon does', () => {
    const cases: [string, string][] = [
      ['2026-11-23T14:00:00.000Z', 'America/New_York'],
      ['2026-07-01T14:00:00.000Z', 'America/New_York'],
      ['2026-03-08T06:59:59.000Z', 'America/New_York'],
      ['2026-03-08T07:00:00.000Z', 'America/New_York'],
      ['2026-11-23T14:00:00.000Z', 'Asia/Kolkata'],
      ['2026-11-23T14:00:00.000Z', 'Asia/Kathmandu'],
      ['2026-11-23T14:00:00.000Z', 'Pacific/Chatham'],
      ['2026-11-23T23:30:00.000Z', 'Pacific/Kiritimati'],
      ['2026-11-23T14:00:00.000Z', 'Europe/London'],
      ['1969-12-31T23:59:59.000Z', 'Europe/Berlin'],
      ['2026-11-23T14:00:00.311Z', 'America/Chicago'],
    ];
    for (const [instant, zone] of cases) {
      const expected = DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toISO({ suppressMilliseconds: true });
      const local = localTimeOf(instant, zone, 'UTC');
      expect(local?.timezone).toBeTruthy();
      expect(local?.local.replace(/Z$/, '+00:00'), `${instant} ${zone}`).toBe(expected?.replace(/Z$/, '+00:00'));
      expect(Date.parse(local?.local as string)).toBe(Date.parse(instant));
    }
  });

  it('falls back to the default zone for an unknown one, and answers nothing for a bad instant', () => {
    expect(localTimeOf('2026-11-23T14:00:00Z', 'Mars/Olympus', 'Europe/Berlin')).toEqual({ local: '2026-11-23T15:00:00+01:00', timezone: 'Europe/Berlin' });
    expect(localTimeOf('2026-11-23T14:00:00Z', undefined, 'UTC')).toEqual({ local: '2026-11-23T14:00:00Z', timezone: 'UTC' });
    expect(localTimeOf('yesterday', 'UTC', 'UTC')).toBeUndefined();
  });
});
