/**
 * The enrollment item's storage form on dynalite (functions/adapters/dynamodb/enrollment-storage.ts):
 * touch records and the thread under short names, times as epoch milliseconds, so the
 * example sequence's item stays under 1 KB (1 write unit per claim, advance and delivery
 * report). Items the previous version wrote (long names, ISO text) are written raw here and
 * must read, match and update as before: a deployed table is upgraded in place.
 * Adapter-only: the in-memory fake has no storage form.
 */
import { createRequire } from 'node:module';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import type { Enrollment, Prospect, TouchRecord } from '../../../functions/domain/records.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

const require = createRequire(import.meta.url);
/** DynamoDB's billed size of an item, as dynalite computes it. */
const { itemSize } = require('dynalite/db/index.js') as { itemSize(item: Record<string, unknown>): number };

const T0 = '2026-11-23T15:00:00.512Z';
const at = (days: number) => new Date(Date.parse(T0) + days * 86_400_000).toISOString();
// Shaped like real ids: the item's size is the point.
const PROSPECT = 'p_008af6597b9b49d7ecd031e0';
const SEQUENCE = 'inbound-lead-follow-up';
const sesId = (n: number) => `0100019b${String(n).padStart(8, '0')}-5d2c1a9e-7b3f-4c1d-9e8a-2f6b1c0d3e4f-000000`;
const smsSid = (n: number) => `SM${String(n).padStart(32, '0')}`;

function prospect(id: string): Prospect {
  return { id, email: `${id}@example.com`, attributes: {}, createdAt: T0, updatedAt: T0 };
}

/** The example sequence's five touches (templates/inbound-lead-follow-up), as the touch worker records them. */
function exampleTouches(status: TouchRecord['status'] = 'sent'): Record<string, TouchRecord> {
  const steps = [
    ['intro', 'email'],
    ['check-in', 'sms'],
    ['customer-story', 'email'],
    ['quick-call', 'sms'],
    ['break-up', 'email'],
  ] as const;
  let email = 0;
  let sms = 0;
  return Object.fromEntries(
    steps.map(([stepId, channel], stepIndex) => [
      stepId,
      { stepId, stepIndex, channel, status, at: at(stepIndex * 3), providerMessageId: channel === 'email' ? sesId(++email) : smsSid(++sms) },
    ]),
  );
}

function completed(touches: Record<string, TouchRecord>): Enrollment {
  return {
    id: `${PROSPECT}.${SEQUENCE}`,
    prospectId: PROSPECT,
    sequenceId: SEQUENCE,
    version: 1,
    run: 1,
    status: 'completed',
    stepIndex: 5,
    thread: { messageIdHeader: `<${sesId(1)}@email.amazonses.com>`, subject: 'Your Northwind Analytics request' },
    touches,
    createdAt: T0,
    updatedAt: at(12),
    endedAt: at(12),
    enrolledEvent: {},
  };
}

let db: RunningDynalite;
let store: DynamoDbStore;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  const tableName = `layout-${++tables}`;
  await db.createTable(tableName);
  store = new DynamoDbStore({ client: db.client, tableName });
  raw.table = tableName;
});

const raw = {
  table: '',
  async get(prospectId: string, sequenceId: string) {
    return (await db.client.send(new GetCommand({ TableName: raw.table, Key: { pk: `P#${prospectId}`, sk: `E#${sequenceId}` } }))).Item;
  },
  async put(item: Record<string, unknown>) {
    await db.client.send(new PutCommand({ TableName: raw.table, Item: item }));
  },
};

