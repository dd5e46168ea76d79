/**
 * A settable, advanceable `Clock` for use-case tests. Time never moves on its own.
 */
import type { Clock } from '../../functions/ports.js';

export type Duration = number | { days?: number; hours?: number; minutes?: number; seconds?: number };

export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  return (
    (duration.days ?? 0) * 86_400_000 +
    (duration.hours ?? 0) * 3_600_000 +
    (duration.minutes ?? 0) * 60_000 +
    (duration.seconds ?? 0) * 1_000
  );
}

export class FakeClock implements Clock {
  private ms: number;

  constructor(start: Date | string = '2025-06-02T14:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (Number.isNaN(this.ms)) throw new RangeError(`FakeClock: invalid start ${String(start)}`);
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Jumps to `at` (backwards too: tests decide). */
  set(at: Date | string): Date {
    const ms = new Date(at).getTime();
    if (Number.isNaN(ms)) throw new RangeError(`FakeClock: invalid time ${String(at)}`);
    this.ms = ms;
    return this.now();
  }

  /** Moves to `at` only if it is later than now (like the local scheduler's virtual clock). */
  moveTo(at: Date | string): Date {
    this.ms = Math.max(this.ms, new Date(at).getTime());
    return this.now();
  }

  advance(duration: Duration): Date {
    const ms = durationMs(duration);
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('FakeClock: can only advance forward');
    this.ms += ms;
    return this.now();
  }
}
