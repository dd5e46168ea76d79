import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../functions/use-cases/enroll-prospects.js';
import { unsubscribeProspect } from '../../functions/use-cases/unsubscribe-prospect.js';
import { ADA, createTestContext, enrollOne } from '../fakes/test-context.js';

describe('the same person enrolled twice in one sequence', () => {
  it('a phone-only row, then a row with email + the same phone: the phone must not get every SMS twice', async () => {
    const t = await createTestContext();
    const first = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { phone: ADA.phone, firstName: 'Ada' } }] });
    expect(first[0]?.status).toBe('enrolled');
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA } }] });
    // Both rows are enrolled as two different prospects...
    await t.scheduler.fireAll(t.ctx);
    const texts = t.sms.sentTo(ADA.phone).map((m) => m.touch?.stepId);
    expect({ second: second[0]?.status, texts }).toEqual({ second: expect.anything(), texts: [...new Set(texts)] });
  });
});

describe('one person per phone, the other way round', () => {
  it('a row with email + phone, then a phone-only row for the same phone: the second is skipped', async () => {
    const t = await createTestContext();
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA } }] });
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { phone: ADA.phone } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/already active in this sequence as prospect p_\w+ \(same phone\)/) });
  });

  it('two rows of one request sharing a phone are one person', async () => {
    const t = await createTestContext();
    const results = await enrollProspects(t.ctx, {
      sequenceId: t.sequence.id,
      rows: [
        { row: 1, data: { phone: ADA.phone } },
        { row: 2, data: { ...ADA } },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(['enrolled', 'skipped']);
    expect(results[1]).toMatchObject({ reason: 'duplicate of row 1 in this request' });
  });
});

describe('one person per phone, across requests, whatever email each row gives', () => {
  it('a second request with another email and the same phone: skipped while the first runs, so the phone gets each SMS once', async () => {
    const t = await createTestContext();
    await enrollOne(t, { ...ADA });
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, email: 'ada.work@example.com' } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/already active in this sequence as prospect p_\w+ \(same phone\)/) });
    await t.scheduler.fireAll(t.ctx);
    const texts = t.sms.sentTo(ADA.phone).map((m) => m.touch?.stepId);
    expect(texts).toEqual([...new Set(texts)]);
  });

  it('someone who unsubscribed is not enrolled again under a new email with their phone', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t, { ...ADA });
    await unsubscribeProspect(t.ctx, { prospectId, channel: 'email', source: 'link' });
    const again = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, email: 'ada.work@example.com' } }] });
    expect(again[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^opted out of email on /) });
  });
});
