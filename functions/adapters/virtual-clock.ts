/**
 * The embedded runtime's clock: real time by default, N times faster with `--speed N`,
 * and able to jump forward (`POST /dev/clock`, durations read in local/clock-advance.ts) so
 * a two-week sequence runs in seconds. Time never goes backwards.
 */
import type { Clock } from '../ports.js';

export interface VirtualClockState {
  /** Virtual time at the anchor (ms since epoch). */
  virtualAnchorMs: number;
  /** Real time at the anchor (ms since epoch). */
  realAnchorMs: number;
  speed: number;
}

export class VirtualClock implements Clock {
  private state: VirtualClockState;

  constructor(
    options: { speed?: number; start?: Date; state?: VirtualClockState } = {},
    private readonly realNow: () => number = Date.now,
  ) {
    const real = this.realNow();
    this.state = options.state ?? {
      virtualAnchorMs: options.start?.getTime() ?? real,
      realAnchorMs: real,
      speed: options.speed ?? 1,
    };
    if (options.speed !== undefined) this.setSpeed(options.speed);
  }

  now(): Date {
    const elapsed = this.realNow() - this.state.realAnchorMs;
    return new Date(this.state.virtualAnchorMs + elapsed * this.state.speed);
  }

  /** Moves to `at` if that is later than now; never backwards. An invalid date is refused, so the clock can never become NaN. */
  moveTo(at: Date): void {
    if (!Number.isFinite(at.getTime())) throw new RangeError('the clock cannot move to an invalid date');
    const now = this.now().getTime();
    this.reanchor(Math.max(now, at.getTime()));
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock can only move forward');
    this.reanchor(this.now().getTime() + ms);
    return this.now();
  }

  setSpeed(speed: number): void {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError('speed must be a positive number');
    this.reanchor(this.now().getTime());
    this.state.speed = speed;
  }

  snapshot(): VirtualClockState {
    return { ...this.state, virtualAnchorMs: this.now().getTime(), realAnchorMs: this.realNow() };
  }

  private reanchor(virtualMs: number): void {
    this.state = { ...this.state, virtualAnchorMs: virtualMs, realAnchorMs: this.realNow() };
  }
}
