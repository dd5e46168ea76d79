/**
 * Enrollment lanes (domain/lanes.ts, use-cases/lane-lease.ts): each chunk is read,
 * decided and written under its lane's lease. These tests hold or steal a lane's lease
 * the way another import would, and check what a user sees: rows skipped as busy with a
 * reason to retry (never a failed request), nothing written for them, the rest enrolled.
 */
import { describe, expect, it } from 'vitest';
import { laneLeaseName, laneOf } from '../../../functions/domain/lanes.js';
import { prospectIdFor } from '../../../functions/domain/prospect-input.js';
import type { Store } from '../../../functions/ports.js';
import { BUSY_REASON, DEFAULT_ENROLL_TUNING, enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { createTestContext } from '../../fakes/test-context.js';

const emails = Array.from({ length: 40 }, (_, i) => `lane${i}@example.com`);
const rows = emails.map((email, i) => ({ row: i + 1, data: { email, firstName: `Lane${i}` } }));
const laneOfEmail = (email: string) => laneOf(prospectIdFor({ email }));
const quick = { ...DEFAULT_ENROLL_TUNING, laneWaitMs: 150 };

describe('enrolling under lane leases', () => {
  it('skips the rows of a lane another import holds, with a reason to retry, and enrolls the rest', async () => {
    const t = await createTestContext();
    const busyLane = laneOfEmail(emails[0]!);
    const now = t.clock.now();
    await t.store.acquireLease({ name: laneLeaseName(busyLane), owner: 'other-import', until: new Date(now.getTime() + 30_000).toISOString() }, now);

    const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows }, quick);

    const inBusyLane = emails.filter((email) => laneOfEmail(email) === busyLane);
    expect(inBusyLane.length).toBeGreaterThan(0);
    for (const [i, email] of emails.entries()) {
      if (laneOfEmail(email) === busyLane) {
        expect(results[i]).toEqual({ row: i + 1, status: 'skipped', prospectId: prospectIdFor({ email }), reason: BUSY_REASON });
        expect(await t.store.getProspect(prospectIdFor({ email }))).toBeUndefined();
      } else {
        expect(results[i]).toMatchObject({ status: 'enrolled' });
      }
    }
    expect((await getSequenceStats(t.ctx, t.sequence.id)).enrolled).toBe(emails.length - inBusyLane.length);
    // The other import still holds its lane; every lane this import used is free again.
    expect(await t.store.acquireLease({ name: laneLeaseName(busyLane), owner: 'third', until: now.toISOString() }, now)).toBe('conflict');
    for (let lane = 0; lane < 16; lane++) {
      if (lane === busyLane) continue;
      expect(await t.store.acquireLease({ name: laneLeaseName(lane), owner: 'third', until: now.toISOString() }, now)).toBe('ok');
    }

    // Retried once the other import is done: the skipped rows enroll, the others are already active.
    await t.store.releaseLease(laneLeaseName(busyLane), 'other-import');
    for (let lane = 0; lane < 16; lane++) await t.store.releaseLease(laneLeaseName(lane), 'third');
    const retried = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows }, quick);
    for (const [i, email] of emails.entries()) {
      expect(retried[i]?.status).toBe(laneOfEmail(email) === busyLane ? 'enrolled' : 'skipped');
    }
    expect((await getSequenceStats(t.ctx, t.sequence.id)).enrolled).toBe(emails.length);
  });

  it('takes over the lane of an import that died (its lease expired)', async () => {
    const t = await createTestContext();
    const lane = laneOfEmail(emails[0]!);
    const past = new Date(t.clock.now().getTime() - 60_000);
    await t.store.acquireLease({ name: laneLeaseName(lane), owner: 'crashed-import', until: new Date(past.getTime() + 30_000).toISOString() }, past);
    const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows }, quick);
    expect(results.every((r) => r.status === 'enrolled')).toBe(true);
  });

  it('a chunk that was slow and lost its lane to another import writes nothing and skips its rows as busy', async () => {
    const t = await createTestContext();
    const store = t.ctx.store;
    let stolen = false;
    // While this import reads, 40 s pass (its 30 s lease expired) and another import takes the lane.
    const slow: Store = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property !== 'getEnrollmentsAndSuppressions') return value.bind(target);
        return async (...args: unknown[]) => {
          const read = await value.apply(target, args);
          if (!stolen) {
            stolen = true;
            t.clock.advance({ seconds: 40 });
            const now = t.clock.now();
            const lane = laneOfEmail(emails[0]!);
            expect(
              await store.acquireLease({ name: laneLeaseName(lane), owner: 'thief', until: new Date(now.getTime() + 30_000).toISOString() }, now),
            ).toBe('ok');
          }
          return read;
        };
      },
    });
    const oneLane = rows.filter(({ data }) => laneOfEmail(data.email) === laneOfEmail(emails[0]!));
    const results = await enrollProspects({ ...t.ctx, store: slow }, { sequenceId: t.sequence.id, rows: oneLane }, quick);
    expect(results.map((r) => r.status)).toEqual(oneLane.map(() => 'skipped'));
    expect(results.every((r) => 'reason' in r && r.reason === BUSY_REASON)).toBe(true);
    expect(t.store.calls.putEnrollmentBatch).toBe(0);
    expect(t.scheduler.created()).toEqual([]);
    expect((await getSequenceStats(t.ctx, t.sequence.id)).enrolled).toBe(0);
  });

  it('a re-import keeps the stored profile createdAt (read in the same batch as the enrollments)', async () => {
    const t = await createTestContext();
    const [first] = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'keep@example.com' } }] });
    if (first?.status !== 'enrolled') throw new Error(JSON.stringify(first));
    const created = (await t.store.getProspect(first.prospectId))?.createdAt;
    await t.store.advanceEnrollment({
      enrollmentId: first.enrollmentId,
      expected: { status: 'active', run: 1, stepIndex: 0 },
      next: { status: 'completed', stepIndex: 5, updatedAt: t.clock.now().toISOString(), endedAt: t.clock.now().toISOString() },
    });
    t.clock.advance({ days: 3 });
    t.store.resetCalls();
    const [again] = await enrollProspects(t.ctx, {
      sequenceId: t.sequence.id,
      rows: [{ row: 1, data: { email: 'keep@example.com', firstName: 'Kept' } }],
      reenroll: true,
    });
    expect(again?.status).toBe('enrolled');
    expect(t.store.calls.getEnrollmentsAndSuppressions).toBe(1);
    expect(t.store.calls.getProspect).toBe(0);
    expect(await t.store.getProspect(first.prospectId)).toMatchObject({
      firstName: 'Kept',
      createdAt: created,
      updatedAt: t.clock.now().toISOString(),
    });
  });
});
