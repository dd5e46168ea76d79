/**
 * The Store contract of the console's queries (prospect search, a sequence's enrollments:
 * order, filters, pages, cursors), run against the in-memory fake AND the DynamoDB adapter
 * on dynalite; then, on dynalite only, what a page costs in requests.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../functions/domain/page.js';
import { normalizeSearchQuery } from '../../../functions/domain/search-query.js';
import type { Store } from '../../../functions/ports.js';
import { countDynamoDbRequests } from '../../support/dynalite.js';
import { at, contractStores, enrollment, prospect, seed, T0 } from './contract-fixtures.js';

const { implementations, freshDynamoStore, db } = contractStores();

describe.each(implementations)('Store query contract: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
  });

  describe('searchProspects', () => {
    const people = () => [
      prospect('p_ada', { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', email: 'ada@example.com', phone: '+14155550123' }),
      prospect('p_adam', { firstName: 'Adam', lastName: 'Smith', company: 'Acme' }),
      prospect('p_zoe', { firstName: 'Zoë', lastName: 'Ångström', company: 'Ærø' }),
      prospect('p_bob', { firstName: 'Bob', lastName: 'Adams', company: 'Adaptive Co' }),
      prospect('p_anon', { firstName: undefined, company: 'Adagio' }),
      prospect('p_fan', { firstName: 'Acme', lastName: 'Fan', company: 'ACME' }),
      prospect('p_carl', { firstName: 'Carl', company: 'Beta', email: 'ada@example.com' }),
    ];
    const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);
    beforeEach(async () => {
      await seed(store, people());
    });

    it('finds a name or company prefix, case- and accent-insensitive, sorted by the text matched', async () => {
      expect(ids(await store.searchProspects({ q: 'ada', limit: 20 }))).toEqual(['p_ada', 'p_anon', 'p_adam', 'p_bob']);
      expect(ids(await store.searchProspects({ q: 'ZOË Å', limit: 20 }))).toEqual(['p_zoe']);
      expect(ids(await store.searchProspects({ q: '  zoe   angst ', limit: 20 }))).toEqual(['p_zoe']);
      expect(ids(await store.searchProspects({ q: 'ærø', limit: 20 }))).toEqual(['p_zoe']);
      expect(ids(await store.searchProspects({ q: 'lovelace', limit: 20 }))).toEqual([]);
      expect(ids(await store.searchProspects({ q: '', limit: 20 }))).toEqual([]);
    });

    it('lists a prospect whose name and company both match once, by its name', async () => {
      // "acme fan" (name of p_fan) sorts before "acme" + the id (company of p_adam and p_fan).
      expect(ids(await store.searchProspects({ q: 'acme', limit: 20 }))).toEqual(['p_fan', 'p_adam']);
    });

    it('pages through a prefix with cursors: every match once, in order, whatever the page size', async () => {
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 20; page++) {
          const result = await store.searchProspects({ q: 'a', limit, ...(cursor ? { cursor } : {}) });
          expect(result.items.length).toBeLessThanOrEqual(limit);
          seen.push(...ids(result));
          cursor = result.nextCursor;
          if (!cursor) break;
        }
        expect(cursor).toBeUndefined();
        expect(seen).toEqual(ids(await store.searchProspects({ q: 'a', limit: 100 })));
      }
      expect(ids(await store.searchProspects({ q: 'a', limit: 100 }))).toEqual(['p_fan', 'p_ada', 'p_anon', 'p_adam', 'p_bob']);
    });

    it('matches an email or a phone exactly, with the fields a result list shows', async () => {
      const byEmail = await store.searchProspects({ q: ' ADA@Example.com ', limit: 10 });
      expect(ids(byEmail)).toEqual(['p_ada', 'p_carl']);
      expect(byEmail.items[0]).toEqual({
        id: 'p_ada',
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines',
        email: 'ada@example.com',
        phone: '+14155550123',
        updatedAt: T0,
      });
      expect(ids(await store.searchProspects({ q: normalizeSearchQuery('(415) 555-0123', 'US'), limit: 10 }))).toEqual(['p_ada']);
      expect(ids(await store.searchProspects({ q: '+1 (415) 555-0123', limit: 10 }))).toEqual(['p_ada']);
      expect(ids(await store.searchProspects({ q: 'nobody@example.com', limit: 10 }))).toEqual([]);
      const first = await store.searchProspects({ q: 'ada@example.com', limit: 1 });
      expect(ids(first)).toEqual(['p_ada']);
      const second = await store.searchProspects({ q: 'ada@example.com', limit: 1, cursor: first.nextCursor as string });
      expect(ids(second)).toEqual(['p_carl']);
    });

    it('refuses a cursor of another search, a tampered one, and page sizes outside 1..100', async () => {
      const page = await store.searchProspects({ q: 'ada', limit: 1 });
      expect(page.nextCursor).toBeDefined();
      const cursor = page.nextCursor as string;
      await expect(store.searchProspects({ q: 'zoe', limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
      await expect(store.searchProspects({ q: 'ada@example.com', limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
      await expect(store.searchProspects({ q: 'ada', limit: 1, cursor: cursor.slice(0, -3) })).rejects.toThrow(InvalidCursorError);
      await expect(store.searchProspects({ q: 'ada', limit: 1, cursor: 'not a cursor' })).rejects.toThrow(InvalidCursorError);
      const forged = Buffer.from(JSON.stringify({ v: 1, kind: 'text', name: { after: { pk: 'P#x', sk: 'PROFILE', nameKey: 'N#z', nameSort: 'zz#x' } }, company: 'done' })).toString('base64url');
      await expect(store.searchProspects({ q: 'ada', limit: 1, cursor: forged })).rejects.toThrow(InvalidCursorError);
      const error = await store.searchProspects({ q: 'ada', limit: 1, cursor: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'InvalidCursorError', field: 'cursor' });
      await expect(store.searchProspects({ q: 'ada', limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.searchProspects({ q: 'ada', limit: 101 })).rejects.toThrow(RangeError);
    });

    it('follows a re-import and an erasure', async () => {
      await seed(store, [prospect('p_ada', { firstName: 'Augusta', lastName: 'King', email: 'augusta@example.com' })]);
      expect(ids(await store.searchProspects({ q: 'ada', limit: 20 }))).toEqual(['p_anon', 'p_adam', 'p_bob']);
      expect(ids(await store.searchProspects({ q: 'augusta k', limit: 20 }))).toEqual(['p_ada']);
      expect(ids(await store.searchProspects({ q: '+14155550123', limit: 20 }))).toEqual([]);
      await store.deleteProspectData('p_ada');
      expect(ids(await store.searchProspects({ q: 'augusta', limit: 20 }))).toEqual([]);
      expect(ids(await store.searchProspects({ q: 'augusta@example.com', limit: 20 }))).toEqual([]);
    });
  });

  describe('listEnrollmentsBySequence', () => {
    const rows = () => [
      enrollment('p1', 'welcome', { status: 'active', stepIndex: 1, nextTouchAt: at(300) }),
      enrollment('p2', 'welcome', { status: 'active', stepIndex: 0, nextTouchAt: at(200) }),
      enrollment('p3', 'welcome', { status: 'active', stepIndex: 1, nextTouchAt: at(100) }),
      enrollment('p4', 'welcome', { status: 'paused', stepIndex: 1, nextTouchAt: at(50), resumeAt: at(60) }),
      enrollment('p5', 'welcome', { status: 'completed', stepIndex: 2, nextTouchAt: undefined, pendingScheduleName: undefined, endedAt: at(9) }),
      enrollment('p6', 'welcome', { status: 'replied', stepIndex: 1, nextTouchAt: undefined, pendingScheduleName: undefined, endedAt: at(8), endReason: 'reply' }),
      enrollment('p7', 'welcome', { status: 'active', stepIndex: 0, nextTouchAt: at(100) }),
      enrollment('p1', 'other', { status: 'active', stepIndex: 0 }),
    ];
    const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);
    const all = async (query: Omit<Parameters<Store['listEnrollmentsBySequence']>[0], 'limit' | 'cursor'>, limit: number) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 30; page++) {
        const result = await store.listEnrollmentsBySequence({ ...query, limit, ...(cursor ? { cursor } : {}) });
        expect(result.items.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(result));
        cursor = result.nextCursor;
        if (!cursor) return seen;
      }
      throw new Error('too many pages');
    };
    beforeEach(async () => {
      await seed(store, ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((id) => prospect(id)), rows());
    });

    it('lists by status, then by the step and next touch (soonest first) each had when it took its status, with the summary fields', async () => {
      const page = await store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 100 });
      expect(ids(page)).toEqual(['p7.welcome', 'p2.welcome', 'p3.welcome', 'p1.welcome', 'p5.welcome', 'p4.welcome', 'p6.welcome']);
      expect(page.nextCursor).toBeUndefined();
      const { touches: _t, pendingScheduleName: _s, resumeAt: _r, ...summary } = rows()[3]!;
      expect(page.items[5]).toEqual(summary);
      expect(page.items[6]).toMatchObject({ status: 'replied', endReason: 'reply', endedAt: at(8) });
      expect(page.items[6]).not.toHaveProperty('nextTouchAt');
    });

    it('narrows to a status, and to a step with or without one (a filter: pages may be short)', async () => {
      expect(await all({ sequenceId: 'welcome', status: 'active' }, 100)).toEqual(['p7.welcome', 'p2.welcome', 'p3.welcome', 'p1.welcome']);
      expect(await all({ sequenceId: 'welcome', status: 'active', stepIndex: 1 }, 100)).toEqual(['p3.welcome', 'p1.welcome']);
      expect(await all({ sequenceId: 'welcome', status: 'bounced' }, 100)).toEqual([]);
      expect(await all({ sequenceId: 'welcome', stepIndex: 1 }, 2)).toEqual(['p3.welcome', 'p1.welcome', 'p4.welcome', 'p6.welcome']);
      expect(await all({ sequenceId: 'nope' }, 5)).toEqual([]);
    });

    it('pages with cursors: every enrollment once, in order, whatever the page size', async () => {
      const everything = ids(await store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 100 }));
      for (const limit of [1, 2, 3, 7]) expect(await all({ sequenceId: 'welcome' }, limit)).toEqual(everything);
      expect(await all({ sequenceId: 'welcome', status: 'active' }, 3)).toEqual(everything.slice(0, 4));
    });

    it('moves an enrollment in the list when it advances or ends', async () => {
      await store.advanceEnrollment({
        enrollmentId: 'p7.welcome',
        expected: { status: 'active', run: 1, stepIndex: 0 },
        next: { status: 'stopped', stepIndex: 0, updatedAt: at(1), endedAt: at(1), endReason: 'manual' },
      });
      expect(await all({ sequenceId: 'welcome', status: 'active', stepIndex: 0 }, 10)).toEqual(['p2.welcome']);
      expect(await all({ sequenceId: 'welcome', status: 'stopped' }, 10)).toEqual(['p7.welcome']);
      await store.deleteProspectData('p2');
      expect(await all({ sequenceId: 'welcome', status: 'active', stepIndex: 0 }, 10)).toEqual([]);
    });

    it('keeps an enrollment in its place while it advances within its status; the step filter follows its current step', async () => {
      await store.advanceEnrollment({
        enrollmentId: 'p2.welcome',
        expected: { status: 'active', run: 1, stepIndex: 0 },
        next: { status: 'active', stepIndex: 1, nextTouchAt: at(400), pendingScheduleName: 's', updatedAt: at(1) },
      });
      const active = await store.listEnrollmentsBySequence({ sequenceId: 'welcome', status: 'active', limit: 100 });
      expect(ids(active)).toEqual(['p7.welcome', 'p2.welcome', 'p3.welcome', 'p1.welcome']);
      // The summary is the current one.
      expect(active.items[1]).toMatchObject({ stepIndex: 1, nextTouchAt: at(400) });
      expect(await all({ sequenceId: 'welcome', status: 'active', stepIndex: 0 }, 1)).toEqual(['p7.welcome']);
      expect(await all({ sequenceId: 'welcome', status: 'active', stepIndex: 1 }, 1)).toEqual(['p2.welcome', 'p3.welcome', 'p1.welcome']);
      // A status change moves it: paused, it sorts by the step and time it was paused at.
      await store.advanceEnrollment({
        enrollmentId: 'p2.welcome',
        expected: { status: 'active', run: 1, stepIndex: 1 },
        next: { status: 'paused', stepIndex: 1, nextTouchAt: at(10), updatedAt: at(2) },
      });
      expect(await all({ sequenceId: 'welcome', status: 'paused' }, 10)).toEqual(['p2.welcome', 'p4.welcome']);
    });

    it('refuses a cursor of another list or another status, and bad page sizes or steps', async () => {
      const page = await store.listEnrollmentsBySequence({ sequenceId: 'welcome', status: 'active', limit: 1 });
      const cursor = page.nextCursor as string;
      expect(cursor).toBeDefined();
      await expect(store.listEnrollmentsBySequence({ sequenceId: 'other', limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
      await expect(store.listEnrollmentsBySequence({ sequenceId: 'welcome', status: 'paused', limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
      const search = await store.searchProspects({ q: 'p', limit: 1 });
      if (search.nextCursor) {
        await expect(store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 1, cursor: search.nextCursor })).rejects.toThrow(InvalidCursorError);
      }
      await expect(store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 1, cursor: `${cursor}x` })).rejects.toThrow(InvalidCursorError);
      await expect(store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 101 })).rejects.toThrow(RangeError);
      await expect(store.listEnrollmentsBySequence({ sequenceId: 'welcome', stepIndex: 1000, limit: 1 })).rejects.toThrow(RangeError);
      // The cursor still works for the list it came from.
      expect(ids(await store.listEnrollmentsBySequence({ sequenceId: 'welcome', status: 'active', limit: 1, cursor }))).toEqual(['p2.welcome']);
    });
  });
});

describe('DynamoDbStore queries on dynalite', () => {
  let store: Store;
  beforeEach(async () => {
    ({ store } = await freshDynamoStore());
  });

  it('a page of search or of a sequence\'s enrollments is at most 2 requests, whatever the table size', async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      prospect(`p${String(i).padStart(3, '0')}`, { firstName: 'Ada', lastName: `N${i}`, company: `Adaco ${i}` }),
    );
    await seed(store, many, many.map((p) => enrollment(p.id, 'welcome')));
    const counter = countDynamoDbRequests(db().client);
    try {
      const byText = await store.searchProspects({ q: 'ada', limit: 100 });
      expect(byText.items).toHaveLength(100);
      expect(counter.operations).toEqual(['Query', 'Query']);
      counter.reset();
      await store.searchProspects({ q: 'ada', limit: 100, cursor: byText.nextCursor as string });
      expect(counter.operations).toEqual(['Query', 'Query']);
      counter.reset();
      expect((await store.searchProspects({ q: 'p007@example.com', limit: 100 })).items).toHaveLength(1);
      expect(counter.operations).toEqual(['Query', 'BatchGetItem']);
      counter.reset();
      const enrollments = await store.listEnrollmentsBySequence({ sequenceId: 'welcome', status: 'active', limit: 100 });
      expect(enrollments.items).toHaveLength(100);
      expect(counter.operations).toEqual(['Query']);
    } finally {
      counter.detach();
    }
  });
});
