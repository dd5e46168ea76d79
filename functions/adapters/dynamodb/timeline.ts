/** The timeline: one item per event in the prospect's partition, keyed by time and content. */
import type { TimelineEvent } from '../../domain/records.js';
import type { ConditionalWriteResult, TimelineStore } from '../../ports.js';
import { absent } from './conditions.js';
import { timelineFromItem, timelineItem, type Item } from './items.js';
import { keys, prefix, prospectPk } from './keys.js';
import type { Table, WriteRequest } from './requests.js';
import { mapWithConcurrency } from '../../async/concurrency.js';

/** The write request of one timeline event (also used by the enrollment batch). */
export function timelinePut(event: TimelineEvent): WriteRequest {
  return { PutRequest: { Item: timelineItem(keys.timeline(event), event) } };
}

/**
 * Appends of at most this many events are one PutItem each (8 at a time), so the touch
 * worker and the inbound functions — the Twilio webhook and unsubscribe anyone can reach —
 * need no BatchWriteItem permission (infra/permissions.ts): they append a few events, at
 * most one per step of a sequence (≤ 50 steps). Larger appends (a restarted run's history,
 * written by the API) are batched.
 */
export const SMALL_APPEND = 50;

export class DynamoTimeline implements TimelineStore {
  constructor(private readonly table: Table) {}

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    const puts = events.map(timelinePut);
    if (puts.length > SMALL_APPEND) {
      await this.table.batchWrite(puts);
      return;
    }
    // Idempotent like the batch: the key is derived from the content, so a retry overwrites.
    await mapWithConcurrency(puts, 8, (put) => this.table.put(put.PutRequest?.Item as Item));
  }

  async appendTimelineOnce(event: TimelineEvent, onceKey: string): Promise<ConditionalWriteResult> {
    return this.table.put(timelineItem(keys.timelineOnce(event, onceKey), event), absent());
  }

  async listTimeline(prospectId: string, options: { newest?: number } = {}): Promise<TimelineEvent[]> {
    if (options.newest !== undefined) {
      // One page, newest first: the sort key starts with the event's UTC time.
      const page = await this.table.queryPage({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': prospectPk(prospectId), ':prefix': prefix.timeline },
        ScanIndexForward: false,
        Limit: Math.max(1, Math.min(100, Math.floor(options.newest))),
        ConsistentRead: true,
      });
      return page.items.map(timelineFromItem);
    }
    const items = await this.table.queryPartition(prospectPk(prospectId), prefix.timeline);
    return items.map(timelineFromItem);
  }
}
