/**
 * The inbox: one item per inbound message and prospect, listed newest first through
 * byList (`INBOX`, all kinds) or byInbox (`INBOX#<kind>`). Layout and why in keys.ts ("Inbox").
 */
import type { InboxItem } from '../../domain/inbox.js';
import { checkPageLimit, InvalidCursorError, type Page } from '../../domain/page.js';
import type { ConditionalWriteResult, InboxQuery, InboxStore } from '../../ports.js';
import { absent, exists } from './conditions.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from './cursors.js';
import { fromItem, inboxItemOf, type Item } from './items.js';
import { INDEX, inboxPartition, keys, prefix } from './keys.js';
import { Update } from './conditions.js';
import type { Table } from './requests.js';

/** Where a page of the inbox comes from: the index, its partition key, and the lower bound of `listSort`. */
export function inboxQueryShape(query: Pick<InboxQuery, 'kind' | 'since'>) {
  const index = query.kind ? INDEX.byInbox : INDEX.byList;
  const keyName = query.kind ? 'inboxKey' : 'listKey';
  const since = query.since ? checkedSince(query.since) : undefined;
  return { index, keyName, partition: inboxPartition(query.kind), since, filter: `${query.kind ?? '*'}|${since ?? ''}` };
}

function checkedSince(since: Date): string {
  if (Number.isNaN(since.getTime())) throw new RangeError('since is not a valid time');
  return since.toISOString();
}

/** The start key of an inbox cursor, checked to belong to this very query. */
export function inboxStart(cursor: string, shape: ReturnType<typeof inboxQueryShape>): StartKey {
  const decoded = decodeCursor(cursor, 'inbox');
  if (decoded.filter !== shape.filter) throw new InvalidCursorError('it continues the inbox with other filters');
  const after = checkStartKey(decoded.after, {
    attributes: ['pk', 'sk', shape.keyName, 'listSort'],
    expected: { [shape.keyName]: shape.partition },
    prefixes: { pk: prefix.prospect, sk: prefix.inbox },
  });
  // DynamoDB refuses a start key outside the key condition (a 500 otherwise).
  if (shape.since !== undefined && String(after['listSort']) < shape.since) throw new InvalidCursorError('it points before since');
  return after;
}

export class DynamoInbox implements InboxStore {
  constructor(private readonly table: Table) {}

  putInboxItem(item: InboxItem): Promise<ConditionalWriteResult> {
    return this.table.put(inboxItemOf(item), absent());
  }

  async getInboxItem(id: string): Promise<InboxItem | undefined> {
    const key = keys.inboxItem(id);
    if (!key) return undefined;
    const item = await this.table.get(key);
    return item ? fromItem<InboxItem>(item) : undefined;
  }

  async listInbox(query: InboxQuery): Promise<Page<InboxItem>> {
    const limit = checkPageLimit(query.limit);
    const shape = inboxQueryShape(query);
    const after = query.cursor ? inboxStart(query.cursor, shape) : undefined;
    const page = await this.table.queryPage(
      {
        IndexName: shape.index,
        KeyConditionExpression: shape.since !== undefined ? '#k = :k AND #s >= :since' : '#k = :k',
        ExpressionAttributeNames: { '#k': shape.keyName, ...(shape.since !== undefined ? { '#s': 'listSort' } : {}) },
        ExpressionAttributeValues: { ':k': shape.partition, ...(shape.since !== undefined ? { ':since': shape.since } : {}) },
        ScanIndexForward: false,
        Limit: limit,
      },
      after,
    );
    return {
      items: page.items.map((item: Item) => fromItem<InboxItem>(item)),
      ...(page.lastEvaluatedKey
        ? { nextCursor: encodeCursor({ v: 1, kind: 'inbox', filter: shape.filter, after: page.lastEvaluatedKey as StartKey }) }
        : {}),
    };
  }

  async setInboxHandled(update: { id: string; handled: boolean; by: string; at: string }): Promise<InboxItem | undefined> {
    const key = keys.inboxItem(update.id);
    if (!key) return undefined;
    const write = new Update().set('handled', update.handled);
    if (update.handled) write.set('handledBy', update.by).set('handledAt', update.at);
    else write.remove('handledBy').remove('handledAt');
    const written = await this.table.updateReturning(key, write, exists());
    return written === 'conflict' ? undefined : fromItem<InboxItem>(written);
  }
}
