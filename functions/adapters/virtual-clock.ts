/**
 * The embedded runtime's clock: real time by default, N times faster with `--speed N`,
 * and able to jump forward (`POST /dev/clock`) so a two-week sequence runs in seconds.
 * Time never goes backwards.
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

  /** Moves to `at` if that is later than now; never backwards. */
  moveTo(at: Date): void {
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

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class DurationFormatError extends Error {
  override name = 'DurationFormatError';
}

/** "90m", "12h", "2d", "1w", "30s", or a sum like "1d12h". */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([smhdw])/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw new DurationFormatError(`"${text}" is not a duration; use e.g. "90m", "12h", "2d" or "1w"`);
  }
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (UNIT_MS[unit as string] ?? 0), 0);
}
