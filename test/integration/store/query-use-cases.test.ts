/**
 * The query use cases on the DynamoDB adapter (dynalite): pages of a sequence's prospects
 * and enrollments with filters combined (status + step, status + q), every item once over
 * several pages, cursors of another query refused, and each page at most 2 requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import { InvalidCursorError, InvalidQueryError } from '../../../functions/domain/page.js';
import type { Store } from '../../../functions/ports.js';
import { listProspects } from '../../../functions/use-cases/list-prospects.js';
import { listSequenceEnrollments } from '../../../functions/use-cases/list-sequence-enrollments.js';
import type { UseCaseContext } from '../../../functions/use-cases/context.js';
import { countDynamoDbRequests, startDynalite, type RunningDynalite } from '../../support/dynalite.js';
import { at, enrollment, prospect, seed, sequence } from './contract-fixtures.js';

let dynalite: RunningDynalite;
const db = () => dynalite;
afterAll(() => dynalite?.close());

let store: Store;
let ctx: UseCaseContext;
const STATUSES = ['active', 'paused', 'replied'] as const;

beforeAll(async () => {
  dynalite = await startDynalite();
  store = new DynamoDbStore({ client: dynalite.client, tableName: dynalite.tableName });
  ctx = {
    store,
    scheduler: { schedule: async () => undefined, cancel: async () => undefined },
    clock: { now: () => new Date(at(0)) },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    settings: { publicUrl: 'https://f.example', signingSecret: 'secret-0123456789abcdef', defaultPhoneRegion: 'US', claimLeaseSeconds: 300 },
  };
  await store.putSequenceVersion(sequence('welcome', 1));
  // 45 prospects: i % 3 → status, i % 2 → step, names Ann… / Bea…
  const people = Array.from({ length: 45 }, (_, i) => prospect(`p_${String(i).padStart(3, '0')}`, { firstName: i % 2 ? 'Bea' : 'Ann', lastName: `N${i}`, timezone: 'Europe/Berlin' }));
  await seed(
    store,
    people,
    people.map((p, i) => enrollment(p.id, 'welcome', { status: STATUSES[i % 3], stepIndex: i % 2, nextTouchAt: at(1000 + i) })),
  );
});

async function pages<T>(first: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await first(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
    count++;
  } while (cursor && count < 50);
  return { items, pages: count };
}

describe('query use cases on dynalite', () => {
  it("a sequence's prospects in one status, narrowed by q, over several pages, each page ≤ 2 requests", async () => {
    const counter = countDynamoDbRequests(db().client);
    try {
      const active = await pages((cursor) => listProspects(ctx, { sequence: 'welcome', status: 'active', limit: 4, ...(cursor ? { cursor } : {}) }));
      expect(active.items).toHaveLength(15);
      expect(new Set(active.items.map((p) => p.id)).size).toBe(15);
      expect(active.pages).toBeGreaterThanOrEqual(4);
      expect(counter.requests).toBeLessThanOrEqual(active.pages * 2);
      expect(active.items.every((p) => p.enrollments?.[0]?.status === 'active')).toBe(true);
      const beas = await pages((cursor) => listProspects(ctx, { sequence: 'welcome', status: 'active', q: 'bea', limit: 4, ...(cursor ? { cursor } : {}) }));
      expect(beas.items.map((p) => p.firstName)).toEqual(Array(7).fill('Bea'));
    } finally {
      counter.detach();
    }
  });

  it('enrollments by status and step (id or index), with local times, over pages, refusing foreign cursors', async () => {
    const paused = await pages((cursor) => listSequenceEnrollments(ctx, { sequenceId: 'welcome', status: 'paused', step: 'nudge', limit: 3, ...(cursor ? { cursor } : {}) }));
    // i % 3 = 1 and i % 2 = 1: i = 1, 7, 13, … 43 → 8 enrollments, soonest touch first.
    expect(paused.items.map((e) => e.prospectId)).toEqual(['p_001', 'p_007', 'p_013', 'p_019', 'p_025', 'p_031', 'p_037', 'p_043']);
    expect(paused.items[0]).toMatchObject({ stepId: 'nudge', timezone: 'Europe/Berlin', prospect: { firstName: 'Bea' } });
    expect(paused.items[0]?.nextTouchLocal).toMatch(/\+01:00$/);
    const byIndex = await pages((cursor) => listSequenceEnrollments(ctx, { sequenceId: 'welcome', status: 'paused', step: '1', limit: 100, ...(cursor ? { cursor } : {}) }));
    expect(byIndex.items.map((e) => e.id)).toEqual(paused.items.map((e) => e.id));

    const page = await listSequenceEnrollments(ctx, { sequenceId: 'welcome', status: 'active', limit: 2 });
    await expect(listSequenceEnrollments(ctx, { sequenceId: 'welcome', status: 'replied', limit: 2, cursor: page.nextCursor as string })).rejects.toThrow(InvalidCursorError);
    await expect(listProspects(ctx, { q: 'ann', limit: 2, cursor: page.nextCursor as string })).rejects.toThrow(InvalidCursorError);
    await expect(listSequenceEnrollments(ctx, { sequenceId: 'welcome', step: 'nope', limit: 2 })).rejects.toThrow(InvalidQueryError);
    await expect(listProspects(ctx, { status: 'active', limit: 2 })).rejects.toMatchObject({ field: 'status' });
  });
});
