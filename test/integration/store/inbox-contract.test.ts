/**
 * The Store contract of the inbox and of the version list, against the in-memory fake AND
 * the DynamoDB adapter on dynalite: newest first, kinds and `since` (alone and combined),
 * pages and cursors of one query only, handled marks, erasure; then what a page costs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { inboxItemId, type InboxItem } from '../../../functions/domain/inbox.js';
import { InvalidCursorError } from '../../../functions/domain/page.js';
import type { InboxKind } from '../../../functions/domain/records.js';
import type { InboxQuery, Store } from '../../../functions/ports.js';
import { countDynamoDbRequests } from '../../support/dynalite.js';
import { at, contractStores, enrollment, prospect, seed, sequence } from './contract-fixtures.js';

const { implementations, freshDynamoStore, db } = contractStores();

function item(prospectId: string, minutes: number, kind: InboxKind, fields: Partial<InboxItem> = {}): InboxItem {
  return {
    id: inboxItemId(prospectId, `test:${kind}:${minutes}`),
    kind,
    at: at(minutes),
    prospectId,
    channel: kind === 'reply' && minutes % 2 === 1 ? 'sms' : 'email',
    text: `${kind} at ${minutes}`,
    handled: false,
    ...fields,
  };
}

const KINDS: InboxKind[] = ['reply', 'opt_out', 'bounce', 'auto_reply'];
/** 12 items: minute m has kind KINDS[m % 4], prospects p1..p3. */
const ITEMS = Array.from({ length: 12 }, (_, m) => item(`p_${(m % 3) + 1}`, m, KINDS[m % 4] as InboxKind, { sequenceId: 'welcome', stepId: 'intro' }));

