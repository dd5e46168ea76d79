import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
