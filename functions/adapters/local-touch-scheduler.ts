/**
 * The embedded runtime's TouchScheduler: same port as EventBridge Scheduler, delivering to
 * the same touch worker handler the Lambda uses. Like `ActionAfterCompletion: DELETE`, a
 * schedule is gone once it fired; a failed delivery is retried later, like an SQS
 * redelivery, and after `maxAttempts` it lands in `deadLetters` (the local DLQ).
 *
 * Due touches wait in a binary heap keyed by fire time, so each delivery costs O(log n).
 * Cancels and retries do not search the heap: the entry is dropped from the map, or a
 * retry replaces it there with a new entry pushed at its new time, and the old one is
 * skipped when it surfaces (lazy deletion). The heap holds the entries themselves.
 *
 * With `--data-dir` (`stateFile`) every change is one JSON line appended to a log through
 * one write queue (append-only-log.ts): schedule, cancel, start (a delivery begins),
 * retry, done (the worker returned), dead. On start the log is replayed and compacted to
 * the live set. A delivery is logged `done` only after the worker returned, so after a
 * `kill -9` a touch that was in flight is delivered again, flagged `recovered`; the
 * engine's claim and step checks make that redelivery either the one send or a no-op.
 * Every line carries the virtual time, and `load` moves the clock to the last one, so
 * time does not go backwards across a crash either.
 *
 * With a log, a pending touch's message is not kept in memory once its line is written:
 * memory holds its due time and where its `schedule` line is, and the message is read
 * back when it fires (one small read). An import of 300,000 rows leaves 300,000 pending
 * first touches; as objects they took ~1.5 KB each, so memory grew with every imported row.
 *
 * Deliveries come in batches, like SQS batches to the Lambda worker: `connect`'s
 * `afterBatch` runs after every `batchSize` deliveries and when a run ends (the touch
 * worker writes its batched counters there: use-cases/counter-batch.ts), so a run that
 * answered has written everything its touches did.
 */
import { readFile, rm } from 'node:fs/promises';
import type { Clock, Logger, ScheduledTouch, TouchMessage, TouchScheduler } from '../ports.js';
import { AppendOnlyLog, type LinePosition } from './append-only-log.js';
import { MinHeap } from './min-heap.js';

export type DeliveryOutcome = 'done' | 'retry';
export interface Delivery {
  /** 1 for the first delivery of a touch. */
  attempt: number;
  /** The previous delivery of this touch was in flight when the process died. */
  recovered: boolean;
}
export type Deliver = (message: TouchMessage, delivery: Delivery) => Promise<DeliveryOutcome>;

export interface BatchHooks {
  /** Runs after every `batchSize` deliveries and at the end of each run that delivered something. */
  afterBatch(): Promise<void>;
  /** @default 10, the touch queues' SQS batch size */
  batchSize?: number;
}

export interface LocalTouchSchedulerOptions {
  clock: Clock & { moveTo(at: Date): void };
  logger: Logger;
  /** The log where pending schedules survive a restart (`--data-dir`); in memory only when absent. */
  stateFile?: string;
  /** A `schedules.json` written by an older version: imported once by `load`, then deleted. */
  legacyStateFile?: string;
  /** Delay before a failed delivery is tried again (virtual time), like a visibility timeout. */
  retryDelayMs?: number;
  maxAttempts?: number;
}

interface Entry {
  id: number;
  /** The message, until its `schedule` line is in the log (always, without a log). */
  touch: ScheduledTouch | undefined;
  /** Where its `schedule` line is in the log once written (-1 before): the message is read from there. */
  lineOffset: number;
  lineLength: number;
  /** When to deliver: the due time, or later for a retry. */
  fireAtMs: number;
  attempts: number;
  recovered: boolean;
  /** Ties of `fireAtMs` go in scheduling order. */
  order: number;
}

type LogRecord =
  | { op: 'schedule'; id: number; at: number; touch: ScheduledTouch; fireAtMs: number; attempts?: number; recovered?: boolean }
  | { op: 'cancel'; id: number; at: number }
  | { op: 'start'; id: number; at: number }
  | { op: 'retry'; id: number; at: number; fireAtMs: number }
  | { op: 'done'; id: number; at: number }
  | { op: 'dead'; id: number; at: number; touch: ScheduledTouch; attempts: number };

