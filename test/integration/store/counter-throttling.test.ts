/**
 * "Counters are never lost to a throttled write": the DynamoDB adapter retries a counter
 * update that DynamoDB throttled (the SDK's own retries used up), with backoff. Proven on
 * dynalite with an SDK middleware that answers a burst of counter updates with
 * ProvisionedThroughputExceededException before they reach the server, like DynamoDB does
 * when a partition is over its capacity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.close();
});

/** Throttles the next `count` UpdateItem requests of the client; returns how many it threw. */
function throttleUpdates(client: RunningDynalite['client'], count: number) {
  let thrown = 0;
  const name = `throttle-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/^Update(Item)?Command$/.test(String(context.commandName)) && thrown < count) {
        thrown++;
        throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return { thrown: () => thrown, remove: () => client.middlewareStack.remove(name) };
}

describe('counter updates under throttling (DynamoDB adapter on dynalite)', () => {
  it('retries throttled updates with backoff until every increment is in the totals', async () => {
    const store = new DynamoDbStore({ client: db.client, tableName: db.tableName, retryBaseDelayMs: 1 });
    const at = new Date('2026-11-23T15:00:00Z');
    const throttle = throttleUpdates(db.client, 30);
    try {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 1, 'status.active': 2 }, at }),
        ),
      );
    } finally {
      throttle.remove();
    }
    expect(throttle.thrown()).toBe(30);
    expect(await store.getCounters('welcome')).toEqual({ 'step.intro.sent': 20, 'status.active': 40 });
  });
});
