/**
 * Fixtures and setup shared by the Store contract suites (store-contract.test.ts,
 * query-contract.test.ts), which run against the in-memory fake AND the DynamoDB adapter.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import type { Enrollment, Prospect, Suppression, TimelineEvent, TouchClaim } from '../../../functions/domain/records.js';
import type { PublishedSequence } from '../../../functions/domain/sequence.js';
import type { Store, TouchMessage } from '../../../functions/ports.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import {
  countDynamoDbRequests,
  startDynalite,
  type DynamoDbRequestCounter,
  type RunningDynalite,
} from '../../support/dynalite.js';

export const T0 = '2025-03-03T09:00:00.000Z';
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export function sequence(id: string, version: number, name = `Sequence ${id}`): PublishedSequence {
  return {
    id,
    version,
    hash: `hash-${id}-${version}`,
    publishedAt: at(version),
    definition: {
      id,
      name,
      defaultTimezone: 'America/New_York',
      owner: 'owner@example.com',
      window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
      stopOnReply: true,
      onPermanentFailure: 'skip_step',
      sender: { name: 'Sam', email: { from: 'sam@example.com' } },
      attributes: { plan: 'pro' },
      steps: [
        { id: 'intro', channel: 'email', wait: { amount: 0, unit: 'minutes' }, template: 'intro.liquid' },
        { id: 'nudge', channel: 'sms', wait: { amount: 2, unit: 'businessDays' }, template: 'nudge.liquid' },
      ],
    },
    templates: {
      'intro.liquid': { channel: 'email', subject: 'Hi {{ prospect.firstName }}', html: '', text: 'Hello' },
      'nudge.liquid': { channel: 'sms', body: 'Quick nudge' },
    },
    warnings: [],
  };
}

export function prospect(id: string, fields: Partial<Prospect> = {}): Prospect {
  return {
    id,
    email: `${id}@example.com`,
    phone: undefined,
    firstName: 'Ann',
    attributes: { plan: 'pro', empty: '' },
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

export function enrollment(prospectId: string, sequenceId: string, fields: Partial<Enrollment> = {}): Enrollment {
  return {
    id: `${prospectId}.${sequenceId}`,
    prospectId,
    sequenceId,
    version: 1,
    run: 1,
    status: 'active',
    stepIndex: 0,
    nextTouchAt: at(60),
    pendingScheduleName: `sched-${prospectId}-0`,
    touches: {},
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

export function event(prospectId: string, minutes: number, type: TimelineEvent['type'] = 'sent'): TimelineEvent {
  return { prospectId, at: at(minutes), type, sequenceId: 'seq', detail: `m${minutes}` };
}

export function suppression(address: string, fields: Partial<Suppression> = {}): Suppression {
  return {
    address,
    addressHash: addressHash(address),
    channel: address.startsWith('+') ? 'sms' : 'email',
    reason: 'unsubscribe',
    source: 'test',
    createdAt: T0,
    ...fields,
  };
}

export function claimFor(e: Enrollment, leaseUntil: string): TouchClaim {
  return {
    enrollmentId: e.id,
    prospectId: e.prospectId,
    sequenceId: e.sequenceId,
    run: e.run,
    stepIndex: e.stepIndex,
    leaseUntil,
  };
}

export function messageFor(e: Enrollment, p?: Prospect): TouchMessage {
  return {
    enrollmentId: e.id,
    prospectId: e.prospectId,
    sequenceId: e.sequenceId,
    run: e.run,
    stepIndex: e.stepIndex,
    dueAt: e.nextTouchAt ?? T0,
    ...(p
      ? {
          addressHashes: {
            ...(p.email ? { email: addressHash(p.email) } : {}),
            ...(p.phone ? { phone: addressHash(p.phone) } : {}),
          },
        }
      : {}),
  };
}

export async function seed(store: Store, prospects: Prospect[], enrollments: Enrollment[] = [], timeline: TimelineEvent[] = []) {
  await store.putEnrollmentBatch({ prospects, enrollments, timeline });
}

/**
 * Runs a contract suite against the in-memory fake AND the DynamoDB adapter on one
 * dynalite per file (a fresh table per store), and checks afterwards that no code path
 * of the store scanned the table.
 */
export function contractStores(): {
  implementations: [string, () => Promise<Store>][];
  freshDynamoStore(): Promise<{ store: DynamoDbStore; tableName: string }>;
  db(): RunningDynalite;
} {
  let db: RunningDynalite;
  let tableCount = 0;
  /** Every request the whole file sends to dynalite. */
  let suiteRequests: DynamoDbRequestCounter;

  beforeAll(async () => {
    db = await startDynalite({ createTable: false });
    suiteRequests = countDynamoDbRequests(db.client);
  });

  afterAll(async () => {
    // No code path of the store scans the table.
    expect(suiteRequests.requests).toBeGreaterThan(100);
    expect(suiteRequests.operations).not.toContain('Scan');
    await db?.close();
  });

  async function freshDynamoStore(): Promise<{ store: DynamoDbStore; tableName: string }> {
    const tableName = `contract-${++tableCount}`;
    await db.createTable(tableName);
    return { store: new DynamoDbStore({ client: db.client, tableName }), tableName };
  }

  return {
    implementations: [
      ['InMemoryStore', async () => new InMemoryStore()],
      ['DynamoDbStore', async () => (await freshDynamoStore()).store],
    ],
    freshDynamoStore,
    db: () => db,
  };
}
