/**
 * One person per phone without a byPhone Query per row: enrolling finds the other holders
 * of a row's phone in the phone's holders item, read in the batch it already makes
 * (functions/adapters/dynamodb/keys.ts, "phone holders"), and the `enrolled` event rides
 * on the enrollment item. A table from before holders items still finds them by Query.
 */
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { ADA, createTestContext, enrollOne, loadExampleSequence } from '../../fakes/test-context.js';
import { publishSequence } from '../../../functions/use-cases/publish-sequence.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { backfillPhoneHolders, backfillPhoneHoldersStep } from '../../../functions/use-cases/backfill-phone-holders.js';
import { InvalidCursorError } from '../../../functions/domain/page.js';
import { pauseEnrollment } from '../../../functions/use-cases/pause-enrollment.js';
import { resumeEnrollment } from '../../../functions/use-cases/resume-enrollment.js';

const SAME_PHONE = /already active in this sequence as prospect p_\w+ \(same phone\)/;

describe('phone holders instead of a Query per row', () => {
  it('enrolls 50 rows with phones without one byPhone lookup, and lists each prospect under its phone', async () => {
    const t = await createTestContext();
    const rows = Array.from({ length: 50 }, (_, i) => ({ row: i + 1, data: { email: `p${i}@example.com`, phone: `+1202555${String(1000 + i)}` } }));
    const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows });
    expect(results.every((r) => r.status === 'enrolled')).toBe(true);
    expect(t.store.calls.findProspectIdsByAddress).toBe(0);

    const read = await t.store.getEnrollmentsAndSuppressions([], [], [], [rows[7]!.data.phone]);
    expect(read.phoneHolders.get(rows[7]!.data.phone)).toEqual([results[7]?.status === 'enrolled' ? results[7].prospectId : 'missing']);
  });

  it('a new email with a known phone is the same person, found through the holders item alone', async () => {
    const t = await createTestContext();
    await enrollOne(t, { ...ADA });
    t.store.resetCalls();
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, email: 'ada.work@example.com' } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
    expect(t.store.calls.findProspectIdsByAddress).toBe(0);
  });

  it('a phone-only prospect and a later email row with that phone are one person, without the twin id guessed', async () => {
    const t = await createTestContext();
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { phone: ADA.phone } }] });
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
  });

  it('someone whose profile moved to another phone no longer holds the old one', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t, { ...ADA });
    // Ada's row in a later import gives a new number: her profile (and her lane) move to it.
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, phone: '+14155550199' } }] });
    expect((await t.store.getProspect(prospectId))?.phone).toBe('+14155550199');
    const other = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'grace@example.com', phone: ADA.phone } }] });
    expect(other[0]?.status).toBe('enrolled');
    // Ada still counts for her new number.
    const again = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'ada.home@example.com', phone: '+14155550199' } }] });
    expect(again[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
  });
});

describe('a table from before holders items (no layout marker)', () => {
  /** Ada enrolled by a version that wrote no holders item: her profile is only in the byPhone index. */
  async function legacyAda() {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    const { prospectId } = await enrollOne(t, { ...ADA });
    await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: [{ phone: ADA.phone, prospectIds: [] }] });
    store.asTableFromBeforePhoneHolders();
    store.resetCalls();
    return { t, prospectId };
  }

  it('still finds the person by Query, and lists them from then on', async () => {
    const { t, prospectId } = await legacyAda();
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, email: 'ada.work@example.com' } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
    expect(t.store.calls.findProspectIdsByAddress).toBe(1);

    // Ada's own next row writes her into the holders item.
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, firstName: 'Augusta' } }] });
    const read = await t.store.getEnrollmentsAndSuppressions([], [], [], [ADA.phone]);
    expect(read.phoneHolders.get(ADA.phone)).toEqual([prospectId]);
  });
});