describe.each(implementations)('Store inbox contract: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
    for (const entry of ITEMS) expect(await store.putInboxItem(entry)).toBe('ok');
  });

  const minutesOf = (page: { items: InboxItem[] }) => page.items.map((i) => Date.parse(i.at) / 60_000 - Date.parse(at(0)) / 60_000);
  async function all(query: Omit<InboxQuery, 'limit' | 'cursor'>, limit: number): Promise<number[]> {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 40; page++) {
      const result = await store.listInbox({ ...query, limit, ...(cursor ? { cursor } : {}) });
      expect(result.items.length).toBeLessThanOrEqual(limit);
      seen.push(...minutesOf(result));
      cursor = result.nextCursor;
      if (!cursor) return seen;
    }
    throw new Error('too many pages');
  }

  it('writes an item once: a redelivery keeps the stored one (and its handled mark)', async () => {
    const first = ITEMS[0] as InboxItem;
    await store.setInboxHandled({ id: first.id, handled: true, by: 'user:ann@example.com', at: at(100) });
    expect(await store.putInboxItem({ ...first, text: 'again' })).toBe('conflict');
    expect(await store.getInboxItem(first.id)).toEqual({ ...first, handled: true, handledBy: 'user:ann@example.com', handledAt: at(100) });
    expect(await store.getInboxItem(inboxItemId('p_1', 'nothing'))).toBeUndefined();
    expect(await store.getInboxItem('not-an-id')).toBeUndefined();
  });

  it('lists newest first, all kinds or one, from since on, alone and combined', async () => {
    const page = await store.listInbox({ limit: 100 });
    expect(minutesOf(page)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(page.items[0]).toEqual(ITEMS[11]);
    expect(page.nextCursor).toBeUndefined();
    expect(await all({ kind: 'reply' }, 100)).toEqual([8, 4, 0]);
    expect(await all({ kind: 'bounce' }, 100)).toEqual([10, 6, 2]);
    expect(await all({ since: new Date(at(7)) }, 100)).toEqual([11, 10, 9, 8, 7]);
    expect(await all({ kind: 'opt_out', since: new Date(at(5)) }, 100)).toEqual([9, 5]);
    expect(await all({ kind: 'auto_reply', since: new Date(at(12)) }, 100)).toEqual([]);
  });

  it('pages with cursors: every item once, in order, whatever the page size', async () => {
    for (const limit of [1, 2, 5]) {
      expect(await all({}, limit)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await all({ kind: 'reply', since: new Date(at(3)) }, limit)).toEqual([8, 4]);
    }
  });

  it('refuses a cursor of another query (kind, since, another list), a tampered one, bad page sizes', async () => {
    const { nextCursor } = await store.listInbox({ kind: 'reply', limit: 1 });
    const cursor = nextCursor as string;
    expect(cursor).toBeDefined();
    await expect(store.listInbox({ limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
    await expect(store.listInbox({ kind: 'bounce', limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
    await expect(store.listInbox({ kind: 'reply', since: new Date(at(1)), limit: 1, cursor })).rejects.toThrow(InvalidCursorError);
    await seed(store, [prospect('p1')], [enrollment('p1', 'welcome'), enrollment('p1', 'other', { status: 'paused' })]);
    const enrollments = await store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 1 });
    const other = (await store.listEnrollmentsBySequence({ sequenceId: 'welcome', limit: 1 })).nextCursor;
    if (other) await expect(store.listInbox({ limit: 1, cursor: other })).rejects.toThrow(InvalidCursorError);
    expect(enrollments.items).toHaveLength(1);
    await expect(store.listInbox({ kind: 'reply', limit: 1, cursor: `${cursor}A` })).rejects.toThrow(InvalidCursorError);
    const forged = Buffer.from(JSON.stringify({ v: 1, kind: 'inbox', filter: 'reply|', after: { pk: 'P#x', sk: 'I#y', inboxKey: 'INBOX#bounce', listSort: 'z' } })).toString('base64url');
    await expect(store.listInbox({ kind: 'reply', limit: 1, cursor: forged })).rejects.toThrow(InvalidCursorError);
    const before = Buffer.from(JSON.stringify({ v: 1, kind: 'inbox', filter: `*|${at(6)}`, after: { pk: 'P#p_1', sk: 'I#0', listKey: 'INBOX', listSort: `${at(1)}#x` } })).toString('base64url');
    await expect(store.listInbox({ since: new Date(at(6)), limit: 1, cursor: before })).rejects.toThrow(InvalidCursorError);
    await expect(store.listInbox({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.listInbox({ limit: 101 })).rejects.toThrow(RangeError);
    // Still good for its own query.
    expect(minutesOf(await store.listInbox({ kind: 'reply', limit: 1, cursor }))).toEqual([4]);
  });

  it('marks handled and back, shown by the list; an unknown item is undefined', async () => {
    const target = ITEMS[4] as InboxItem;
    expect(await store.setInboxHandled({ id: target.id, handled: true, by: 'user:ann@example.com', at: at(50) })).toEqual({
      ...target,
      handled: true,
      handledBy: 'user:ann@example.com',
      handledAt: at(50),
    });
    expect((await store.listInbox({ kind: 'reply', limit: 100 })).items.find((i) => i.id === target.id)).toMatchObject({ handled: true, handledBy: 'user:ann@example.com' });
    const back = await store.setInboxHandled({ id: target.id, handled: false, by: 'apiKey', at: at(51) });
    expect(back).toEqual(target);
    expect(await store.setInboxHandled({ id: inboxItemId('p_9', 'x'), handled: true, by: 'apiKey', at: at(1) })).toBeUndefined();
    expect(await store.getInboxItem(inboxItemId('p_9', 'x'))).toBeUndefined();
  });

  it('erasure takes the prospect out of the inbox', async () => {
    await store.deleteProspectData('p_1');
    const left = (await store.listInbox({ limit: 100 })).items;
    expect(left.map((i) => i.prospectId)).not.toContain('p_1');
    expect(left).toHaveLength(8);
  });

  it('lists a sequence\'s versions oldest first, without their content', async () => {
    await store.putSequenceVersion(sequence('welcome', 1));
    await store.putSequenceVersion(sequence('welcome', 2));
    await store.putSequenceVersion(sequence('other', 1));
    expect(await store.listSequenceVersions('welcome')).toEqual([
      { version: 1, publishedAt: at(1), hash: 'hash-welcome-1' },
      { version: 2, publishedAt: at(2), hash: 'hash-welcome-2' },
    ]);
    expect(await store.listSequenceVersions('nope')).toEqual([]);
  });
});

describe('DynamoDbStore inbox on dynalite', () => {
  it('a page of the inbox is ONE Query, whatever the kind, since or page', async () => {
    const { store } = await freshDynamoStore();
    for (let m = 0; m < 300; m++) await store.putInboxItem(item(`p_${m % 7}`, m, KINDS[m % 4] as InboxKind));
    const counter = countDynamoDbRequests(db().client);
    try {
      const first = await store.listInbox({ limit: 100 });
      expect(first.items).toHaveLength(100);
      await store.listInbox({ limit: 100, cursor: first.nextCursor as string });
      await store.listInbox({ kind: 'reply', since: new Date(at(10)), limit: 50 });
      expect(counter.operations).toEqual(['Query', 'Query', 'Query']);
    } finally {
      counter.detach();
    }
  });
});