describe('enrollment items as this version writes them', () => {
  it('keeps touch records and the thread under short names and times as numbers, and reads back the same enrollment', async () => {
    const enrollment = completed(exampleTouches());
    await store.putEnrollmentBatch({ prospects: [prospect(PROSPECT)], enrollments: [enrollment], timeline: [] });

    const item = await raw.get(PROSPECT, SEQUENCE);
    expect(item?.['touches']['intro']).toEqual({ i: 0, c: 'email', s: 'sent', a: Date.parse(at(0)), m: sesId(1) });
    expect(item?.['thread']).toEqual({ h: `<${sesId(1)}@email.amazonses.com>`, j: 'Your Northwind Analytics request' });
    expect(item).toMatchObject({ createdAt: Date.parse(T0), updatedAt: Date.parse(at(12)), endedAt: Date.parse(at(12)) });
    expect(await store.getEnrollment(enrollment.id)).toEqual(enrollment);
  });

  it('keeps a time that is not canonical UTC ISO text as it came, so it reads back unchanged', async () => {
    const touches = { intro: { ...exampleTouches()['intro']!, at: '2026-11-23T16:00:00+01:00' } };
    const enrollment = { ...completed(touches), createdAt: '2026-11-23T15:00:00Z' };
    await store.putEnrollmentBatch({ prospects: [prospect(PROSPECT)], enrollments: [enrollment], timeline: [] });
    expect((await raw.get(PROSPECT, SEQUENCE))?.['createdAt']).toBe('2026-11-23T15:00:00Z');
    expect(await store.getEnrollment(enrollment.id)).toEqual(enrollment);
  });

  it("keeps the example sequence's enrollment under 1 KB: delivered, with a claim, each write is 1 write unit", async () => {
    const enrollment = completed(exampleTouches('delivered'));
    await store.putEnrollmentBatch({ prospects: [prospect(PROSPECT)], enrollments: [enrollment], timeline: [] });
    const item = await raw.get(PROSPECT, SEQUENCE);
    const size = itemSize(marshall({ ...item, claim: { run: 1, stepIndex: 4, leaseUntilMs: Date.parse(T0) } }));
    expect(size).toBeLessThan(1024);
  });

  it('keeps the times of a task the enrollment waits for, and of the last outcome, as numbers', async () => {
    const taskId = `${PROSPECT}.${SEQUENCE}.1.call`;
    const waiting: Enrollment = {
      ...completed(exampleTouches()),
      status: 'active',
      stepIndex: 5,
      endedAt: undefined,
      nextTouchAt: at(14),
      awaitingTask: { taskId, attempt: 2, touchDueAt: at(13), deadlineAt: at(14) },
      lastTaskOutcome: { taskId: `${PROSPECT}.${SEQUENCE}.1.earlier`, attempt: 1, outcome: 'no_answer', at: at(10) },
    };
    await store.putEnrollmentBatch({ prospects: [prospect(PROSPECT)], enrollments: [waiting], timeline: [] });
    const item = await raw.get(PROSPECT, SEQUENCE);
    expect(item?.['awaitingTask']).toEqual({ taskId, attempt: 2, touchDueAt: Date.parse(at(13)), deadlineAt: Date.parse(at(14)) });
    expect(item?.['lastTaskOutcome']).toMatchObject({ at: Date.parse(at(10)) });
    expect(await store.getEnrollment(waiting.id)).toEqual(waiting);

    const outcome = { taskId, attempt: 2, outcome: 'connected' as const, at: at(13.5) };
    const advance = {
      enrollmentId: waiting.id,
      expected: { status: 'active' as const, run: 1, stepIndex: 5 },
      next: { status: 'active' as const, stepIndex: 6, nextTouchAt: at(15), pendingScheduleName: 'sched-6', updatedAt: at(13.5), lastTaskOutcome: outcome },
    };
    expect(await store.advanceEnrollment({ ...advance, expectedTask: { taskId, attempt: 1 } })).toBe('conflict');
    expect(await store.advanceEnrollment({ ...advance, expectedTask: { taskId, attempt: 2 } })).toBe('ok');
    expect((await raw.get(PROSPECT, SEQUENCE))?.['lastTaskOutcome']).toEqual({ ...outcome, at: Date.parse(at(13.5)) });
    const after = await store.getEnrollment(waiting.id);
    expect(after).toMatchObject({ lastTaskOutcome: outcome, nextTouchAt: at(15), updatedAt: at(13.5) });
    expect(after).not.toHaveProperty('awaitingTask');
  });

  it('writes advanced and reported touches in the same form', async () => {
    const touches = exampleTouches();
    const { 'break-up': last, ...first } = touches;
    await store.putEnrollmentBatch({
      prospects: [prospect(PROSPECT)],
      enrollments: [{ ...completed(first), status: 'active', stepIndex: 4, nextTouchAt: at(12), endedAt: undefined }],
      timeline: [],
    });
    expect(
      await store.advanceEnrollment({
        enrollmentId: `${PROSPECT}.${SEQUENCE}`,
        expected: { status: 'active', run: 1, stepIndex: 4 },
        next: { status: 'completed', stepIndex: 5, nextTouchAt: undefined, pendingScheduleName: undefined, updatedAt: at(12), endedAt: at(12) },
        touch: last,
      }),
    ).toBe('ok');
    const update = { enrollmentId: `${PROSPECT}.${SEQUENCE}`, stepId: 'break-up', providerMessageId: sesId(3) };
    expect(await store.updateTouchStatus({ ...update, status: 'undelivered', from: ['sent'], error: 'bounce: General' })).toBe('ok');
    const item = await raw.get(PROSPECT, SEQUENCE);
    expect(item?.['touches']['break-up']).toEqual({ i: 4, c: 'email', s: 'undelivered', a: Date.parse(at(12)), m: sesId(3), e: 'bounce: General' });
    expect(item).toMatchObject({ updatedAt: Date.parse(at(12)), endedAt: Date.parse(at(12)) });
    expect(item).not.toHaveProperty('nextTouchAt');
    expect(await store.getEnrollment(update.enrollmentId)).toEqual(
      completed({ ...touches, 'break-up': { ...last!, status: 'undelivered', error: 'bounce: General' } }),
    );
  });
});

