import { checkStartKey, decodeCursor, encodeCursor } from '../../../functions/adapters/dynamodb/cursors.js';
import { DELIVERIES_PK, keys } from '../../../functions/adapters/dynamodb/keys.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import type { WebhookDelivery } from '../../../functions/domain/webhook-events.js';
import type { WebhookDeliveryStore } from '../../../functions/ports.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { clone, stored, type FakeTables } from './state.js';

export class FakeWebhookDeliveries implements WebhookDeliveryStore {
  constructor(private readonly tables: FakeTables) {}

  async recordWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    this.tables.deliveries.set(keys.delivery(delivery).sk, stored(delivery));
  }

  async listWebhookDeliveries(query: { limit: number; cursor?: string }): Promise<Page<WebhookDelivery>> {
    const limit = checkPageLimit(query.limit);
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'deliveries').after, { attributes: ['pk', 'sk'], expected: { pk: DELIVERIES_PK }, prefixes: {} })
      : undefined;
    const entries: IndexEntry<WebhookDelivery>[] = [...this.tables.deliveries.entries()].map(([sk, value]) => ({
      partition: DELIVERIES_PK,
      sort: sk,
      startKey: { pk: DELIVERIES_PK, sk },
      value,
    }));
    const page = queryIndex(entries, { partition: DELIVERIES_PK, limit, descending: true, ...(after ? { after: String(after['sk']) } : {}) });
    return {
      items: page.values.map(clone),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind: 'deliveries', after: page.lastKey }) } : {}),
    };
  }
}