describe('the enrolled event rides on the enrollment', () => {
  it('shows on the prospect timeline with who enrolled and from which request, without a timeline item', async () => {
    const t = await createTestContext();
    const results = await enrollProspects({ ...t.ctx, actor: 'user:rep@example.com' }, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA } }], importId: 'imp-1' });
    const prospectId = results[0]?.status === 'enrolled' ? results[0].prospectId : '';
    const view = await getProspect(t.ctx, prospectId);
    expect(view.timeline.filter((e) => e.type === 'enrolled')).toEqual([
      expect.objectContaining({ detail: 'version 1, run 1', actor: 'user:rep@example.com', importId: 'imp-1', enrollmentId: `${prospectId}.${t.sequence.id}` }),
    ]);
    expect((await t.store.listTimeline(prospectId)).filter((e) => e.type === 'enrolled')).toEqual([]);
  });

  it('a restart killed around the replacement of the ended run loses none of its history', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t, { ...ADA });
    await t.scheduler.fireAll(t.ctx);
    const firstRun = (await getProspect(t.ctx, prospectId)).timeline.map(({ at, type, stepId }) => ({ at, type, stepId }));
    t.clock.advance({ days: 30 });

    // Killed while writing the ended run's history to the timeline.
    const append = t.store.appendTimeline.bind(t.store);
    t.store.appendTimeline = async () => {
      throw new Error('killed');
    };
    await expect(enrollOne(t, { ...ADA }, { reenroll: true })).rejects.toThrow('killed');
    t.store.appendTimeline = append;
    // The retry replaces run 1: its enrolled event and touches are still on the timeline.
    await enrollOne(t, { ...ADA }, { reenroll: true });
    const view = (await getProspect(t.ctx, prospectId)).timeline.map(({ at, type, stepId }) => ({ at, type, stepId }));
    expect(view.slice(0, firstRun.length)).toEqual(firstRun);
    expect(view.slice(firstRun.length).map((e) => e.type)).toEqual(['enrolled']);
  });
});

describe('backfilling the holders of a table from before', () => {
  it('lists every stored phone under its holders, sets the marker, and enrolling stops asking the index', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    const ada = await enrollOne(t, { ...ADA });
    const bob = await enrollOne(t, { email: 'bob@example.com', phone: '+14155550177' });
    const phoneOnly = await enrollOne(t, { phone: '+14155550166' });
    await store.putEnrollmentBatch({
      prospects: [],
      enrollments: [],
      timeline: [],
      phoneHolders: [ADA.phone, '+14155550177', '+14155550166'].map((phone) => ({ phone, prospectIds: [] })),
    });
    store.asTableFromBeforePhoneHolders();

    expect(await backfillPhoneHolders(t.ctx)).toEqual({ prospects: 3, phones: 3 });
    const read = await store.getEnrollmentsAndSuppressions([], [], [], [ADA.phone, '+14155550177', '+14155550166']);
    expect(Object.fromEntries(read.phoneHolders)).toEqual({
      [ADA.phone]: [ada.prospectId],
      '+14155550177': [bob.prospectId],
      '+14155550166': [phoneOnly.prospectId],
    });
    expect(read.phoneHoldersComplete).toBe(true);
    expect(await backfillPhoneHolders(t.ctx)).toBe('already complete');

    store.resetCalls();
    const second = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'bob.work@example.com', phone: '+14155550166' } }] });
    expect(second[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
    expect(store.calls.findProspectIdsByAddress).toBe(0);
  });
});

