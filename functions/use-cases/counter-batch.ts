/**
 * Counter deltas gathered over one batch of touches and written once: one `addToCounters`
 * per sequence and UTC day instead of one per touch, so a happy-path touch costs 3
 * DynamoDB requests, not 4 (docs/architecture.md, "The touch pipeline").
 *
 * Counters are a view; the enrollment item is the truth. What a crash can lose: the
 * deltas of the touches of the batch in flight (the touch worker's SQS batch, or the
 * embedded scheduler's run of deliveries), never more than one batch, and it never
 * counts twice (a redelivered touch is stale and adds nothing). A failed flush is logged
 * and dropped for the same reason: retrying the batch's records would not count them.
 */
import type { Logger, SequenceCounterDelta, Store } from '../ports.js';

export class CounterBatch {
  /** Summed deltas by sequence and UTC day (the day decides the daily series). */
  private pending = new Map<string, SequenceCounterDelta>();

  /** The store as the batch's touches see it: the same, except that counter writes wait for `flush`. */
  wrap(store: Store): Store {
    const add = async (delta: Parameters<Store['addToCounters']>[0]) => this.add(delta);
    // Every other property (reads and writes alike) is the store's own.
    return new Proxy(store, { get: (target, property, receiver) => (property === 'addToCounters' ? add : Reflect.get(target, property, receiver)) });
  }

  add(delta: SequenceCounterDelta): void {
    const day = delta.at.toISOString().slice(0, 10);
    const key = `${delta.sequenceId}\u0000${day}`;
    const into = this.pending.get(key);
    if (!into) {
      this.pending.set(key, { sequenceId: delta.sequenceId, deltas: { ...delta.deltas }, at: delta.at });
      return;
    }
    for (const [counter, amount] of Object.entries(delta.deltas)) into.deltas[counter] = (into.deltas[counter] ?? 0) + amount;
    if (delta.at > into.at) into.at = delta.at;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes what was gathered (one request per sequence and day) and starts over; never throws. */
  async flush(store: Store, logger: Logger): Promise<void> {
    const writes = [...this.pending.values()];
    this.pending = new Map();
    await Promise.all(
      writes.map(async (delta) => {
        // Nothing is written for a delta that adds up to zero (e.g. paused then resumed).
        const deltas = Object.fromEntries(Object.entries(delta.deltas).filter(([, amount]) => amount !== 0));
        if (Object.keys(deltas).length === 0) return;
        try {
          await store.addToCounters({ ...delta, deltas });
        } catch (error) {
          logger.error('sequence counters of a batch were not written', {
            sequenceId: delta.sequenceId,
            counters: Object.keys(deltas).length,
            error: error instanceof Error ? error.name : 'unknown',
          });
        }
      }),
    );
  }
}
