/**
 * `TouchScheduler` fake: pending one-time schedules by name, idempotent `schedule`
 * (like CreateSchedule answering ConflictException), `cancel` that tolerates a missing
 * schedule, a log of every call, and helpers that deliver due touches to `runTouch`
 * in due order, moving the FakeClock to each due time (like the embedded runtime's
 * LocalTouchScheduler: a schedule is gone once fired; a failed delivery is retried
 * later under the same name, like an SQS redelivery).
 */
import type { ScheduledTouch, TouchMessage, TouchScheduler } from '../../functions/ports.js';
import type { SendingContext } from '../../functions/use-cases/context.js';
import { runTouch, type TouchOutcome } from '../../functions/use-cases/run-touch.js';
import type { FakeClock } from './clock.js';
import { pause, type Latency } from './delay.js';

export type SchedulerCall =
  | { op: 'schedule'; touch: ScheduledTouch; created: boolean }
  | { op: 'cancel'; scheduleName: string; existed: boolean };

export interface FiredTouch {
  touch: ScheduledTouch;
  /** Clock time of the delivery (ISO). */
  at: string;
  attempt: number;
  outcome?: TouchOutcome;
  error?: unknown;
}

interface Pending {
  touch: ScheduledTouch;
  fireAtMs: number;
  attempts: number;
}

export interface FireOptions {
  /** Deliver everything due at or before this time (default: the clock's now). */
  until?: Date;
  /** Virtual delay before a failed delivery is retried (default 60 s). */
  retryDelayMs?: number;
  /** Attempts before a touch goes to `deadLetters` (default 10). */
  maxAttempts?: number;
}

/** The queue message a fired schedule delivers: the scheduled touch without its name. */
export function messageOf(touch: ScheduledTouch): TouchMessage {
  const { scheduleName: _name, ...message } = touch;
  return structuredClone(message);
}

export class RecordingScheduler implements TouchScheduler {
  private readonly pending = new Map<string, Pending>();
  readonly calls: SchedulerCall[] = [];
  readonly fired: FiredTouch[] = [];
  readonly deadLetters: ScheduledTouch[] = [];
  latency: Latency | undefined;

  constructor(
    private readonly clock: FakeClock,
    options: { latency?: Latency } = {},
  ) {
    this.latency = options.latency;
  }

  async schedule(touch: ScheduledTouch): Promise<void> {
    await pause(this.latency);
    const created = !this.pending.has(touch.scheduleName);
    if (created) {
      this.pending.set(touch.scheduleName, { touch: structuredClone(touch), fireAtMs: Date.parse(touch.dueAt), attempts: 0 });
    }
    this.calls.push({ op: 'schedule', touch: structuredClone(touch), created });
  }

  async cancel(scheduleName: string): Promise<void> {
    await pause(this.latency);
    const existed = this.pending.delete(scheduleName);
    this.calls.push({ op: 'cancel', scheduleName, existed });
  }

  /** Pending schedules, earliest first. */
  pendingTouches(): ScheduledTouch[] {
    return [...this.pending.values()]
      .sort((a, b) => a.fireAtMs - b.fireAtMs || a.touch.scheduleName.localeCompare(b.touch.scheduleName))
      .map((p) => structuredClone(p.touch));
  }

  pendingFor(enrollmentId: string): ScheduledTouch[] {
    return this.pendingTouches().filter((t) => t.enrollmentId === enrollmentId);
  }

  get(scheduleName: string): ScheduledTouch | undefined {
    const found = this.pending.get(scheduleName);
    return found ? structuredClone(found.touch) : undefined;
  }

  /**
   * The schedule fires now (out of band): it is removed, like `ActionAfterCompletion: DELETE`,
   * and its queue message returned, for the test to deliver (once, twice, concurrently…).
   */
  take(scheduleName: string): TouchMessage {
    const found = this.pending.get(scheduleName);
    if (!found) throw new Error(`no pending schedule ${scheduleName}`);
    this.pending.delete(scheduleName);
    return messageOf(found.touch);
  }

  /** Touches whose schedule would have fired by `at` (default now), earliest first. */
  due(at: Date = this.clock.now()): ScheduledTouch[] {
    return [...this.pending.values()]
      .filter((p) => p.fireAtMs <= at.getTime())
      .sort((a, b) => a.fireAtMs - b.fireAtMs)
      .map((p) => structuredClone(p.touch));
  }

  /** Every `schedule` call that created a schedule (the idempotent repeats excluded). */
  created(): ScheduledTouch[] {
    return this.calls.flatMap((c) => (c.op === 'schedule' && c.created ? [c.touch] : []));
  }

  /**
   * Delivers every touch due by `until`, one at a time in due order, moving the clock to
   * each due time first. Touches scheduled by those deliveries run too when due by `until`.
   */
  async fireDue(ctx: SendingContext, options: FireOptions = {}): Promise<FiredTouch[]> {
    const untilMs = (options.until ?? this.clock.now()).getTime();
    const retryDelayMs = options.retryDelayMs ?? 60_000;
    const maxAttempts = options.maxAttempts ?? 10;
    const fired: FiredTouch[] = [];
    for (;;) {
      const next = [...this.pending.values()]
        .filter((p) => p.fireAtMs <= untilMs)
        .sort((a, b) => a.fireAtMs - b.fireAtMs)[0];
      if (!next) break;
      this.clock.moveTo(new Date(next.fireAtMs));
      this.pending.delete(next.touch.scheduleName);
      next.attempts += 1;
      const record: FiredTouch = { touch: next.touch, at: this.clock.now().toISOString(), attempt: next.attempts };
      try {
        record.outcome = await runTouch(ctx, messageOf(next.touch));
      } catch (error) {
        record.error = error;
        if (next.attempts >= maxAttempts) this.deadLetters.push(next.touch);
        else if (!this.pending.has(next.touch.scheduleName)) {
          this.pending.set(next.touch.scheduleName, { ...next, fireAtMs: this.clock.now().getTime() + retryDelayMs });
        }
      }
      fired.push(record);
      this.fired.push(record);
    }
    return fired;
  }

  /** Moves the clock forward by `ms` and delivers what fell due meanwhile, in order. */
  async advanceAndFire(ctx: SendingContext, ms: number, options: Omit<FireOptions, 'until'> = {}): Promise<FiredTouch[]> {
    const until = new Date(this.clock.now().getTime() + ms);
    const fired = await this.fireDue(ctx, { ...options, until });
    this.clock.moveTo(until);
    return fired;
  }

  /** Runs every pending touch, however far in the future (a whole sequence to its end). */
  async fireAll(ctx: SendingContext, options: Omit<FireOptions, 'until'> = {}): Promise<FiredTouch[]> {
    return this.fireDue(ctx, { ...options, until: new Date(8.64e15) });
  }
}
