/**
 * Concurrent imports of the same new prospects, on the real store (DynamoDB adapter on
 * dynalite): the in-memory fake once promised first-writer-wins while the adapter wrote
 * unconditionally, so the fake-based regression test passed and production sent twice.
 * Each import arrives at its own moment (two seconds apart, across a minute boundary), as
 * real uploads do, so a second enrollment would plan its own first touch under another
 * schedule name; and the later an import arrives, the slower its writes (import i writes
 * i × 40 ms after it read), so the imports' reads and writes interleave as they do over a
 * network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollProspects, type EnrollmentRowResult } from '../../functions/use-cases/enroll-prospects.js';
import { getSequenceStats } from '../../functions/use-cases/get-sequence-stats.js';
import { FakeClock } from '../fakes/clock.js';
import { createDynamoInboundContext } from '../fakes/dynamo-inbound-context.js';
import { MONDAY_10AM_NEW_YORK } from '../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../support/dynalite.js';
import type { Store } from '../../functions/ports.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

const rows = Array.from({ length: 30 }, (_, i) => ({
  row: i + 1,
  data: { email: `lead${i}@example.com`, firstName: `Lead${i}`, timezone: 'America/New_York' },
}));

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The same store, with every `putEnrollmentBatch` started `ms` later. */
function slowWrites(store: Store, ms: number): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'putEnrollmentBatch') return value.bind(target);
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return value.apply(target, args);
      };
    },
  });
}

describe.each([2, 10])('%i concurrent imports of the same 30 new prospects (DynamoDB store)', (imports) => {
  // Ten imports contend for lanes on a one-request-at-a-time dynalite: seconds idle, over 30 s on a loaded 2-core machine (as its e2e twin allows for).
  it('enroll each prospect exactly once, schedule one first touch each, count 30, send one intro each', { timeout: 120_000 }, async () => {
    const t = await createDynamoInboundContext(db, { now: MONDAY_10AM_NEW_YORK });
    const started = Date.parse(MONDAY_10AM_NEW_YORK) - 10_000; // 09:59:50 in New York
    const results: EnrollmentRowResult[][] = await Promise.all(
      Array.from({ length: imports }, (_, i) =>
        enrollProspects(
          { ...t.ctx, store: slowWrites(t.store, i * 40), clock: new FakeClock(new Date(started + i * 2_000)) },
          { sequenceId: t.sequence.id, rows },
        ),
      ),
    );

    expect(new Set(results.flat().map((r) => r.status))).toEqual(new Set(['enrolled', 'skipped']));
    const enrolled = countBy(
      results.flat().filter((r) => r.status === 'enrolled'),
      (r) => (r as { prospectId: string }).prospectId,
    );
    expect([...enrolled.values()]).toEqual(Array(30).fill(1));

    const schedules = countBy(t.scheduler.created(), (touch) => touch.enrollmentId);
    expect([...schedules.values()]).toEqual(Array(30).fill(1));

    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect({ enrolled: stats.enrolled, active: stats.enrollments.active }).toEqual({ enrolled: 30, active: 30 });

    t.clock.set(new Date(started + imports * 2_000));
    await t.scheduler.advanceAndFire(t.ctx, 60 * 60_000);
    for (const { data } of rows) expect(t.email.sentTo(data.email).map((m) => m.touch?.stepId)).toEqual(['intro']);
  });
});
