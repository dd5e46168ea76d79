/** The timeline: one item per event in the prospect's partition, keyed by time and content. */
import type { TimelineEvent } from '../../domain/records.js';
import type { TimelineStore } from '../../ports.js';
import { timelineFromItem, timelineItem } from './items.js';
import { keys, prefix, prospectPk } from './keys.js';
import type { Table, WriteRequest } from './requests.js';

/** The write request of one timeline event (also used by the enrollment batch). */
export function timelinePut(event: TimelineEvent): WriteRequest {
  return { PutRequest: { Item: timelineItem(keys.timeline(event), event) } };
}

export class DynamoTimeline implements TimelineStore {
  constructor(private readonly table: Table) {}

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    await this.table.batchWrite(events.map(timelinePut));
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
