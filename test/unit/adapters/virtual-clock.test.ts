import { describe, expect, it } from 'vitest';
import { parseDuration, VirtualClock } from '../../../functions/adapters/virtual-clock.js';

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

  it('jumps forward, never backwards', () => {
    const clock = new VirtualClock({ start: new Date('2026-11-23T13:00:00Z') }, () => 0);
    clock.advance(parseDuration('2d'));
    expect(clock.now().toISOString()).toBe('2026-11-25T13:00:00.000Z');
    clock.moveTo(new Date('2026-11-20T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect(() => clock.advance(-1)).toThrow(/forward/);
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours, days, weeks and sums of them', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
    expect(parseDuration('1d 12h')).toBe(36 * 3_600_000);
  });

  it('names the problem for anything else', () => {
    expect(() => parseDuration('two days')).toThrow('"two days" is not a duration; use e.g. "90m", "12h", "2d" or "1w"');
    expect(() => parseDuration('2x')).toThrow(/not a duration/);
    expect(() => parseDuration('')).toThrow(/not a duration/);
  });
});
