/**
 * Store contract for `updateTouchStatus` (delivery reports: SES events, Twilio status
 * callbacks), run against the in-memory fake AND the DynamoDB adapter on dynalite, like
 * store-contract.test.ts.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import type { Enrollment, Prospect, TouchRecord } from '../../../functions/domain/records.js';
import type { Store } from '../../../functions/ports.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { countDynamoDbRequests, startDynalite, type RunningDynalite } from '../../support/dynalite.js';

const T0 = '2025-03-03T09:00:00.000Z';

function prospect(id: string): Prospect {
  return { id, email: `${id}@example.com`, attributes: {}, createdAt: T0, updatedAt: T0 };
}

function sentTouch(fields: Partial<TouchRecord> = {}): TouchRecord {
  return {
    stepId: 'intro',
    stepIndex: 0,
    channel: 'email',
    status: 'sent',
    at: T0,
    providerMessageId: 'ses-1',
    messageIdHeader: '<ses-1@email.amazonses.com>',
    ...fields,
  };
}

function enrollment(prospectId: string, touches: Record<string, TouchRecord>): Enrollment {
  return {
    id: `${prospectId}.seq`,
    prospectId,
    sequenceId: 'seq',
    version: 1,
    run: 1,
    status: 'active',
    stepIndex: 1,
    nextTouchAt: T0,
    pendingScheduleName: 'sched',
    touches,
    createdAt: T0,
    updatedAt: T0,
  };
}

let db: RunningDynalite;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

const implementations: [string, () => Promise<Store>][] = [
  ['InMemoryStore', async () => new InMemoryStore()],
  [
    'DynamoDbStore',
    async () => {
      const tableName = `touch-status-${++tables}`;
      await db.createTable(tableName);
      return new DynamoDbStore({ client: db.client, tableName });
    },
  ],
];

describe.each(implementations)('Store.updateTouchStatus: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
    await store.putEnrollmentBatch({
      prospects: [prospect('p1')],
      enrollments: [enrollment('p1', { intro: sentTouch() })],
      timeline: [],
    });
  });

  it('updates the status of the named touch when the provider id and the from-status match', async () => {
    const result = await store.updateTouchStatus({
      enrollmentId: 'p1.seq',
      stepId: 'intro',
      providerMessageId: 'ses-1',
      status: 'delivered',
      from: ['sent'],
    });
    expect(result).toBe('ok');
    const stored = await store.getEnrollment('p1.seq');
    expect(stored?.touches['intro']).toEqual({ ...sentTouch(), status: 'delivered' });
    // Nothing else on the enrollment moved.
    expect({ ...stored, touches: {} }).toEqual({ ...enrollment('p1', {}) });
  });

  it('is idempotent: a repeated report is a conflict and changes nothing', async () => {
    const update = { enrollmentId: 'p1.seq', stepId: 'intro', providerMessageId: 'ses-1', status: 'delivered' as const, from: ['sent' as const] };
    expect(await store.updateTouchStatus(update)).toBe('ok');
    expect(await store.updateTouchStatus(update)).toBe('conflict');
  });

  it('records an error with a failure and allows delivered → undelivered (late bounce)', async () => {
    await store.updateTouchStatus({ enrollmentId: 'p1.seq', stepId: 'intro', providerMessageId: 'ses-1', status: 'delivered', from: ['sent'] });
    const result = await store.updateTouchStatus({
      enrollmentId: 'p1.seq',
      stepId: 'intro',
      providerMessageId: 'ses-1',
      status: 'undelivered',
      from: ['sent', 'delivered'],
      error: 'bounce: General',
    });
    expect(result).toBe('ok');
    expect((await store.getEnrollment('p1.seq'))?.touches['intro']).toMatchObject({ status: 'undelivered', error: 'bounce: General' });
  });

  it('refuses another message id, an unknown step, an unknown enrollment, and a status outside `from`', async () => {
    const base = { enrollmentId: 'p1.seq', stepId: 'intro', providerMessageId: 'ses-1', status: 'delivered' as const, from: ['sent' as const] };
    expect(await store.updateTouchStatus({ ...base, providerMessageId: 'ses-other' })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...base, stepId: 'nudge' })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...base, enrollmentId: 'p2.seq' })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...base, enrollmentId: 'not-an-id' })).toBe('conflict');
    expect(await store.updateTouchStatus({ ...base, from: ['delivered'] })).toBe('conflict');
    expect((await store.getEnrollment('p1.seq'))?.touches['intro']?.status).toBe('sent');
  });
});

describe('DynamoDbStore.updateTouchStatus on dynalite', () => {
  it('is ONE request', async () => {
    const tableName = `touch-status-${++tables}`;
    await db.createTable(tableName);
    const store = new DynamoDbStore({ client: db.client, tableName });
    await store.putEnrollmentBatch({ prospects: [prospect('p9')], enrollments: [enrollment('p9', { intro: sentTouch() })], timeline: [] });
    const counter = countDynamoDbRequests(db.client);
    await store.updateTouchStatus({ enrollmentId: 'p9.seq', stepId: 'intro', providerMessageId: 'ses-1', status: 'delivered', from: ['sent'] });
    expect(counter.operations).toEqual(['UpdateItem']);
    counter.detach();
  });
});

describe('DynamoDbStore touch records on dynalite', () => {
  it('keeps each touch record under its step id without a second copy of it, and reads it back whole; items written with the copy still read', async () => {
    const tableName = `touch-status-${++tables}`;
    await db.createTable(tableName);
    const store = new DynamoDbStore({ client: db.client, tableName });
    await store.putEnrollmentBatch({ prospects: [prospect('p8')], enrollments: [enrollment('p8', { intro: sentTouch() })], timeline: [] });
    const nudge: TouchRecord = { stepId: 'nudge', stepIndex: 1, channel: 'sms', status: 'sent', at: T0, providerMessageId: 'SM1' };
    await store.advanceEnrollment({
      enrollmentId: 'p8.seq',
      expected: { status: 'active', run: 1, stepIndex: 1 },
      next: { status: 'completed', stepIndex: 2, nextTouchAt: undefined, pendingScheduleName: undefined, updatedAt: T0, endedAt: T0 },
      touch: nudge,
    });
    const raw = await db.client.send(new GetCommand({ TableName: tableName, Key: { pk: 'P#p8', sk: 'E#seq' } }));
    expect(Object.keys(raw.Item?.['touches'] ?? {}).sort()).toEqual(['intro', 'nudge']);
    for (const record of Object.values(raw.Item?.['touches'] as Record<string, object>)) expect(record).not.toHaveProperty('stepId');
    expect((await store.getEnrollment('p8.seq'))?.touches).toEqual({ intro: sentTouch(), nudge });

    // An item from before: its records carry their step id.
    await db.client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'P#p8', sk: 'E#seq' },
        UpdateExpression: 'SET touches.intro = :t',
        ExpressionAttributeValues: { ':t': sentTouch({ status: 'delivered' }) },
      }),
    );
    expect((await store.getEnrollment('p8.seq'))?.touches['intro']).toEqual(sentTouch({ status: 'delivered' }));
  });
});

describe.each(implementations)('Store.markReplied: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
    await store.putEnrollmentBatch({ prospects: [prospect('p1')], enrollments: [enrollment('p1', { intro: sentTouch() })], timeline: [] });
  });

  it("is 'ok' once per run: the funnel counts a person who replied and kept going once", async () => {
    expect(await store.markReplied('p1.seq', 1)).toBe('ok');
    expect(await store.markReplied('p1.seq', 1)).toBe('conflict');
    expect((await store.getEnrollment('p1.seq'))?.repliedRun).toBe(1);
    // Another run's mark, and an enrollment that is not there, are conflicts that write nothing.
    expect(await store.markReplied('p1.seq', 2)).toBe('conflict');
    expect(await store.markReplied('nobody.seq', 1)).toBe('conflict');
    expect(await store.getEnrollment('nobody.seq')).toBeUndefined();
  });

  it('counts again in a later run of the same enrollment', async () => {
    expect(await store.markReplied('p1.seq', 1)).toBe('ok');
    const first = await store.getEnrollment('p1.seq');
    if (!first) throw new Error('no enrollment');
    expect(await store.restartEnrollment({ ...first, run: 2, status: 'active', stepIndex: 0, touches: {} }, 1)).toBe('conflict');
    await store.advanceEnrollment({
      enrollmentId: 'p1.seq',
      expected: { status: 'active', run: 1, stepIndex: 1 },
      next: { status: 'completed', stepIndex: 2, nextTouchAt: undefined, pendingScheduleName: undefined, updatedAt: T0, endedAt: T0 },
    });
    const ended = await store.getEnrollment('p1.seq');
    if (!ended) throw new Error('no enrollment');
    expect(await store.restartEnrollment({ ...ended, run: 2, status: 'active', stepIndex: 0, touches: {}, repliedRun: undefined }, 1)).toBe('ok');
    expect(await store.markReplied('p1.seq', 2)).toBe('ok');
    expect(await store.markReplied('p1.seq', 1)).toBe('conflict');
  });
});
