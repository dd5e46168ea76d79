/** Sequence counters: atomic ADD updates, never scans. */
import type { CounterStore, SequenceCounterDelta } from '../../ports.js';
import { Update } from './conditions.js';
import { keys } from './keys.js';
import type { Table } from './requests.js';

export class DynamoCounters implements CounterStore {
  constructor(private readonly table: Table) {}

  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    const entries = Object.entries(delta.deltas);
    if (entries.length === 0) return;
    const update = new Update();
    for (const [counter, amount] of entries) {
      if (counter === 'pk' || counter === 'sk') throw new Error(`Reserved counter name: ${counter}`);
      if (!Number.isFinite(amount)) throw new RangeError(`Counter ${counter}: ${amount} is not a finite number`);
      update.add(counter, amount);
    }
    await this.table.update(keys.counters(delta.sequenceId), update);
  }

  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    const item = await this.table.get(keys.counters(sequenceId));
    const counters: Record<string, number> = {};
    for (const [name, value] of Object.entries(item ?? {})) {
      if (name !== 'pk' && name !== 'sk' && typeof value === 'number') counters[name] = value;
    }
    return counters;
  }
}
