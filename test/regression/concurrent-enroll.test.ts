import { describe, expect, it } from 'vitest';
import { enrollProspects, type EnrollmentRowResult } from '../../functions/use-cases/enroll-prospects.js';
import { getSequenceStats } from '../../functions/use-cases/get-sequence-stats.js';
import { ADA, createTestContext } from '../fakes/test-context.js';

describe('the same new prospect enrolled by two concurrent requests (double submit)', () => {
  it('ends with one enrollment, and the stats count one', async () => {
    const t = await createTestContext({ storeLatency: 'tick' });
    const rows = [{ row: 1, data: { ...ADA } }];
    const [a, b] = await Promise.all([
      enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows }),
      enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows }),
    ]);
    const statuses = [a[0]?.status, b[0]?.status];
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect({ statuses, enrolled: stats.enrolled, active: stats.enrollments.active }).toEqual({
      statuses: expect.arrayContaining(['enrolled', 'skipped']),
      enrolled: 1,
      active: 1,
    });
  });
});

describe('a slow enroll request overwrites an enrollment that already moved on', () => {
  it('an import arriving between its read and its write waits for the lane: the intro goes out once', async () => {
    const t = await createTestContext();
    const rows = [{ row: 1, data: { ...ADA } }];
    const store = t.ctx.store;
    let other: Promise<EnrollmentRowResult[]> | undefined;
    const slowCtx = {
      ...t.ctx,
      store: new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'getEnrollmentsAndSuppressions') {
            return async (...args: Parameters<typeof store.getEnrollmentsAndSuppressions>) => {
              const seen = await store.getEnrollmentsAndSuppressions(...args);
              if (!other) {
                // Meanwhile another request (or the same CSV uploaded again) tries to enroll Ada,
                // and the clock moves on while this request is slow.
                other = enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows });
                await new Promise((resolve) => setTimeout(resolve, 50));
                t.clock.advance({ minutes: 2 });
              }
              return seen;
            };
          }
          const value = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    };
    const [first] = await enrollProspects(slowCtx, { sequenceId: t.sequence.id, rows });
    const [second] = (await other) ?? [];
    expect([first?.status, second?.status]).toEqual(['enrolled', 'skipped']);
    expect(second).toMatchObject({ reason: 'already active in this sequence' });
    t.clock.advance({ minutes: 5 });
    await t.scheduler.fireDue(t.ctx);
    expect(t.email.sentTo(ADA.email).map((m) => m.touch?.stepId)).toEqual(['intro']);
  });
});
