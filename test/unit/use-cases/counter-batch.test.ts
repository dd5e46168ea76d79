/**
 * Counters written once per batch of touches (use-cases/counter-batch.ts): the sums a
 * stats page shows are the same as with one write per touch, split by UTC day as before,
 * and a failed write is logged, never thrown into the batch's records.
 */
import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { CounterBatch } from '../../../functions/use-cases/counter-batch.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { RecordingLogger, silentLogger } from '../../fakes/logger.js';

describe('CounterBatch', () => {
  it('adds a batch up into one write per sequence and UTC day, with the same sums', async () => {
    const store = new InMemoryStore();
    const batch = new CounterBatch();
    const batched = batch.wrap(store);
    await batched.addToCounters({ sequenceId: 'a', deltas: { 'step.intro.sent': 1, touched: 1 }, at: new Date('2026-11-23T15:00:00Z') });
    await batched.addToCounters({ sequenceId: 'a', deltas: { 'step.intro.sent': 1 }, at: new Date('2026-11-23T23:59:59Z') });
    await batched.addToCounters({ sequenceId: 'a', deltas: { 'step.intro.sent': 1 }, at: new Date('2026-11-24T00:00:01Z') });
    await batched.addToCounters({ sequenceId: 'b', deltas: { 'status.active': -1, 'status.completed': 1 }, at: new Date('2026-11-23T16:00:00Z') });
    // Nothing is written until the batch ends.
    expect(store.calls.addToCounters).toBe(0);
    expect(await store.getCounters('a')).toEqual({});

    await batch.flush(store, silentLogger);
    expect(store.calls.addToCounters).toBe(3);
    expect(await store.getDailyCounters('a', '2026-11-23', '2026-11-24')).toEqual([
      { day: '2026-11-23', counters: { 'step.intro.sent': 2, touched: 1 } },
      { day: '2026-11-24', counters: { 'step.intro.sent': 1 } },
    ]);
    expect(await store.getCounters('b')).toEqual({ 'status.active': -1, 'status.completed': 1 });

    // The next batch starts empty.
    await batch.flush(store, silentLogger);
    expect(store.calls.addToCounters).toBe(3);
  });

  it('leaves every other store call to the store itself', async () => {
    const store = new InMemoryStore();
    const batched = new CounterBatch().wrap(store);
    await batched.putSuppression({ address: 'a@example.com', addressHash: addressHash('a@example.com'), channel: 'email', reason: 'unsubscribe', source: 'test', createdAt: '2026-11-23T15:00:00.000Z' });
    expect(await store.getSuppression('a@example.com')).toMatchObject({ reason: 'unsubscribe' });
    expect(store.calls.putSuppression).toBe(1);
  });

  it('logs a failed write with ids only and does not throw (counters are a view; the enrollments are on record)', async () => {
    const store = new InMemoryStore();
    store.addToCounters = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };
    const logger = new RecordingLogger();
    const batch = new CounterBatch();
    batch.add({ sequenceId: 'a', deltas: { 'step.intro.sent': 1 }, at: new Date('2026-11-23T15:00:00Z') });
    await expect(batch.flush(store, logger)).resolves.toBeUndefined();
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'error', message: 'sequence counters of a batch were not written', attributes: { sequenceId: 'a', counters: 1, error: 'ProvisionedThroughputExceededException' } }),
    ]);
  });
});
