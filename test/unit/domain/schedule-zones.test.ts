/**
 * Several candidate zones (a phone number whose prefix spans zones) and the bounded
 * zone-name cache.
 */
import { describe, expect, it } from 'vitest';
import {
  computeNextTouchAt,
  isWithinWindow,
  knownZone,
  nextWindowOpening,
  ZONE_CACHE_LIMIT,
  zoneCacheSize,
} from '../../../functions/domain/schedule.js';
import type { SendWindow, Wait } from '../../../functions/domain/sequence.js';

const EVERY_DAY_9_TO_17: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '17:00' };
const ALL_DAY: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
const NOW: Wait = { amount: 0, unit: 'minutes' };

function plan(from: string, zones: string[], window: SendWindow, channel: 'email' | 'sms' = 'email') {
  return computeNextTouchAt({ from: new Date(from), wait: NOW, window, channel, timezone: zones, defaultTimezone: 'Europe/London' });
}

describe('several candidate zones: only hours allowed in every one', () => {
  it('an SMS to a number in New York or Los Angeles waits for 08:00 in Los Angeles', () => {
    // Tue 2026-11-24 12:00 UTC = 07:00 New York, 04:00 Los Angeles.
    const at = plan('2026-11-24T12:00:00Z', ['America/New_York', 'America/Los_Angeles'], ALL_DAY, 'sms').at;
    expect(at.toISOString()).toBe('2026-11-24T16:00:00.000Z'); // 08:00 PST = 11:00 EST
  });

  it('ends the SMS day at 21:00 in the easternmost zone', () => {
    // 02:30 UTC = 21:30 New York (closed there), 18:30 Los Angeles (open there).
    const zones = ['America/New_York', 'America/Los_Angeles'];
    expect(isWithinWindow(new Date('2026-11-25T02:30:00Z'), ALL_DAY, 'sms', zones, 'UTC')).toBe(false);
    expect(isWithinWindow(new Date('2026-11-25T01:30:00Z'), ALL_DAY, 'sms', zones, 'UTC')).toBe(true);
    expect(nextWindowOpening(new Date('2026-11-25T02:30:00Z'), ALL_DAY, 'sms', zones, 'UTC').toISOString()).toBe(
      '2026-11-25T16:00:00.000Z',
    );
  });

  it('intersects the step window too: 09–17 in London and Berlin is 09–16 London time', () => {
    const zones = ['Europe/London', 'Europe/Berlin'];
    expect(plan('2026-11-24T08:30:00Z', zones, EVERY_DAY_9_TO_17).at.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    // 16:30 London = 17:30 Berlin: closed in Berlin, so the next common opening is tomorrow 09:00 London.
    expect(plan('2026-11-24T16:30:00Z', zones, EVERY_DAY_9_TO_17).at.toISOString()).toBe('2026-11-25T09:00:00.000Z');
  });

  it('follows daylight saving time in each zone (US and EU change on different dates)', () => {
    // Sun 2026-03-08 the US springs forward; Europe changes on 2026-03-29.
    // Mon 2026-03-09: New York is UTC-4, London UTC+0: 09:00 NY = 13:00 UTC, 17:00 London = 17:00 UTC.
    const zones = ['America/New_York', 'Europe/London'];
    expect(plan('2026-03-09T06:00:00Z', zones, EVERY_DAY_9_TO_17).at.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    // A week earlier New York was UTC-5: 09:00 NY = 14:00 UTC.
    expect(plan('2026-03-02T06:00:00Z', zones, EVERY_DAY_9_TO_17).at.toISOString()).toBe('2026-03-02T14:00:00.000Z');
  });

  it('when the zones share no hour, uses the default zone if it is a candidate, else the first candidate', () => {
    // 09–17 in Tokyo (00–08 UTC) and in New York (14–22 UTC) never overlap.
    const far = ['Asia/Tokyo', 'America/New_York'];
    const fromTokyo = plan('2026-11-24T12:00:00Z', far, EVERY_DAY_9_TO_17);
    expect(fromTokyo.timezone).toBe('Asia/Tokyo');
    expect(fromTokyo.at.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    const withDefault = computeNextTouchAt({
      from: new Date('2026-11-24T12:00:00Z'),
      wait: NOW,
      window: EVERY_DAY_9_TO_17,
      channel: 'email',
      timezone: far,
      defaultTimezone: 'America/New_York',
    });
    expect(withDefault).toEqual({ at: new Date('2026-11-24T14:00:00.000Z'), timezone: 'America/New_York' });
    expect(isWithinWindow(new Date('2026-11-24T14:30:00Z'), EVERY_DAY_9_TO_17, 'email', far, 'America/New_York')).toBe(true);
  });

  it('ignores unknown candidates and falls back to the default zone when none is known', () => {
    expect(plan('2026-11-24T08:30:00Z', ['Mars/Olympus', 'Europe/Berlin'], EVERY_DAY_9_TO_17).at.toISOString()).toBe(
      '2026-11-24T08:30:00.000Z',
    );
    expect(plan('2026-11-24T08:30:00Z', ['Mars/Olympus'], EVERY_DAY_9_TO_17).timezone).toBe('Europe/London');
  });
});

describe('the zone-name cache', () => {
  it('stays bounded when fed 10,000 unique invalid zones, and still answers valid ones', () => {
    for (let i = 0; i < 10_000; i++) expect(knownZone(`Not/A_Zone_${i}`)).toBeUndefined();
    for (let i = 0; i < 10_000; i++) expect(knownZone(`zone with spaces and junk ${'x'.repeat(i % 50)} ${i}`)).toBeUndefined();
    expect(zoneCacheSize()).toBeLessThanOrEqual(ZONE_CACHE_LIMIT);
    expect(ZONE_CACHE_LIMIT).toBeLessThanOrEqual(1000);
    expect(knownZone('america/new_york')).toBe('America/New_York');
  });
});
