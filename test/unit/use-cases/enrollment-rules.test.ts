/**
 * The enrollment rules (domain/enrollment-rules.ts) as the enroll use case applies them,
 * with the in-memory fakes: the consent ledger blocks imports of anyone who replied or
 * opted out (every address of the person, every prospect id with the same phone), a run
 * that ended starts again only with `reenroll`, one sequence at a time unless
 * `allowConcurrent`.
 */
import { describe, expect, it } from 'vitest';
import { laneOf } from '../../../functions/domain/lanes.js';
import { prospectIdFor } from '../../../functions/domain/prospect-input.js';
import type { PublishedSequence } from '../../../functions/domain/sequence.js';
import { enrollProspects, laneKeyOf } from '../../../functions/use-cases/enroll-prospects.js';
import { handleSmsInbound } from '../../../functions/use-cases/handle-sms-inbound.js';
import { stopEnrollment } from '../../../functions/use-cases/stop-enrollment.js';
import { unsubscribeProspect } from '../../../functions/use-cases/unsubscribe-prospect.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const sms = (from: string, body: string) => ({ from, to: '+15005550006', body, messageSid: `SM${'1'.repeat(32)}` });

async function importInto(t: TestContext, sequenceId: string, data: Record<string, unknown>[], options: { reenroll?: boolean } = {}) {
  return enrollProspects(t.ctx, { sequenceId, rows: data.map((d, i) => ({ row: i + 1, data: d })), ...options });
}

/** Publishes a copy of the example under another id. */
async function publishCopy(t: TestContext, id: string, changes: Partial<PublishedSequence['definition']> = {}): Promise<void> {
  const copy = structuredClone(t.sequence);
  copy.id = id;
  copy.version = 1;
  copy.definition = { ...copy.definition, id, name: `Copy ${id}`, ...changes };
  await t.store.putSequenceVersion(copy);
}

describe('the consent ledger blocks imports of people who replied or opted out', () => {
  it('an SMS reply blocks the number in every sequence, for the email prospect and the phone-only one', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'other');
    const { prospectId } = await enrollOne(t);
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'Call me Thursday'));
    expect(await t.store.getReplyRecord(ADA.phone)).toMatchObject({ channel: 'sms', sequenceId: t.sequence.id, prospectId });

    const reason = `replied by SMS on 2025-06-02 (sequence ${t.sequence.id})`;
    for (const sequenceId of [t.sequence.id, 'other']) {
      for (const row of [{ ...ADA }, { phone: ADA.phone }, { email: 'new.address@example.com', phone: ADA.phone }]) {
        expect(await importInto(t, sequenceId, [row], { reenroll: true })).toMatchObject([{ status: 'skipped', reason }]);
      }
    }
    // The reply entry never stops a running sequence's touches: only imports read it.
    expect((await t.store.loadTouchContext({ enrollmentId: `${prospectId}.${t.sequence.id}`, prospectId, sequenceId: t.sequence.id, run: 1, stepIndex: 0, dueAt: '' })).suppressions).toEqual([]);
  });

  it('a row that gives only the email is blocked by an opt-out of the phone stored on the profile', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'other');
    await enrollOne(t);
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'STOP'));
    const [row] = await importInto(t, 'other', [{ email: ADA.email }]);
    expect(row).toMatchObject({ status: 'skipped', reason: 'opted out of SMS on 2025-06-02 (texted STOP)' });
  });

  it('a phone-only row is blocked when the email prospect holding the phone unsubscribed from email', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await unsubscribeProspect(t.ctx, { prospectId, channel: 'email', source: 'one-click' });
    const [row] = await importInto(t, t.sequence.id, [{ phone: ADA.phone }]);
    expect(row).toMatchObject({ status: 'skipped', reason: 'opted out of email on 2025-06-02 (one-click unsubscribe)' });
  });
});

describe('a run that ended starts again only when the request says so', () => {
  it('stopped: skipped with the date, enrolled with reenroll', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await stopEnrollment(t.ctx, { enrollmentId, status: 'stopped', reason: 'stopped by hand' });
    const [refused] = await importInto(t, t.sequence.id, [{ ...ADA }]);
    expect(refused).toMatchObject({
      status: 'skipped',
      enrollmentId,
      reason: 'already went through this sequence on 2025-06-02 (stopped); send reenroll: true to enroll again',
    });
    const [again] = await importInto(t, t.sequence.id, [{ ...ADA }], { reenroll: true });
    expect(again).toMatchObject({ status: 'enrolled', enrollmentId });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active', run: 2 });
  });

  it('reenroll never lifts a reply or an opt-out', async () => {
    const t = await createTestContext();
    await enrollOne(t);
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'Not interested, thanks'));
    const [row] = await importInto(t, t.sequence.id, [{ ...ADA }], { reenroll: true });
    expect(row).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^replied by SMS/) });
  });
});