export class LocalTouchScheduler implements TouchScheduler {
  /** Pending and in-flight touches by id. */
  private readonly entries = new Map<number, Entry>();
  /** Pending (not in flight) touches by schedule name: a second schedule of a name is a no-op. */
  private readonly pendingByName = new Map<string, number>();
  private readonly heap = new MinHeap<Entry>((a, b) => a.fireAtMs < b.fireAtMs || (a.fireAtMs === b.fireAtMs && a.order < b.order));
  private readonly log: AppendOnlyLog<LogRecord> | undefined;
  private nextId = 1;
  private nextOrder = 1;
  private deliver: Deliver | undefined;
  private batch: BatchHooks | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  /** Touches that exhausted their attempts: the local stand-in for the DLQ. */
  readonly deadLetters: { touch: ScheduledTouch; attempts: number }[] = [];

  constructor(private readonly options: LocalTouchSchedulerOptions) {
    this.retryDelayMs = options.retryDelayMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.log = options.stateFile ? new AppendOnlyLog<LogRecord>(options.stateFile) : undefined;
  }

  /** Set once the worker exists (the worker needs the scheduler too). */
  connect(deliver: Deliver, batch?: BatchHooks): void {
    this.deliver = deliver;
    this.batch = batch;
  }

  async schedule(touch: ScheduledTouch): Promise<void> {
    if (this.pendingByName.has(touch.scheduleName)) return;
    const entry = this.add({ id: this.nextId++, touch, fireAtMs: Date.parse(touch.dueAt), attempts: 0, recovered: false });
    const line = await this.write({ op: 'schedule', id: entry.id, at: this.nowMs(), touch, fireAtMs: entry.fireAtMs });
    this.keepOnlyLine(entry, line);
  }

  async cancel(scheduleName: string): Promise<void> {
    const id = this.pendingByName.get(scheduleName);
    if (id === undefined) return;
    this.pendingByName.delete(scheduleName);
    this.entries.delete(id);
    await this.write({ op: 'cancel', id, at: this.nowMs() });
  }

  pendingTouches(): ScheduledTouch[] {
    return [...this.pendingByName.values()]
      .map((id) => this.entries.get(id))
      .filter((entry): entry is Entry => entry !== undefined)
      .sort((a, b) => a.fireAtMs - b.fireAtMs || a.order - b.order)
      .map((entry) => this.touchOf(entry));
  }

