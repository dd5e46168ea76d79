import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalTouchScheduler } from '../../../functions/adapters/local-touch-scheduler.js';
import { VirtualClock } from '../../../functions/adapters/virtual-clock.js';
import type { ScheduledTouch, TouchMessage } from '../../../functions/ports.js';
import { silentLogger } from '../../fakes/logger.js';

const START = new Date('2026-11-23T13:00:00Z');

function touch(name: string, dueAt: string): ScheduledTouch {
  return { scheduleName: name, enrollmentId: `p_x.${name}`, prospectId: 'p_x', sequenceId: 's', run: 1, stepIndex: 0, dueAt };
}

function setup(options: { stateFile?: string } = {}) {
  const clock = new VirtualClock({ start: START }, () => 0);
  const scheduler = new LocalTouchScheduler({ clock, logger: silentLogger, retryDelayMs: 60_000, maxAttempts: 3, ...options });
  const delivered: { name: string; at: string }[] = [];
  return { clock, scheduler, delivered };
}

describe('LocalTouchScheduler', () => {
  it('delivers due touches in due order, each with the clock at its due time, and forgets them after', async () => {
    const { clock, scheduler, delivered } = setup();
    scheduler.connect(async (m: TouchMessage) => {
      delivered.push({ name: m.enrollmentId, at: clock.now().toISOString() });
      return 'done';
    });
    await scheduler.schedule(touch('b', '2026-11-24T10:00:00.000Z'));
    await scheduler.schedule(touch('a', '2026-11-23T15:00:00.000Z'));
    await scheduler.schedule(touch('a', '2026-11-23T15:00:00.000Z'));
    await scheduler.schedule(touch('later', '2026-12-01T10:00:00.000Z'));
    await scheduler.runUntil(new Date('2026-11-25T00:00:00Z'));
    expect(delivered).toEqual([
      { name: 'p_x.a', at: '2026-11-23T15:00:00.000Z' },
      { name: 'p_x.b', at: '2026-11-24T10:00:00.000Z' },
    ]);
    expect(scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['later']);
  });

  it('runs touches scheduled by a delivery when they fall due within the same run', async () => {
    const { scheduler, delivered, clock } = setup();
    scheduler.connect(async (m) => {
      delivered.push({ name: m.enrollmentId, at: clock.now().toISOString() });
      if (m.enrollmentId === 'p_x.first') await scheduler.schedule(touch('second', '2026-11-23T18:00:00.000Z'));
      return 'done';
    });
    await scheduler.schedule(touch('first', '2026-11-23T14:00:00.000Z'));
    await scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
    expect(delivered.map((d) => d.name)).toEqual(['p_x.first', 'p_x.second']);
  });

  it('ends a batch after every batchSize deliveries and when a run ends, before the run answers', async () => {
    const { scheduler } = setup();
    const events: string[] = [];
    scheduler.connect(
      async (m) => {
        events.push(m.enrollmentId.slice(4));
        return m.enrollmentId.endsWith('flaky') ? 'retry' : 'done';
      },
      { batchSize: 2, afterBatch: async () => void events.push('|') },
    );
    for (const name of ['t1', 't2', 't3', 'flaky', 't5']) await scheduler.schedule(touch(name, '2026-11-23T14:00:00.000Z'));
    // Until before the retry (60 s later) falls due.
    await scheduler.runUntil(new Date('2026-11-23T14:00:30Z'));
    // A retried delivery is a delivery of the batch too; the last, short batch ends with the run.
    expect(events).toEqual(['t1', 't2', '|', 't3', 'flaky', '|', 't5', '|']);
    // A run that delivers nothing ends no batch.
    await scheduler.runUntil(new Date('2026-11-23T14:00:40Z'));
    expect(events).toHaveLength(8);
  });

  it('retries a failed delivery later, then gives up into the dead letters; a cancelled touch never fires', async () => {
    const { scheduler, clock, delivered } = setup();
    scheduler.connect(async (m) => {
      delivered.push({ name: m.enrollmentId, at: clock.now().toISOString() });
      return 'retry';
    });
    await scheduler.schedule(touch('flaky', '2026-11-23T14:00:00.000Z'));
    await scheduler.schedule(touch('cancelled', '2026-11-23T14:30:00.000Z'));
    await scheduler.cancel('cancelled');
    await scheduler.cancel('never-existed');
    await scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
    expect(delivered.map((d) => d.at)).toEqual([
      '2026-11-23T14:00:00.000Z',
      '2026-11-23T14:01:00.000Z',
      '2026-11-23T14:02:00.000Z',
    ]);
    expect(scheduler.deadLetters.map((d) => d.touch.scheduleName)).toEqual(['flaky']);
  });

  it('keeps pending schedules in its state file across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'followup-scheduler-'));
    try {
      const stateFile = join(dir, 'schedules.json');
      const first = setup({ stateFile });
      await first.scheduler.schedule(touch('kept', '2026-11-24T10:00:00.000Z'));
      const second = setup({ stateFile });
      await second.scheduler.load();
      expect(second.scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['kept']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps every one of many schedules made at once (parallel saves no longer share a temp file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'followup-scheduler-'));
    try {
      const stateFile = join(dir, 'schedules.log');
      const first = setup({ stateFile });
      await first.scheduler.load();
      await Promise.all(Array.from({ length: 50 }, (_, i) => first.scheduler.schedule(touch(`t${i}`, '2026-11-24T10:00:00.000Z'))));
      await first.scheduler.close();
      const second = setup({ stateFile });
      await second.scheduler.load();
      expect(second.scheduler.pendingTouches()).toHaveLength(50);
      await second.scheduler.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failed run rejects for its caller only: no unhandled rejection, and the next run works', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { scheduler } = setup();
      await scheduler.schedule(touch('a', '2026-11-23T14:00:00.000Z'));
      await expect(scheduler.runUntil(new Date('2026-11-24T00:00:00Z'))).rejects.toThrow(/not connected/);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      const delivered: string[] = [];
      scheduler.connect(async (m) => (delivered.push(m.enrollmentId), 'done'));
      await scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      expect(delivered).toEqual(['p_x.a']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('delivers from a heap: many touches in due order, ties in scheduling order, re-scheduled and cancelled ones skipped', async () => {
    const { scheduler } = setup();
    const order: string[] = [];
    scheduler.connect(async (m) => (order.push(m.enrollmentId.slice(4)), 'done'));
    const base = Date.parse('2026-11-23T14:00:00Z');
    // Due times in a scrambled order, several sharing one minute.
    const names = Array.from({ length: 200 }, (_, i) => `n${i}`);
    for (const [i, name] of names.entries()) await scheduler.schedule(touch(name, new Date(base + ((i * 37) % 50) * 60_000).toISOString()));
    for (const name of ['n3', 'n77', 'n150']) await scheduler.cancel(name);
    await scheduler.schedule(touch('n3', new Date(base - 60_000).toISOString())); // scheduled again under the same name: earliest now
    await scheduler.runUntil(new Date(base + 3_600_000));
    const expected = names
      .map((name, i) => ({ name, at: base + ((i * 37) % 50) * 60_000, i }))
      .filter((t) => !['n3', 'n77', 'n150'].includes(t.name))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((t) => t.name);
    expect(order).toEqual(['n3', ...expected]);
  });

  it('drains in O(log n) per touch: every due touch comes off a heap, never from a scan of every pending touch', async () => {
    // Counted, not timed: the heap's comparisons per delivered touch, and every walk over
    // the pending touches, while 2,000 and then 20,000 pending touches are drained.
    async function drainWork(count: number): Promise<{ comparisonsPerTouch: number; scans: number }> {
      const { scheduler } = setup();
      scheduler.connect(async () => 'done');
      const internals = scheduler as unknown as { heap: { before(a: unknown, b: unknown): boolean }; entries: Map<number, unknown> };
      let comparisons = 0;
      let scans = 0;
      let counting = false;
      const before = internals.heap.before;
      internals.heap.before = (a, b) => {
        if (counting) comparisons += 1;
        return before(a, b);
      };
      class WalkCountingMap<K, V> extends Map<K, V> {
        override forEach(...args: Parameters<Map<K, V>['forEach']>): void {
          if (counting) scans += 1;
          super.forEach(...args);
        }
        override values() {
          if (counting) scans += 1;
          return super.values();
        }
        override keys() {
          if (counting) scans += 1;
          return super.keys();
        }
        override entries() {
          if (counting) scans += 1;
          return super.entries();
        }
        override [Symbol.iterator]() {
          if (counting) scans += 1;
          return super[Symbol.iterator]();
        }
      }
      internals.entries = new WalkCountingMap(internals.entries);
      const base = Date.parse('2026-11-23T14:00:00Z');
      for (let i = 0; i < count; i++) await scheduler.schedule(touch(`d${i}`, new Date(base + ((i * 7919) % count) * 1_000).toISOString()));
      counting = true;
      await scheduler.runUntil(new Date(base + count * 1_000));
      counting = false;
      expect(scheduler.pendingTouches()).toEqual([]);
      return { comparisonsPerTouch: comparisons / count, scans };
    }
    const small = await drainWork(2_000);
    const large = await drainWork(20_000);
    expect(small.scans + large.scans).toBe(0);
    // A pop sifts down about 2 comparisons per level: ~2 log2(n), so 10x the touches cost ~1.3x per touch.
    expect(large.comparisonsPerTouch).toBeLessThan(3 * Math.log2(20_000));
    expect(large.comparisonsPerTouch / small.comparisonsPerTouch).toBeLessThan(1.6);
  }, 60_000);

  describe('with a log (--data-dir)', () => {
    let dir: string;
    let stateFile: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'followup-scheduler-'));
      stateFile = join(dir, 'schedules.log');
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('appends one JSON line per schedule, cancel and delivery, and replays them after a restart', async () => {
      const first = setup({ stateFile });
      await first.scheduler.load();
      first.scheduler.connect(async () => 'done');
      await first.scheduler.schedule(touch('delivered', '2026-11-23T14:00:00.000Z'));
      await first.scheduler.schedule(touch('cancelled', '2026-11-23T15:00:00.000Z'));
      await first.scheduler.schedule(touch('kept', '2026-11-25T10:00:00.000Z'));
      await first.scheduler.cancel('cancelled');
      await first.scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      const lines = (await readFile(stateFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { op: string });
      expect(lines.map((l) => l.op)).toEqual(['schedule', 'schedule', 'schedule', 'cancel', 'start', 'done']);
      await first.scheduler.close();

      const second = setup({ stateFile });
      await second.scheduler.load();
      expect(second.scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['kept']);
      // Compacted on start: only the live schedule is left in the file, and no temp file.
      expect((await readFile(stateFile, 'utf8')).trim().split('\n')).toHaveLength(1);
      expect(await readdir(dir)).toEqual(['schedules.log']);
      await second.scheduler.close();
    });

    it('a delivery that was in flight when the process died is delivered again after the restart, flagged as recovered', async () => {
      const first = setup({ stateFile });
      await first.scheduler.load();
      let release!: () => void;
      first.scheduler.connect(() => new Promise((resolve) => (release = () => resolve('done'))));
      await first.scheduler.schedule(touch('in-flight', '2026-11-23T14:00:00.000Z'));
      const running = first.scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      await new Promise((r) => setTimeout(r, 20));
      // "kill -9": the worker never returns, nothing more is written.
      const second = setup({ stateFile });
      await second.scheduler.load();
      const redelivered: { name: string; recovered: boolean; at: string }[] = [];
      second.scheduler.connect(async (m, delivery) => (redelivered.push({ name: m.enrollmentId, recovered: delivery.recovered, at: second.clock.now().toISOString() }), 'done'));
      // The clock carries on from the last logged moment, not from before it.
      expect(second.clock.now().toISOString()).toBe('2026-11-23T14:00:00.000Z');
      await second.scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      expect(redelivered).toEqual([{ name: 'p_x.in-flight', recovered: true, at: '2026-11-23T14:00:00.000Z' }]);
      release();
      await running;
      await first.scheduler.close();
      await second.scheduler.close();
    });

    it('keeps attempts across restarts, so a touch that keeps failing still ends in the dead letters', async () => {
      const first = setup({ stateFile });
      await first.scheduler.load();
      first.scheduler.connect(async () => 'retry');
      await first.scheduler.schedule(touch('flaky', '2026-11-23T14:00:00.000Z'));
      await first.scheduler.runUntil(new Date('2026-11-23T14:01:30Z')); // attempts 1 and 2
      await first.scheduler.close();
      const second = setup({ stateFile });
      await second.scheduler.load();
      const attempts: number[] = [];
      second.scheduler.connect(async (_m, delivery) => (attempts.push(delivery.attempt), 'retry'));
      await second.scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      expect(attempts).toEqual([3]);
      expect(second.scheduler.deadLetters.map((d) => [d.touch.scheduleName, d.attempts])).toEqual([['flaky', 3]]);
      await second.scheduler.close();
      const third = setup({ stateFile });
      await third.scheduler.load();
      expect(third.scheduler.pendingTouches()).toEqual([]);
      expect(third.scheduler.deadLetters.map((d) => d.touch.scheduleName)).toEqual(['flaky']);
      await third.scheduler.close();
    });

    it('replays a log whose last line was torn by a crash, and ignores it', async () => {
      const first = setup({ stateFile });
      await first.scheduler.load();
      await first.scheduler.schedule(touch('whole', '2026-11-24T10:00:00.000Z'));
      await first.scheduler.close();
      await appendFile(stateFile, '{"op":"schedule","id":99,"touch":{"scheduleName":"torn","enrollmentId":"p_x.t');
      const second = setup({ stateFile });
      await second.scheduler.load();
      expect(second.scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['whole']);
      await second.scheduler.schedule(touch('after', '2026-11-24T11:00:00.000Z'));
      await second.scheduler.close();
      const third = setup({ stateFile });
      await third.scheduler.load();
      expect(third.scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['whole', 'after']);
      await third.scheduler.close();
    });

    it('delivers the very messages it was given, read back from the log, across a compaction and later appends', async () => {
      const rich = (name: string, dueAt: string): ScheduledTouch => ({
        ...touch(name, dueAt),
        addressHashes: { email: `e-${name}-é`, phone: `p-${name}` },
        correlationId: `req-${name}-ü`,
        channel: 'sms',
      });
      const first = setup({ stateFile });
      await first.scheduler.load();
      await first.scheduler.schedule(rich('before-restart', '2026-11-23T14:00:00.000Z'));
      await first.scheduler.schedule(rich('gone', '2026-11-23T14:10:00.000Z'));
      await first.scheduler.cancel('gone');
      await first.scheduler.close();

      const second = setup({ stateFile });
      await second.scheduler.load();
      await second.scheduler.schedule(rich('after-restart', '2026-11-23T14:20:00.000Z'));
      await second.scheduler.schedule(rich('failing', '2026-11-23T14:30:00.000Z'));
      const received: TouchMessage[] = [];
      second.scheduler.connect(async (message) => {
        received.push(message);
        return message.enrollmentId === 'p_x.failing' ? 'retry' : 'done';
      });
      await second.scheduler.runUntil(new Date('2026-11-24T00:00:00Z'));
      const { scheduleName: _a, ...beforeRestart } = rich('before-restart', '2026-11-23T14:00:00.000Z');
      const { scheduleName: _b, ...afterRestart } = rich('after-restart', '2026-11-23T14:20:00.000Z');
      const { scheduleName: _c, ...failing } = rich('failing', '2026-11-23T14:30:00.000Z');
      expect(received).toEqual([beforeRestart, afterRestart, failing, failing, failing]);
      expect(second.scheduler.deadLetters).toEqual([{ touch: rich('failing', '2026-11-23T14:30:00.000Z'), attempts: 3 }]);
      await second.scheduler.close();
    });

    it('keeps a pending touch in a few hundred bytes of memory, its message in the log (an import of 300,000 rows leaves 300,000)', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const heapPerTouch = async (options: { stateFile?: string }) => {
        const { scheduler } = setup(options);
        await scheduler.load();
        gc();
        const before = process.memoryUsage().heapUsed;
        for (let i = 0; i < 20_000; i++) {
          await scheduler.schedule({
            ...touch(`fu-${i.toString(36)}-0123456789abcdef0123456789`, new Date(Date.parse('2026-11-24T10:00:00Z') + i * 1_000).toISOString()),
            enrollmentId: `e_${i.toString(16).padStart(32, '0')}.inbound-lead-follow-up`,
            prospectId: `p_${i.toString(16).padStart(32, '0')}`,
            addressHashes: { email: `${i}`.padStart(43, 'e'), phone: `${i}`.padStart(43, 'p') },
            channel: 'email',
          });
        }
        gc();
        const perTouch = (process.memoryUsage().heapUsed - before) / 20_000;
        const pending = scheduler.pendingTouches().length;
        await scheduler.close();
        return { perTouch, pending };
      };
      // The log first: what the in-memory run leaves behind would be collected during it.
      const withLog = await heapPerTouch({ stateFile });
      const inMemory = await heapPerTouch({});
      expect([withLog.pending, inMemory.pending]).toEqual([20_000, 20_000]);
      // Measured: ~1,600 bytes per touch as objects, ~280 with the log (its due time, where its line is, its name).
      expect(inMemory.perTouch).toBeGreaterThan(1_000);
      expect(withLog.perTouch).toBeLessThan(400);
    }, 60_000);

    it('imports the schedules.json of an older data dir once', async () => {
      const legacy = join(dir, 'schedules.json');
      await writeFile(legacy, JSON.stringify([{ touch: touch('old', '2026-11-24T10:00:00.000Z'), fireAtMs: Date.parse('2026-11-24T10:00:00.000Z'), attempts: 0 }]));
      const scheduler = new LocalTouchScheduler({ clock: new VirtualClock({ start: START }, () => 0), logger: silentLogger, stateFile, legacyStateFile: legacy });
      await scheduler.load();
      expect(scheduler.pendingTouches().map((t) => t.scheduleName)).toEqual(['old']);
      expect(await readdir(dir)).toEqual(['schedules.log']);
      await scheduler.close();
    });
  });
});