describe('one person, one running sequence (unless allowConcurrent)', () => {
  it('skips a person running elsewhere, naming the sequence; a sequence with allowConcurrent enrolls them and flags the profile', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'single');
    await publishCopy(t, 'parallel', { allowConcurrent: true });
    const { prospectId } = await enrollOne(t);

    const [single] = await importInto(t, 'single', [{ email: ADA.email }]);
    expect(single).toMatchObject({
      status: 'skipped',
      reason: 'already active in another sequence: "Inbound lead follow-up" (inbound-lead-follow-up); one sequence at a time unless this one says allowConcurrent: true',
    });
    expect((await t.store.getProspect(prospectId))?.concurrentEnrollments).toBeUndefined();

    const [parallel] = await importInto(t, 'parallel', [{ email: ADA.email }]);
    expect(parallel).toMatchObject({ status: 'enrolled' });
    expect(await t.store.getProspect(prospectId)).toMatchObject({
      concurrentEnrollments: true,
      sequenceIds: [t.sequence.id, 'parallel'],
    });
  });

  it('the phone-only twin running elsewhere counts as the same person', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'single');
    await enrollOne(t, { phone: ADA.phone, firstName: 'Ada' });
    const [row] = await importInto(t, 'single', [{ ...ADA }]);
    expect(row).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^already active in another sequence/) });
  });

  it('a profile stored before profiles listed their sequences is looked up once, then listed', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'single');
    const { prospectId } = await enrollOne(t);
    const legacy = (await t.store.getProspect(prospectId))!;
    delete legacy.sequenceIds;
    await t.store.putEnrollmentBatch({ prospects: [legacy], enrollments: [], timeline: [] });
    t.store.resetCalls();
    const [row] = await importInto(t, 'single', [{ email: ADA.email }]);
    expect(row).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^already active in another sequence/) });
    expect(t.store.calls.listEnrollments).toBe(1);
  });

  it('a new person costs one batched read; a stored one at most two', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'parallel', { allowConcurrent: true });
    t.store.resetCalls();
    await enrollOne(t);
    expect(t.store.calls.getEnrollmentsAndSuppressions).toBe(1);
    t.store.resetCalls();
    await importInto(t, 'parallel', [{ ...ADA }]);
    expect(t.store.calls.getEnrollmentsAndSuppressions).toBe(2);
    expect(t.store.calls.listEnrollments).toBe(0);
    expect(t.store.calls.putEnrollmentBatch).toBe(1);
  });
});

describe('lanes: one person per phone', () => {
  it('a phone-only row and an email row with that phone share a lane', () => {
    const phoneOnly = { prospect: { id: prospectIdFor({ phone: ADA.phone }), phone: ADA.phone } };
    const withEmail = { prospect: { id: prospectIdFor({ email: ADA.email }), email: ADA.email, phone: ADA.phone } };
    expect(laneOf(laneKeyOf(phoneOnly as never))).toBe(laneOf(laneKeyOf(withEmail as never)));
  });

  it('an email-only row of a stored prospect with a phone is enrolled under that phone\'s lane', async () => {
    const t = await createTestContext();
    await publishCopy(t, 'parallel', { allowConcurrent: true });
    const { prospectId } = await enrollOne(t);
    expect(laneOf(ADA.phone)).not.toBe(laneOf(prospectId));
    t.store.resetCalls();
    const [row] = await importInto(t, 'parallel', [{ email: ADA.email, company: 'Moved' }]);
    expect(row).toMatchObject({ status: 'enrolled' });
    // Read under the row's own lane first (one batch), handed back, then decided under the phone's lane.
    expect(t.store.calls.acquireLease).toBe(2);
    expect(t.store.calls.getEnrollmentsAndSuppressions).toBe(3);
    expect((await t.store.getProspect(prospectId))?.company).toBe('Moved');
  });
});
