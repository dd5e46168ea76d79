/**
 * An import that dies part-way (kill -9 of `npm start --data-dir`, a Lambda timeout, a
 * scheduler outage) must not leave the stats short for good: the retry finds the rows it
 * wrote `already active` and never counts them again. Seen over HTTP: 3,000 rows killed
 * half-way, 700 enrollments running, `/stats` saying enrolled 0, active 0 for good.
 */
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../functions/use-cases/enroll-prospects.js';
import { createTestContext, EXAMPLE_SEQUENCE_ID } from '../fakes/test-context.js';

describe('an import that fails part-way', () => {
  it('counts every enrollment it wrote, so the retry (which skips them as already active) leaves the stats right', async () => {
    const t = await createTestContext();
    const rows = Array.from({ length: 250 }, (_, i) => ({ row: i + 1, data: { email: `lead${i}@example.com`, timezone: 'America/New_York' } }));
    // The scheduler goes away after the first chunk's schedules.
    const schedule = t.scheduler.schedule.bind(t.scheduler);
    let scheduled = 0;
    t.scheduler.schedule = async (touch) => {
      if (++scheduled > 100) throw new Error('scheduler unavailable');
      return schedule(touch);
    };
    await expect(enrollProspects(t.ctx, { sequenceId: EXAMPLE_SEQUENCE_ID, rows }, { chunkSize: 100, leaseSeconds: 30, laneWaitMs: 1_000 })).rejects.toThrow();
    t.scheduler.schedule = schedule;

    const retry = await enrollProspects(t.ctx, { sequenceId: EXAMPLE_SEQUENCE_ID, rows });
    expect(retry.every((r) => r.status === 'enrolled' || r.reason === 'already active in this sequence')).toBe(true);
    const written = retry.filter((r) => r.status === 'enrolled').length + retry.filter((r) => r.status === 'skipped').length;
    expect(written).toBe(250);
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ enrolled: 250, 'status.active': 250 });
  });
});
