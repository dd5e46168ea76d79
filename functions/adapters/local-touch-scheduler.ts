/**
 * The embedded runtime's TouchScheduler: same port as EventBridge Scheduler, schedules
 * kept in memory (and in a JSON file with `--data-dir`), delivered to the same touch
 * worker handler the Lambda uses. Like `ActionAfterCompletion: DELETE`, a schedule is
 * gone once it fired; a failed delivery is retried later, like an SQS redelivery.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import type { Clock, Logger, ScheduledTouch, TouchMessage, TouchScheduler } from '../ports.js';

export type DeliveryOutcome = 'done' | 'retry';
export type Deliver = (message: TouchMessage) => Promise<DeliveryOutcome>;

export interface LocalTouchSchedulerOptions {
  clock: Clock & { moveTo(at: Date): void };
  logger: Logger;
  /** Where pending schedules survive a restart (`--data-dir`); in memory only when absent. */
  stateFile?: string;
  /** Delay before a failed delivery is tried again (virtual time), like a visibility timeout. */
  retryDelayMs?: number;
  maxAttempts?: number;
}

interface Pending {
  touch: ScheduledTouch;
  /** When to deliver: the due time, or later for a retry. */
  fireAtMs: number;
  attempts: number;
}

export class LocalTouchScheduler implements TouchScheduler {
  private readonly pending = new Map<string, Pending>();
  private deliver: Deliver | undefined;
  private running: Promise<void> | undefined;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  /** Touches that exhausted their attempts: the local stand-in for the DLQ. */
  readonly deadLetters: { touch: ScheduledTouch; attempts: number }[] = [];

  constructor(private readonly options: LocalTouchSchedulerOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  /** Set once the worker exists (the worker needs the scheduler too). */
  connect(deliver: Deliver): void {
    this.deliver = deliver;
  }

  async schedule(touch: ScheduledTouch): Promise<void> {
    if (this.pending.has(touch.scheduleName)) return;
    this.pending.set(touch.scheduleName, { touch, fireAtMs: Date.parse(touch.dueAt), attempts: 0 });
    await this.persist();
  }

  async cancel(scheduleName: string): Promise<void> {
    if (this.pending.delete(scheduleName)) await this.persist();
  }

  pendingTouches(): ScheduledTouch[] {
    return [...this.pending.values()].sort((a, b) => a.fireAtMs - b.fireAtMs).map((p) => p.touch);
  }

  /**
   * Delivers every schedule due at or before `until`, one at a time in due order, moving
   * the clock to each due time first, so touches see the time they were meant for. Touches
   * scheduled by those deliveries run too if they fall due before `until`.
   */
  runUntil(until: Date): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const run = previous.then(() => this.drain(until.getTime()));
    this.running = run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
    return run;
  }

  private async drain(untilMs: number): Promise<void> {
    if (!this.deliver) throw new Error('local scheduler is not connected to a touch worker');
    for (;;) {
      const next = this.nextDue(untilMs);
      if (!next) return;
      this.options.clock.moveTo(new Date(next.fireAtMs));
      this.pending.delete(next.touch.scheduleName);
      next.attempts += 1;
      let outcome: DeliveryOutcome;
      try {
        const { scheduleName: _name, ...message } = next.touch;
        outcome = await this.deliver(message);
      } catch (error) {
        this.options.logger.error('touch delivery crashed', { scheduleName: next.touch.scheduleName, error: String(error) });
        outcome = 'retry';
      }
      if (outcome === 'retry') this.retryLater(next);
      await this.persist();
    }
  }

  private nextDue(untilMs: number): Pending | undefined {
    let best: Pending | undefined;
    for (const item of this.pending.values()) {
      if (item.fireAtMs > untilMs) continue;
      if (!best || item.fireAtMs < best.fireAtMs) best = item;
    }
    return best;
  }

  private retryLater(item: Pending): void {
    if (item.attempts >= this.maxAttempts) {
      this.deadLetters.push({ touch: item.touch, attempts: item.attempts });
      this.options.logger.error('touch moved to the dead-letter list', { scheduleName: item.touch.scheduleName });
      return;
    }
    const fireAtMs = this.options.clock.now().getTime() + this.retryDelayMs;
    // A retry keeps its own name so a re-created schedule of the same touch stays a no-op.
    this.pending.set(item.touch.scheduleName, { ...item, fireAtMs });
  }

  async load(): Promise<void> {
    if (!this.options.stateFile) return;
    let text: string;
    try {
      text = await readFile(this.options.stateFile, 'utf8');
    } catch {
      return;
    }
    const items = JSON.parse(text) as Pending[];
    for (const item of items) this.pending.set(item.touch.scheduleName, item);
  }

  private async persist(): Promise<void> {
    if (!this.options.stateFile) return;
    const temp = `${this.options.stateFile}.tmp`;
    await writeFile(temp, JSON.stringify([...this.pending.values()]));
    await rename(temp, this.options.stateFile);
  }
}
