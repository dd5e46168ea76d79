import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../functions/adapters/virtual-clock.js';
import { clockAdvanceTarget } from '../../../functions/local/clock-advance.js';

describe('VirtualClock', () => {
  it('runs at real speed by default and N times faster with a speed', () => {
    let real = 1_000_000;
    const start = new Date('2026-11-23T13:00:00Z');
    const normal = new VirtualClock({ start }, () => real);
    const fast = new VirtualClock({ start, speed: 60 }, () => real);
    real += 1_000;
    expect(normal.now().toISOString()).toBe('2026-11-23T13:00:01.000Z');
    expect(fast.now().toISOString()).toBe('2026-11-23T13:01:00.000Z');
  });

  it('jumps forward, never backwards, and never to an invalid date', () => {
    const clock = new VirtualClock({ start: new Date('2026-11-23T13:00:00Z') }, () => 0);
    clock.advance(2 * 86_400_000);
    expect(clock.now().toISOString()).toBe('2026-11-25T13:00:00.000Z');
    clock.moveTo(new Date('2026-11-20T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect(() => clock.advance(-1)).toThrow(/forward/);
    expect(() => clock.moveTo(new Date(Number.NaN))).toThrow(/invalid date/);
    expect(clock.now().toISOString()).toBe('2026-11-25T13:00:00.000Z');
  });
});

describe('clockAdvanceTarget (POST /dev/clock)', () => {
  const monday = new Date('2026-11-23T13:00:00Z');
  const target = (advance: unknown, now = monday) => {
    const result = clockAdvanceTarget(advance, now);
    return 'at' in result ? result.at.toISOString() : result.error;
  };

  it('reads every duration a step wait accepts', () => {
    expect(target('90m')).toBe('2026-11-23T14:30:00.000Z');
    expect(target('12h')).toBe('2026-11-24T01:00:00.000Z');
    expect(target('3 days')).toBe('2026-11-26T13:00:00.000Z');
    expect(target('1 week')).toBe('2026-11-30T13:00:00.000Z');
    expect(target('1w')).toBe('2026-11-30T13:00:00.000Z');
    expect(target('0')).toBe('2026-11-23T13:00:00.000Z');
  });

  it('business days skip the weekend (in UTC)', () => {
    const friday = new Date('2026-11-27T13:00:00Z');
    expect(target('2 business days', friday)).toBe('2026-12-01T13:00:00.000Z');
    expect(target('1bd', new Date('2026-11-28T09:00:00Z'))).toBe('2026-11-30T09:00:00.000Z');
  });

  it('refuses more than 400 days without computing them', () => {
    expect(target('400 days')).toBe('2027-12-28T13:00:00.000Z');
    for (const advance of ['401 days', '100000000d', '58 weeks', '9601 hours', '300 business days', '99999999999999999999 minutes']) {
      expect(target(advance), advance).toMatch(/more than 400 days/);
    }
  });

  it('names what is wrong with anything else', () => {
    expect(target('two days')).toMatch(/"two days" is not a valid duration/);
    expect(target('1.5 hours')).toMatch(/whole number/);
    expect(target('2 fortnights')).toMatch(/unknown unit "fortnights"/);
    expect(target(5)).toMatch(/add a unit/);
  });
});