describe('the backfill in steps (POST /maintenance/phone-holders)', () => {
  it('walks two sequences in bounded steps, each resuming at its cursor; only the last step sets the marker', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    await publishSequence(t.ctx, { ...(await loadExampleSequence()), id: 'another-sequence' });
    const rows = (from: number) => Array.from({ length: 250 }, (_, i) => ({ row: i + 1, data: { email: `p${from + i}@example.com`, phone: `+1202555${String(from + i).padStart(4, '0')}` } }));
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: rows(0) });
    await enrollProspects(t.ctx, { sequenceId: 'another-sequence', rows: rows(1000) });
    const phones = [...rows(0), ...rows(1000)].map((r) => r.data.phone);
    // A table from before: nobody listed yet.
    await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: phones.map((phone) => ({ phone, prospectIds: [] })) });
    store.asTableFromBeforePhoneHolders();

    const steps = [];
    let cursor: string | undefined;
    do {
      const step = await backfillPhoneHoldersStep(t.ctx, cursor, { enrollmentsPerStep: 200 });
      steps.push(step);
      if (!step.done) expect(await store.arePhoneHoldersComplete()).toBe(false);
      cursor = step.cursor;
    } while (cursor);
    // 500 enrollments, 200 a step (whole pages of 100): three steps.
    expect(steps.map((s) => s.done)).toEqual([false, false, true]);
    expect(steps.reduce((n, s) => n + s.prospects, 0)).toBe(500);
    expect(await store.arePhoneHoldersComplete()).toBe(true);
    const read = await store.getEnrollmentsAndSuppressions([], [], [], phones);
    expect(phones.filter((phone) => (read.phoneHolders.get(phone) ?? []).length !== 1)).toEqual([]);

    // Done is done: another step changes nothing.
    expect(await backfillPhoneHoldersStep(t.ctx, undefined)).toEqual({ done: true, prospects: 0, phones: 0 });
  });

  it('refuses a well-formed cursor naming a sequence this table does not have: nothing is marked', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    await enrollOne(t, { ...ADA });
    store.asTableFromBeforePhoneHolders();
    const foreign = Buffer.from(JSON.stringify({ v: 1, sequenceId: 'zzz-not-a-sequence' })).toString('base64url');
    await expect(backfillPhoneHoldersStep(t.ctx, foreign)).rejects.toMatchObject({ name: 'InvalidCursorError', field: 'cursor' });
    expect(await store.arePhoneHoldersComplete()).toBe(false);
  });

  it('lists a prospect whose paused enrollment is resumed between two steps (the resume moves it behind the cursor)', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    const rows = Array.from({ length: 201 }, (_, i) => ({ row: i + 1, data: { email: `q${i}@example.com`, phone: `+1202556${String(i).padStart(4, '0')}` } }));
    const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows });
    const last = results[200]!;
    if (last.status !== 'enrolled') throw new Error('not enrolled');
    await pauseEnrollment(t.ctx, { enrollmentId: last.enrollmentId, reason: 'on holiday' });
    const phones = rows.map((r) => r.data.phone);
    await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: phones.map((phone) => ({ phone, prospectIds: [] })) });
    store.asTableFromBeforePhoneHolders();

    // The first step reads the 200 active ones; the paused one sorts after them.
    const first = await backfillPhoneHoldersStep(t.ctx, undefined, { enrollmentsPerStep: 200 });
    expect(first.done).toBe(false);
    await resumeEnrollment(t.ctx, { enrollmentId: last.enrollmentId });
    let cursor = first.cursor;
    while (cursor) cursor = (await backfillPhoneHoldersStep(t.ctx, cursor, { enrollmentsPerStep: 200 })).cursor;

    expect(await store.arePhoneHoldersComplete()).toBe(true);
    const read = await store.getEnrollmentsAndSuppressions([], [], [], phones);
    expect(phones.filter((phone) => (read.phoneHolders.get(phone) ?? []).length === 0)).toEqual([]);
  });

  it('refuses a cursor it did not hand out, naming the field', async () => {
    const t = await createTestContext();
    for (const cursor of ['not a cursor', Buffer.from('{"v":2}').toString('base64url'), 'e30']) {
      await expect(backfillPhoneHoldersStep(t.ctx, cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    }
    await expect(backfillPhoneHoldersStep(t.ctx, 'x!')).rejects.toMatchObject({ field: 'cursor' });
  });
});

describe('a new deployment marks its table at the first publish', () => {
  it('a table without sequences holds nobody: publishing the first one marks it; a table with sequences stays unmarked', async () => {
    const store = new InMemoryStore();
    store.asTableFromBeforePhoneHolders();
    const t = await createTestContext({ store });
    expect(await store.arePhoneHoldersComplete()).toBe(true);

    store.asTableFromBeforePhoneHolders();
    await publishSequence(t.ctx, { ...(await loadExampleSequence()), id: 'another-sequence' });
    expect(await store.arePhoneHoldersComplete()).toBe(false);
  });
});
