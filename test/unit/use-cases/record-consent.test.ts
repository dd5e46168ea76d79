import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import type { SuppressionReason } from '../../../functions/domain/records.js';
import { ProspectNotFoundError } from '../../../functions/use-cases/context.js';
import { recordConsent } from '../../../functions/use-cases/record-consent.js';
import { recordReplyInLedger } from '../../../functions/use-cases/record-reply.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const asEditor = (t: TestContext) => ({ ...t.ctx, actor: 'apiKey' as const });

async function suppress(t: TestContext, address: string, reason: SuppressionReason) {
  await t.store.putSuppression({
    address,
    addressHash: addressHash(address),
    channel: address.includes('@') ? 'email' : 'sms',
    reason,
    source: 'test',
    createdAt: t.clock.now().toISOString(),
  });
}

describe('recordConsent', () => {
  it('lifts the channel address\'s suppression and reply entry, keeps the audit, puts opted_in on the timeline', async () => {
    const t = await createTestContext();
    const { prospectId, enrollmentId } = await enrollOne(t);
    await suppress(t, ADA.email, 'bounce');
    await recordReplyInLedger(t.ctx, { addresses: [ADA.email], channel: 'email', enrollment: { id: enrollmentId, prospectId, sequenceId: t.sequence.id } });

    const consent = await recordConsent({ ...t.ctx, actor: 'user:rep@example.com' }, { prospectId, channel: 'email', source: 'new mailbox, ticket 9' });
    expect(consent).toMatchObject({ channel: 'email', lifted: ['bounce', 'reply'], actor: 'user:rep@example.com' });
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(await t.store.getReplyRecord(ADA.email)).toBeUndefined();
    expect(await t.store.getConsentRecord(ADA.email)).toEqual(consent);
    expect(JSON.stringify(consent)).not.toContain(ADA.email);
    expect((await t.store.listTimeline(prospectId)).find((e) => e.type === 'opted_in')).toMatchObject({
      actor: 'user:rep@example.com',
      detail: 'email consent: new mailbox, ticket 9 (lifted: bounce, reply)',
    });
  });

  it('refuses what only the person can lift, or nobody: a STOP, an erasure; a call consent lifts no SMS suppression', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await suppress(t, ADA.phone, 'sms_stop');
    for (const channel of ['sms', 'call'] as const) {
      await expect(recordConsent(asEditor(t), { prospectId, channel, source: 'x' })).rejects.toThrow(/only a START from that number/);
    }
    await suppress(t, ADA.phone, 'manual');
    // A call consent is about the phone's `call` entry ("do not call me"): the SMS entry stays.
    expect(await recordConsent(asEditor(t), { prospectId, channel: 'call', source: 'x' })).toMatchObject({ lifted: [] });
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ reason: 'manual' });
    expect(await recordConsent(asEditor(t), { prospectId, channel: 'sms', source: 'x' })).toMatchObject({ lifted: ['manual'] });
    await suppress(t, ADA.email, 'erased');
    await expect(recordConsent(asEditor(t), { prospectId, channel: 'email', source: 'x' })).rejects.toThrow(/erased/);
    // Nothing was lifted by the refusals.
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'erased' });
  });

  it("a call consent lifts the phone's call entry (a \"do not call me\"), never its SMS entry", async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await suppress(t, ADA.phone, 'manual');
    await t.store.putSuppression({ address: ADA.phone, addressHash: addressHash(ADA.phone), channel: 'call', reason: 'manual', source: 'task:x', createdAt: t.clock.now().toISOString() });
    expect(await recordConsent(asEditor(t), { prospectId, channel: 'call', source: 'asked to be called again' })).toMatchObject({ channel: 'call', lifted: ['manual'] });
    expect(await t.store.getSuppression(ADA.phone, 'call')).toBeUndefined();
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ channel: 'sms', reason: 'manual' });
    // Nothing left to lift: recorded again, lifting nothing; an SMS consent was never needed for calls.
    expect(await recordConsent(asEditor(t), { prospectId, channel: 'call', source: 'again' })).toMatchObject({ lifted: [] });
  });

  it('needs the acting principal', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await expect(recordConsent(t.ctx, { prospectId, channel: 'email', source: 'x' })).rejects.toThrow(/acting principal/);
  });

  it('a prospect without an address on the channel is refused, an unknown one is not found', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t, { email: 'only.mail@example.com' });
    await expect(recordConsent(asEditor(t), { prospectId, channel: 'sms', source: 'x' })).rejects.toMatchObject({ field: 'channel', message: 'the prospect has no phone number' });
    await expect(recordConsent(asEditor(t), { prospectId: 'p_missing', channel: 'email', source: 'x' })).rejects.toBeInstanceOf(ProspectNotFoundError);
  });
});