describe('enrollment items the previous version wrote (long names, ISO times)', () => {
  const ID = `${PROSPECT}.${SEQUENCE}`;
  const oldTouch = (stepIndex: number, channel: 'email' | 'sms', providerMessageId: string, status = 'sent') => ({
    stepIndex,
    channel,
    status,
    at: at(stepIndex * 3),
    providerMessageId,
  });
  const oldItem = () => ({
    pk: `P#${PROSPECT}`,
    sk: `E#${SEQUENCE}`,
    entity: 'enrollment',
    seqKey: `Q#${SEQUENCE}`,
    seqSort: `active#002#${at(6)}#${PROSPECT}`,
    version: 1,
    run: 1,
    status: 'active',
    stepIndex: 2,
    nextTouchAt: at(6),
    pendingScheduleName: 'sched-2',
    thread: { messageIdHeader: `<${sesId(1)}@email.amazonses.com>`, subject: 'Hello' },
    touches: {
      intro: oldTouch(0, 'email', sesId(1)),
      // Older still: a record with its own copy of the step id.
      'check-in': { ...oldTouch(1, 'sms', smsSid(1), 'delivered'), stepId: 'check-in' },
    },
    createdAt: T0,
    updatedAt: at(3),
    enrolledEvent: {},
  });
  const expected = (): Enrollment => ({
    id: ID,
    prospectId: PROSPECT,
    sequenceId: SEQUENCE,
    version: 1,
    run: 1,
    status: 'active',
    stepIndex: 2,
    nextTouchAt: at(6),
    pendingScheduleName: 'sched-2',
    thread: { messageIdHeader: `<${sesId(1)}@email.amazonses.com>`, subject: 'Hello' },
    touches: {
      intro: { stepId: 'intro', stepIndex: 0, channel: 'email', status: 'sent', at: at(0), providerMessageId: sesId(1) },
      'check-in': { stepId: 'check-in', stepIndex: 1, channel: 'sms', status: 'delivered', at: at(3), providerMessageId: smsSid(1) },
    },
    createdAt: T0,
    updatedAt: at(3),
    enrolledEvent: {},
  });
  beforeEach(async () => {
    await store.putEnrollmentBatch({ prospects: [prospect(PROSPECT)], enrollments: [], timeline: [] });
    await raw.put(oldItem());
  });

  it('reads as the same enrollment, in full and in the by-sequence list', async () => {
    expect(await store.getEnrollment(ID)).toEqual(expected());
    expect(await store.listEnrollments(PROSPECT)).toEqual([expected()]);
    const page = await store.listEnrollmentsBySequence({ sequenceId: SEQUENCE, limit: 10 });
    expect(page.items).toEqual([
      { id: ID, prospectId: PROSPECT, sequenceId: SEQUENCE, status: 'active', stepIndex: 2, nextTouchAt: at(6), version: 1, run: 1, createdAt: T0, updatedAt: at(3) },
    ]);
  });

  it('takes delivery reports on an old touch record, once, and never moves its status back', async () => {
    const report = { enrollmentId: ID, stepId: 'intro', providerMessageId: sesId(1) };
    expect(await store.updateTouchStatus({ ...report, providerMessageId: sesId(9), status: 'delivered', from: ['sent'] })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...report, status: 'delivered', from: ['sent'] })).toBe('ok');
    expect((await store.getEnrollment(ID))?.touches['intro']?.status).toBe('delivered');
    // The old `status: 'sent'` is still beside the new one: it must not let the report in again.
    expect((await raw.get(PROSPECT, SEQUENCE))?.['touches']['intro']).toMatchObject({ status: 'sent', s: 'delivered' });
    expect(await store.updateTouchStatus({ ...report, status: 'delivered', from: ['sent'] })).toBe('conflict');
    // A late bounce still moves delivered → undelivered.
    expect(await store.updateTouchStatus({ ...report, status: 'undelivered', from: ['sent', 'delivered'], error: 'bounce: General' })).toBe('ok');
    expect((await store.getEnrollment(ID))?.touches['intro']).toEqual({
      ...expected().touches['intro'],
      status: 'undelivered',
      error: 'bounce: General',
    });
    // An old record already past `from` takes nothing.
    const sms = { enrollmentId: ID, stepId: 'check-in', providerMessageId: smsSid(1) };
    expect(await store.updateTouchStatus({ ...sms, status: 'delivered', from: ['sent'] })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...sms, status: 'undelivered', from: ['sent', 'delivered'], error: '30003' })).toBe('ok');
    expect((await store.getEnrollment(ID))?.touches['check-in']).toMatchObject({ status: 'undelivered', error: '30003' });
  });

  it('reads and matches a record that has both names as its short one', async () => {
    const item = oldItem();
    await raw.put({ ...item, touches: { ...item.touches, intro: { ...oldTouch(0, 'email', sesId(1)), s: 'undelivered', e: 'bounce: General' } } });
    expect((await store.getEnrollment(ID))?.touches['intro']).toMatchObject({ status: 'undelivered', error: 'bounce: General' });
    const report = { enrollmentId: ID, stepId: 'intro', providerMessageId: sesId(1), status: 'delivered' as const, from: ['sent' as const] };
    expect(await store.updateTouchStatus(report)).toBe('conflict');
    expect((await store.getEnrollment(ID))?.touches['intro']?.status).toBe('undelivered');
  });

  it('reads the times of an awaited task as before, and matches it', async () => {
    const taskId = `${PROSPECT}.${SEQUENCE}.1.call`;
    const awaitingTask = { taskId, attempt: 1, touchDueAt: at(6), deadlineAt: at(7) };
    const lastTaskOutcome = { taskId: `${PROSPECT}.${SEQUENCE}.1.earlier`, attempt: 1, outcome: 'no_answer', at: at(5) };
    await raw.put({ ...oldItem(), awaitingTask, lastTaskOutcome });
    expect(await store.getEnrollment(ID)).toEqual({ ...expected(), awaitingTask, lastTaskOutcome });
    expect(
      await store.advanceEnrollment({
        enrollmentId: ID,
        expected: { status: 'active', run: 1, stepIndex: 2 },
        expectedTask: { taskId, attempt: 1 },
        next: { status: 'active', stepIndex: 3, nextTouchAt: at(9), pendingScheduleName: 'sched-3', updatedAt: at(6) },
      }),
    ).toBe('ok');
    expect(await store.getEnrollment(ID)).toMatchObject({ stepIndex: 3, lastTaskOutcome });
  });

  it('is claimed and advanced as before; the new touch beside the old ones is in the new form', async () => {
    const claim = { enrollmentId: ID, prospectId: PROSPECT, sequenceId: SEQUENCE, run: 1, stepIndex: 2, leaseUntil: at(6.01) };
    expect(await store.claimTouch(claim, new Date(at(6)))).toBe('ok');
    const story: TouchRecord = { stepId: 'customer-story', stepIndex: 2, channel: 'email', status: 'sent', at: at(6), providerMessageId: sesId(2) };
    expect(
      await store.advanceEnrollment({
        enrollmentId: ID,
        expected: { status: 'active', run: 1, stepIndex: 2 },
        next: { status: 'active', stepIndex: 3, nextTouchAt: at(9), pendingScheduleName: 'sched-3', updatedAt: at(6) },
        touch: story,
      }),
    ).toBe('ok');
    const item = await raw.get(PROSPECT, SEQUENCE);
    expect(item?.['touches']['customer-story']).toEqual({ i: 2, c: 'email', s: 'sent', a: Date.parse(at(6)), m: sesId(2) });
    // Only what the advance wrote changed form.
    expect(item).toMatchObject({ createdAt: T0, updatedAt: Date.parse(at(6)), nextTouchAt: Date.parse(at(9)) });
    expect(await store.getEnrollment(ID)).toEqual({
      ...expected(),
      stepIndex: 3,
      nextTouchAt: at(9),
      pendingScheduleName: 'sched-3',
      updatedAt: at(6),
      touches: { ...expected().touches, 'customer-story': story },
    });
  });
});
