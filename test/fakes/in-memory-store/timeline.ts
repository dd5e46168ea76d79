import { timelineOnceSortKey, timelineSortKey } from '../../../functions/adapters/dynamodb/keys.js';
import type { TimelineEvent } from '../../../functions/domain/records.js';
import type { ConditionalWriteResult, TimelineStore } from '../../../functions/ports.js';
import { byString, clone, stored, type FakeTables } from './state.js';

export class FakeTimeline implements TimelineStore {
  constructor(private readonly tables: FakeTables) {}

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    putTimeline(this.tables, events);
  }

  async appendTimelineOnce(event: TimelineEvent, onceKey: string): Promise<ConditionalWriteResult> {
    const sortKey = timelineOnceSortKey(event.at, onceKey);
    const forProspect = this.tables.timeline.get(event.prospectId) ?? new Map<string, TimelineEvent>();
    if (forProspect.has(sortKey)) return 'conflict';
    forProspect.set(sortKey, stored(event));
    this.tables.timeline.set(event.prospectId, forProspect);
    return 'ok';
  }

  async listTimeline(prospectId: string, options: { newest?: number } = {}): Promise<TimelineEvent[]> {
    const events = this.tables.timeline.get(prospectId);
    if (!events) return [];
    const sorted = [...events.entries()].sort(([a], [b]) => byString(a, b)).map(([, event]) => clone(event));
    if (options.newest === undefined) return sorted;
    return sorted.reverse().slice(0, Math.max(1, Math.min(100, Math.floor(options.newest))));
  }
}

/** Keyed like DynamoDB (UTC `at` + content hash): a retried append overwrites instead of duplicating. */
export function putTimeline(tables: FakeTables, events: TimelineEvent[]): void {
  for (const event of events) {
    const sortKey = timelineSortKey(event);
    const forProspect = tables.timeline.get(event.prospectId) ?? new Map<string, TimelineEvent>();
    forProspect.set(sortKey, stored(event));
    tables.timeline.set(event.prospectId, forProspect);
  }
}
