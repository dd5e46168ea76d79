/**
 * Sequence counters: atomic ADD updates on sharded per-day items, summed on read; never
 * scans. The choice and its cost are documented in keys.ts ("Counters").
 */
import type { CounterStore, DailyCounters, SequenceCounterDelta } from '../../ports.js';
import { Update } from './conditions.js';
import type { Item } from './items.js';
import { COUNTER_SHARDS, counterDayOf, counterRange, keys, prefix, sequencePk, utcDay } from './keys.js';
import type { Table } from './requests.js';

/** Attributes of a counter item that are not counters. */
const NOT_COUNTERS = new Set(['pk', 'sk']);

export class DynamoCounters implements CounterStore {
  constructor(
    private readonly table: Table,
    private readonly pickShard: () => number = () => Math.floor(Math.random() * COUNTER_SHARDS),
  ) {}

  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    const entries = Object.entries(delta.deltas);
    if (entries.length === 0) return;
    const update = new Update();
    for (const [counter, amount] of entries) {
      if (NOT_COUNTERS.has(counter)) throw new Error(`Reserved counter name: ${counter}`);
      if (!Number.isFinite(amount)) throw new RangeError(`Counter ${counter}: ${amount} is not a finite number`);
      update.add(counter, amount);
    }
    const key = keys.counters(delta.sequenceId, utcDay(delta.at), this.pickShard());
    // A throttled ADD was not applied, so trying again cannot count twice; giving up would lose it.
    await this.table.retryingThrottles(() => this.table.update(key, update));
  }

  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: { ':pk': sequencePk(sequenceId), ':c': prefix.counters },
      ConsistentRead: true,
    });
    const totals: Record<string, number> = {};
    for (const item of items) addInto(totals, item);
    return totals;
  }

  async getDailyCounters(sequenceId: string, fromDay: string, toDay: string): Promise<DailyCounters[]> {
    const range = counterRange(fromDay, toDay);
    if (range.from > range.to) return [];
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': sequencePk(sequenceId), ':from': range.from, ':to': range.to },
      ConsistentRead: true,
    });
    const byDay = new Map<string, Record<string, number>>();
    for (const item of items) {
      const day = counterDayOf(item['sk']);
      const totals = byDay.get(day) ?? {};
      addInto(totals, item);
      byDay.set(day, totals);
    }
    // The Query returns items in sort-key order, so the days come out in order.
    return [...byDay].map(([day, counters]) => ({ day, counters }));
  }
}

function addInto(totals: Record<string, number>, item: Item): void {
  for (const [name, value] of Object.entries(item)) {
    if (!NOT_COUNTERS.has(name) && typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
  }
}
