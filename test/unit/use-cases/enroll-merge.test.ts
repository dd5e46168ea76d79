/**
 * Re-importing a prospect merges the row into the stored profile (domain/prospect-merge.ts):
 * given fields replace, blanks keep, `null` / `(clear)` clear, attributes merge key by key,
 * a given zone is never replaced by an inferred one, and every change is on the timeline.
 */
import { describe, expect, it } from 'vitest';
import { prospectIdFor } from '../../../functions/domain/prospect-input.js';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { eraseProspect } from '../../../functions/use-cases/erase-prospect.js';
import { createTestContext, type TestContext } from '../../fakes/test-context.js';

async function importRows(t: TestContext, rows: Record<string, unknown>[], extra: { importId?: string } = {}) {
  // The API hands each request's actor to the use cases through the context.
  return enrollProspects(
    { ...t.ctx, actor: 'user:rep@northwind.example' },
    { sequenceId: t.sequence.id, rows: rows.map((data, i) => ({ row: i + 1, data })), importId: extra.importId ?? 'import-1' },
  );
}

const email = 'merge@example.com';
const id = prospectIdFor({ email });

describe('a re-import merges into the stored profile', () => {
  it('keeps what the row leaves out or blank, replaces what it gives, merges attributes key by key', async () => {
    const t = await createTestContext();
    await importRows(t, [{ email, firstName: 'Max', lastName: 'Muster', company: 'Acme', phone: '+14155550123', attributes: { industry: 'logistics', plan: 'pro' } }]);
    const created = await t.store.getProspect(id);

    t.clock.advance(60_000);
    const [again] = await importRows(t, [{ email, firstName: '', company: 'Acme Corp', attributes: { plan: 'enterprise', seats: 40 } }], { importId: 'import-2' });
    // Already active in this sequence: skipped, but the profile still takes the row's data.
    expect(again).toMatchObject({ status: 'skipped' });

    const merged = await t.store.getProspect(id);
    expect(merged).toMatchObject({
      email,
      firstName: 'Max',
      lastName: 'Muster',
      company: 'Acme Corp',
      phone: '+14155550123',
      attributes: { industry: 'logistics', plan: 'enterprise', seats: '40' },
      createdAt: created?.createdAt,
      updatedAt: t.clock.now().toISOString(),
    });

    const updates = (await t.store.listTimeline(id)).filter((e) => e.type === 'profile_updated');
    expect(updates).toEqual([
      expect.objectContaining({
        actor: 'user:rep@northwind.example',
        importId: 'import-2',
        changes: [
          { field: 'company', from: 'Acme', to: 'Acme Corp' },
          { field: 'attributes.plan', from: 'pro', to: 'enterprise' },
          { field: 'attributes.seats', to: '40' },
        ],
        detail: 'company: "Acme" → "Acme Corp"; attributes.plan: "pro" → "enterprise"; attributes.seats: (none) → "40"',
      }),
    ]);
  });

  it('null clears a field or an attribute; "attributes": null clears them all; an email cannot be cleared', async () => {
    const t = await createTestContext();
    await importRows(t, [{ email, company: 'Acme', phone: '+14155550123', attributes: { industry: 'logistics', plan: 'pro' } }]);
    const [row] = await importRows(t, [{ email, company: null, phone: '(clear)', attributes: { plan: null } }]);
    expect(row?.warnings).toBeUndefined();
    expect(await t.store.getProspect(id)).toMatchObject({ email, attributes: { industry: 'logistics' } });
    expect(await t.store.getProspect(id)).not.toHaveProperty('company');
    expect(await t.store.getProspect(id)).not.toHaveProperty('phone');

    const [cleared] = await importRows(t, [{ email, attributes: null }]);
    expect(cleared?.warnings).toBeUndefined();
    expect((await t.store.getProspect(id))?.attributes).toEqual({});

    const [identity] = await importRows(t, [{ phone: '+14155550177', email: null }]);
    expect(identity?.warnings).toEqual(['email: cannot be cleared, it identifies the prospect']);
  });

  it('a row that changes nothing writes no profile and no timeline entry', async () => {
    const t = await createTestContext();
    await importRows(t, [{ email, firstName: 'Max' }]);
    const before = await t.store.listTimeline(id);
    await importRows(t, [{ email, firstName: 'Max' }]);
    expect(await t.store.listTimeline(id)).toEqual(before);
  });

  it('an inferred or default zone never replaces a given one; a given one replaces any', async () => {
    const t = await createTestContext();
    await importRows(t, [{ email, timezone: 'Europe/Berlin' }]);
    // The +1 415 number alone would be Los Angeles.
    await importRows(t, [{ email, phone: '+14155550123' }]);
    expect(await t.store.getProspect(id)).toMatchObject({ timezone: 'Europe/Berlin', timezoneSource: 'given', phone: '+14155550123' });

    await importRows(t, [{ email, timezone: 'Asia/Tokyo' }]);
    expect(await t.store.getProspect(id)).toMatchObject({ timezone: 'Asia/Tokyo', timezoneSource: 'given' });

    // A zone inferred from the phone follows the phone.
    const other = 'inferred@example.com';
    // Another number than the first prospect's: one phone is one person.
    await importRows(t, [{ email: other, phone: '+14155550199' }]);
    expect(await t.store.getProspect(prospectIdFor({ email: other }))).toMatchObject({ timezone: 'America/Los_Angeles', timezoneSource: 'phone' });
    await importRows(t, [{ email: other, phone: '+12125550123' }]);
    expect(await t.store.getProspect(prospectIdFor({ email: other }))).toMatchObject({ timezone: 'America/New_York', timezoneSource: 'phone' });
    await importRows(t, [{ email: other, firstName: 'No phone in this row' }]);
    expect(await t.store.getProspect(prospectIdFor({ email: other }))).toMatchObject({ timezone: 'America/New_York', timezoneSource: 'phone' });
  });

  it('a row of an erased person stores nothing about them again', async () => {
    const t = await createTestContext();
    await importRows(t, [{ email, firstName: 'Max' }]);
    await eraseProspect(t.ctx, id);
    const [row] = await importRows(t, [{ email, firstName: 'Max', company: 'Acme' }]);
    expect(row?.status).toBe('skipped');
    expect(await t.store.getProspect(id)).toBeUndefined();
    expect(await t.store.listTimeline(id)).toEqual([]);
  });
});
