/**
 * The embedded runtime's scheduler with `--data-dir` (the schedules.log) against the same
 * scheduler in memory, in one run: N serial schedules, then draining them all. The ratio
 * is what `--data-dir` costs; it should stay near 1 (the log is appended through one
 * queue, the heap makes each delivery O(log n)).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTouchScheduler } from '../functions/adapters/local-touch-scheduler.js';
import { VirtualClock } from '../functions/adapters/virtual-clock.js';
import type { Logger, ScheduledTouch } from '../functions/ports.js';

const SCHEDULES = Number(process.env.BENCH_LOCAL_SCHEDULES ?? 4_000);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface LocalSchedulerBenchResult {
  schedules: number;
  memoryMs: number;
  dataDirMs: number;
  /** `--data-dir` time ÷ in-memory time. */
  ratio: number;
}

async function scheduleAndDrain(stateFile: string | undefined): Promise<number> {
  const start = Date.parse('2026-11-23T13:00:00Z');
  const clock = new VirtualClock({ start: new Date(start) }, () => 0);
  const scheduler = new LocalTouchScheduler({ clock, logger: silent, ...(stateFile ? { stateFile } : {}) });
  await scheduler.load();
  scheduler.connect(async () => 'done');
  const began = performance.now();
  for (let i = 0; i < SCHEDULES; i++) {
    const touch: ScheduledTouch = {
      scheduleName: `touch-${i}`,
      enrollmentId: `p_${i}.bench`,
      prospectId: `p_${i}`,
      sequenceId: 'bench',
      run: 1,
      stepIndex: 0,
      dueAt: new Date(start + ((i * 7919) % SCHEDULES) * 60_000).toISOString(),
    };
    await scheduler.schedule(touch);
  }
  await scheduler.runUntil(new Date(start + SCHEDULES * 60_000));
  const elapsed = performance.now() - began;
  await scheduler.close();
  return elapsed;
}

export async function runLocalSchedulerBench(print: (line: string) => void = console.log): Promise<LocalSchedulerBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'followup-bench-'));
  try {
    await scheduleAndDrain(undefined); // warm up
    const memoryMs = Math.min(await scheduleAndDrain(undefined), await scheduleAndDrain(undefined));
    const dataDirMs = Math.min(await scheduleAndDrain(join(dir, 'a.log')), await scheduleAndDrain(join(dir, 'b.log')));
    const ratio = dataDirMs / memoryMs;
    print(`local scheduler, ${SCHEDULES.toLocaleString('en-US')} serial schedules + drain: in memory ${memoryMs.toFixed(0)} ms, --data-dir ${dataDirMs.toFixed(0)} ms (ratio ${ratio.toFixed(2)})`);
    return { schedules: SCHEDULES, memoryMs, dataDirMs, ratio };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
