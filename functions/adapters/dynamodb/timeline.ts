/** The timeline: one item per event in the prospect's partition, keyed by time and content. */
import type { TimelineEvent } from '../../domain/records.js';
import type { TimelineStore } from '../../ports.js';
import { fromItem, toItem } from './items.js';
import { keys, prefix, prospectPk } from './keys.js';
import type { Table, WriteRequest } from './requests.js';

/** The write request of one timeline event (also used by the enrollment batch). */
export function timelinePut(event: TimelineEvent): WriteRequest {
  return { PutRequest: { Item: toItem(keys.timeline(event), 'timeline', event) } };
}

export class DynamoTimeline implements TimelineStore {
  constructor(private readonly table: Table) {}

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    await this.table.batchWrite(events.map(timelinePut));
  }

  async listTimeline(prospectId: string): Promise<TimelineEvent[]> {
    const items = await this.table.queryPartition(prospectPk(prospectId), prefix.timeline);
    return items.map((item) => fromItem<TimelineEvent>(item));
  }
}
