import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { eraseProspect } from '../../../functions/use-cases/erase-prospect.js';
import { unsubscribeProspect } from '../../../functions/use-cases/unsubscribe-prospect.js';
import { ADA, createTestContext, enrollOne, EXAMPLE_SEQUENCE_ID } from '../../fakes/test-context.js';

const DAY = 86_400_000;

describe('unsubscribeProspect', () => {
  it('suppresses the email address and stops every enrollment of the prospect as opted_out, idempotently', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const result = await unsubscribeProspect(t.ctx, { prospectId, channel: 'email', source: 'one-click' });
    expect(result).toEqual({ outcome: 'unsubscribed', alreadySuppressed: false, stopped: [enrollmentId] });
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'unsubscribe', source: 'unsubscribe:one-click', channel: 'email' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);

    expect(await unsubscribeProspect(t.ctx, { prospectId, channel: 'email', source: 'one-click' })).toEqual({
      outcome: 'unsubscribed',
      alreadySuppressed: true,
      stopped: [],
    });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'status.opted_out': 1, 'status.active': 0 });
    await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  });

  it('an unknown (erased) prospect is acknowledged without changes', async () => {
    const t = await createTestContext();
    expect(await unsubscribeProspect(t.ctx, { prospectId: 'p_gone', channel: 'email', source: 'link' })).toEqual({ outcome: 'unknown_prospect' });
  });

  it('an SMS token suppresses the phone', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await unsubscribeProspect(t.ctx, { prospectId, channel: 'sms', source: 'link' });
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ channel: 'sms', reason: 'sms_stop' });
  });
});

describe('eraseProspect (DELETE /prospects/{id})', () => {
  it('stops everything, deletes personal data and keeps hashed suppressions that block re-imports', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    await unsubscribeProspect(t.ctx, { prospectId, channel: 'email', source: 'link' });

    await eraseProspect(t.ctx, prospectId);

    expect(await t.store.getProspect(prospectId)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toBeUndefined();
    expect(await t.store.listTimeline(prospectId)).toEqual([]);
    const email = await t.store.getSuppression(ADA.email);
    const phone = await t.store.getSuppression(ADA.phone);
    // Hash only: the plain address is gone; an earlier reason is kept.
    expect(email).toEqual({ addressHash: addressHash(ADA.email), channel: 'email', reason: 'unsubscribe', source: 'unsubscribe:link; erased', createdAt: expect.any(String) });
    expect(phone).toMatchObject({ addressHash: addressHash(ADA.phone), reason: 'erased' });
    expect(phone?.address).toBeUndefined();

    const [row] = await enrollProspects(t.ctx, { sequenceId: EXAMPLE_SEQUENCE_ID, rows: [{ row: 1, data: { ...ADA } }] });
    expect(row?.status).toBe('skipped');
    await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
    expect(t.sms.sent).toEqual([]);
  });
});
