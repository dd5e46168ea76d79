import { inboxQueryShape, inboxStart } from '../../../functions/adapters/dynamodb/inbox.js';
import { encodeCursor } from '../../../functions/adapters/dynamodb/cursors.js';
import { inboxIndexKeys, keys } from '../../../functions/adapters/dynamodb/keys.js';
import type { InboxItem } from '../../../functions/domain/inbox.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import type { ConditionalWriteResult, InboxQuery, InboxStore } from '../../../functions/ports.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { clone, stored, type FakeTables } from './state.js';

/** Like the adapter: byList / byInbox newest first, the `since` bound, pages, cursors of this query only. */
export class FakeInbox implements InboxStore {
  constructor(private readonly tables: FakeTables) {}

  async putInboxItem(item: InboxItem): Promise<ConditionalWriteResult> {
    const key = keys.inboxItem(item.id);
    if (!key || !item.id.startsWith(`${item.prospectId}.`)) throw new Error(`Inbox item id must be "<prospectId>.<16 hex>": ${item.id}`);
    inboxIndexKeys(item);
    if (this.tables.inbox.has(item.id)) return 'conflict';
    this.tables.inbox.set(item.id, stored(item));
    return 'ok';
  }

  async getInboxItem(id: string): Promise<InboxItem | undefined> {
    const found = this.tables.inbox.get(id);
    return found ? clone(found) : undefined;
  }

  async listInbox(query: InboxQuery): Promise<Page<InboxItem>> {
    const limit = checkPageLimit(query.limit);
    const shape = inboxQueryShape(query);
    const after = query.cursor ? inboxStart(query.cursor, shape) : undefined;
    const entries: IndexEntry<InboxItem>[] = [...this.tables.inbox.values()].map((item) => {
      const indexed = inboxIndexKeys(item);
      const key = keys.inboxItem(item.id) as { pk: string; sk: string };
      return {
        partition: String(indexed[shape.keyName]),
        sort: String(indexed['listSort']),
        startKey: { ...key, [shape.keyName]: String(indexed[shape.keyName]), listSort: String(indexed['listSort']) },
        value: item,
      };
    });
    const page = queryIndex(entries, {
      partition: shape.partition,
      ...(shape.since !== undefined ? { atLeast: shape.since } : {}),
      limit,
      descending: true,
      ...(after ? { after: String(after['listSort']) } : {}),
    });
    return {
      items: page.values.map(clone),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind: 'inbox', filter: shape.filter, after: page.lastKey }) } : {}),
    };
  }

  async setInboxHandled(update: { id: string; handled: boolean; by: string; at: string }): Promise<InboxItem | undefined> {
    const found = this.tables.inbox.get(update.id);
    if (!found) return undefined;
    found.handled = update.handled;
    if (update.handled) {
      found.handledBy = update.by;
      found.handledAt = update.at;
    } else {
      delete found.handledBy;
      delete found.handledAt;
    }
    return clone(found);
  }
}
