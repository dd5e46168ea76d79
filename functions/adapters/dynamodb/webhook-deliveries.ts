/** Outbound webhook delivery attempts, newest first, kept 30 days (TTL). Layout in keys.ts. */
import { checkPageLimit, type Page } from '../../domain/page.js';
import type { WebhookDelivery } from '../../domain/webhook-events.js';
import type { WebhookDeliveryStore } from '../../ports.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from './cursors.js';
import { fromItem, toItem } from './items.js';
import { DELIVERIES_PK, DELIVERY_RETENTION_SECONDS, keys } from './keys.js';
import type { Table } from './requests.js';

export class DynamoWebhookDeliveries implements WebhookDeliveryStore {
  constructor(private readonly table: Table) {}

  async recordWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    const expiresAt = Math.floor(Date.parse(delivery.at) / 1000) + DELIVERY_RETENTION_SECONDS;
    await this.table.put({ ...toItem(keys.delivery(delivery), 'webhook-delivery', delivery), expiresAt });
  }

  async listWebhookDeliveries(query: { limit: number; cursor?: string }): Promise<Page<WebhookDelivery>> {
    const limit = checkPageLimit(query.limit);
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'deliveries').after, { attributes: ['pk', 'sk'], expected: { pk: DELIVERIES_PK }, prefixes: {} })
      : undefined;
    const page = await this.table.queryPage(
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DELIVERIES_PK },
        ScanIndexForward: false,
        Limit: limit,
      },
      after,
    );
    return {
      items: page.items.map((item) => fromItem<WebhookDelivery>(item)),
      ...(page.lastEvaluatedKey ? { nextCursor: encodeCursor({ v: 1, kind: 'deliveries', after: page.lastEvaluatedKey as StartKey }) } : {}),
    };
  }
}