  /**
   * Delivers every schedule due at or before `until`, one at a time in due order, moving
   * the clock to each due time first, so touches see the time they were meant for. Touches
   * scheduled by those deliveries run too if they fall due before `until`. Runs are
   * serialised; a failed run rejects for its caller only.
   */
  runUntil(until: Date): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(() => this.drain(until.getTime()));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running = settled;
    void settled.then(() => {
      if (this.running === settled) this.running = undefined;
    });
    return run;
  }

  /** Replays and compacts the log (`--data-dir`), and moves the clock to its last moment. */
  async load(): Promise<void> {
    if (!this.log) return;
    const { records, unreadable } = await this.log.read();
    for (const problem of unreadable) {
      this.options.logger.warn(problem.torn ? 'schedule log: torn last line ignored' : 'schedule log: unreadable line ignored', { line: problem.line });
    }
    let lastMs = Number.NEGATIVE_INFINITY;
    for (const record of records) {
      lastMs = Math.max(lastMs, record.at);
      this.replay(record);
    }
    const legacyImported = await this.importLegacyState();
    const { records: live, entries } = this.liveRecords();
    const lines = await this.log.rewrite(live);
    // The compacted log is where the messages are read from now.
    for (const [index, entry] of entries) this.keepOnlyLine(entry, lines[index]);
    // Only once its schedules are in the log.
    if (legacyImported && this.options.legacyStateFile) await rm(this.options.legacyStateFile, { force: true });
    if (Number.isFinite(lastMs)) this.options.clock.moveTo(new Date(lastMs));
  }

  /** Stops delivering after the delivery in flight, then closes the log. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.log?.close();
  }

  private async drain(untilMs: number): Promise<void> {
    if (!this.deliver) throw new Error('local scheduler is not connected to a touch worker');
    let delivered = 0;
    try {
      await this.deliverDue(this.deliver, untilMs, async () => {
        if (++delivered >= (this.batch?.batchSize ?? 10)) {
          delivered = 0;
          await this.endBatch();
        }
      });
    } finally {
      if (delivered > 0) await this.endBatch();
    }
  }

  private async endBatch(): Promise<void> {
    try {
      await this.batch?.afterBatch();
    } catch (error) {
      this.options.logger.error('end of a delivery batch failed', { error: String(error) });
    }
  }

  private async deliverDue(deliver: Deliver, untilMs: number, afterDelivery: () => Promise<void>): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      const next = this.popDue(untilMs);
      if (!next) return;
      this.options.clock.moveTo(new Date(next.fireAtMs));
      const touch = this.touchOf(next);
      if (this.pendingByName.get(touch.scheduleName) === next.id) this.pendingByName.delete(touch.scheduleName);
      next.attempts += 1;
      await this.write({ op: 'start', id: next.id, at: this.nowMs() });
      let outcome: DeliveryOutcome;
      try {
        const { scheduleName: _name, ...message } = touch;
        outcome = await deliver(message, { attempt: next.attempts, recovered: next.recovered });
      } catch (error) {
        this.options.logger.error('touch delivery crashed', { scheduleName: touch.scheduleName, error: String(error) });
        outcome = 'retry';
      }
      if (outcome === 'done') {
        this.entries.delete(next.id);
        await this.write({ op: 'done', id: next.id, at: this.nowMs() });
      } else {
        await this.retryLater(next, touch);
      }
      await afterDelivery();
    }
  }

  /** The earliest entry due by `untilMs`, skipping heap items of cancelled or moved entries. */
  private popDue(untilMs: number): Entry | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (!top) return undefined;
      const entry = this.entries.get(top.id);
      if (entry !== top) {
        this.heap.pop();
        continue;
      }
      if (top.fireAtMs > untilMs) return undefined;
      this.heap.pop();
      return entry;
    }
  }

  private async retryLater(entry: Entry, touch: ScheduledTouch): Promise<void> {
    if (entry.attempts >= this.maxAttempts) {
      this.entries.delete(entry.id);
      this.deadLetters.push({ touch, attempts: entry.attempts });
      this.options.logger.error('touch moved to the dead-letter list', { scheduleName: touch.scheduleName });
      await this.write({ op: 'dead', id: entry.id, at: this.nowMs(), touch, attempts: entry.attempts });
      return;
    }
    const moved = this.moveTo(entry, this.nowMs() + this.retryDelayMs, touch.scheduleName);
    await this.write({ op: 'retry', id: entry.id, at: this.nowMs(), fireAtMs: moved.fireAtMs });
  }

  private add(fields: Omit<Entry, 'order' | 'touch' | 'lineOffset' | 'lineLength'> & { touch: ScheduledTouch }): Entry {
    // Every field set here, in one order: entries share one shape (a few numbers each in memory).
    const entry: Entry = {
      id: fields.id,
      touch: fields.touch,
      lineOffset: -1,
      lineLength: 0,
      fireAtMs: fields.fireAtMs,
      attempts: fields.attempts,
      recovered: fields.recovered,
      order: 0,
    };
    this.requeue(entry, fields.touch.scheduleName);
    return entry;
  }

  /** A retry: the entry at a later time, as a new heap item (the old one is skipped when it surfaces). */
  private moveTo(entry: Entry, fireAtMs: number, scheduleName: string): Entry {
    const moved: Entry = {
      id: entry.id,
      touch: entry.touch,
      lineOffset: entry.lineOffset,
      lineLength: entry.lineLength,
      fireAtMs,
      attempts: entry.attempts,
      recovered: entry.recovered,
      order: 0,
    };
    this.requeue(moved, scheduleName);
    return moved;
  }

  /** Makes an entry the current one of its id and pushes it into the heap. */
  private requeue(entry: Entry, scheduleName: string): void {
    entry.order = this.nextOrder++;
    this.entries.set(entry.id, entry);
    this.heap.push(entry);
    // A retry keeps its name, so a re-created schedule of the same touch stays a no-op.
    if (!this.pendingByName.has(scheduleName)) this.pendingByName.set(scheduleName, entry.id);
  }

  /** The message of an entry: in memory, or read back from its line in the log. */
  private touchOf(entry: Entry): ScheduledTouch {
    if (entry.touch) return entry.touch;
    const record = entry.lineOffset >= 0 ? this.log?.readLine({ offset: entry.lineOffset, length: entry.lineLength }) : undefined;
    if (record?.op !== 'schedule' || record.id !== entry.id) throw new Error(`schedule log: the line of schedule ${entry.id} is not where it was written`);
    return record.touch;
  }

  /** Once its line is written, an entry's message lives only in the log. */
  private keepOnlyLine(entry: Entry, line: LinePosition | undefined): void {
    if (!line || !this.log) return;
    entry.lineOffset = line.offset;
    entry.lineLength = line.length;
    entry.touch = undefined;
  }

  private replay(record: LogRecord): void {
    this.nextId = Math.max(this.nextId, record.id + 1);
    const entry = this.entries.get(record.id);
    switch (record.op) {
      case 'schedule':
        this.add({
          id: record.id,
          touch: record.touch,
          fireAtMs: record.fireAtMs,
          attempts: record.attempts ?? 0,
          recovered: record.recovered ?? false,
        });
        return;
      case 'cancel':
      case 'done':
        this.forget(record.id);
        return;
      case 'start':
        // Until a later line says how it ended, this delivery was in flight.
        if (entry) {
          entry.attempts += 1;
          entry.recovered = true;
        }
        return;
      case 'retry':
        if (entry) this.moveTo(entry, record.fireAtMs, this.touchOf(entry).scheduleName).recovered = false;
        return;
      case 'dead':
        this.forget(record.id);
        this.deadLetters.push({ touch: record.touch, attempts: record.attempts });
        return;
    }
  }

  private forget(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const { scheduleName } = this.touchOf(entry);
    if (this.pendingByName.get(scheduleName) === id) this.pendingByName.delete(scheduleName);
  }

  /** What compaction keeps: the dead letters, then every live entry in due order (`entries`: which record is whose). */
  private liveRecords(): { records: LogRecord[]; entries: [number, Entry][] } {
    const now = this.nowMs();
    const records: LogRecord[] = this.deadLetters.map((letter) => ({ op: 'dead', id: this.nextId++, at: now, touch: letter.touch, attempts: letter.attempts }));
    const entries: [number, Entry][] = [];
    for (const entry of [...this.entries.values()].sort((a, b) => a.fireAtMs - b.fireAtMs || a.order - b.order)) {
      entries.push([records.length, entry]);
      records.push({
        op: 'schedule',
        id: entry.id,
        at: now,
        touch: this.touchOf(entry),
        fireAtMs: entry.fireAtMs,
        ...(entry.attempts > 0 ? { attempts: entry.attempts } : {}),
        ...(entry.recovered ? { recovered: true } : {}),
      });
    }
    return { records, entries };
  }

  /** `schedules.json` of older versions: an array of {touch, fireAtMs, attempts}. */
  private async importLegacyState(): Promise<boolean> {
    const file = this.options.legacyStateFile;
    if (!file) return false;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return false;
    }
    const items = JSON.parse(text) as { touch: ScheduledTouch; fireAtMs: number; attempts?: number }[];
    for (const item of items) {
      if (this.pendingByName.has(item.touch.scheduleName)) continue;
      this.add({ id: this.nextId++, touch: item.touch, fireAtMs: item.fireAtMs, attempts: item.attempts ?? 0, recovered: false });
    }
    return true;
  }

  private async write(record: LogRecord): Promise<LinePosition | undefined> {
    return this.log?.append(record);
  }

  private nowMs(): number {
    return this.options.clock.now().getTime();
  }
}
