/**
 * The embedded DynamoDB (dynalite) must not keep an open LevelDB iterator per Query or
 * Scan: each one pins a snapshot of the data until the database closes, so the server's
 * memory grew with every Query of an import (functions/local/dynalite-iterators.ts).
 * Resources the database holds are counted where abstract-level attaches and detaches them.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

interface LevelPrototype {
  attachResource(resource: unknown): void;
  detachResource(resource: unknown): void;
}

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { AbstractLevel } = fromDynalite('abstract-level') as { AbstractLevel: { prototype: LevelPrototype } };

let open = 0;
const { attachResource, detachResource } = AbstractLevel.prototype;
AbstractLevel.prototype.attachResource = function (resource) {
  open += 1;
  attachResource.call(this, resource);
};
AbstractLevel.prototype.detachResource = function (resource) {
  open -= 1;
  detachResource.call(this, resource);
};

describe('the embedded DynamoDB closes the iterators of Queries and Scans', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    AbstractLevel.prototype.attachResource = attachResource;
    AbstractLevel.prototype.detachResource = detachResource;
    await db?.close();
  });

  it('holds no iterator once 40 Queries (found and not found) and a Scan have answered', async () => {
    for (let i = 0; i < 20; i++) await db.client.send(new PutCommand({ TableName: db.tableName, Item: { pk: `P#${i}`, sk: 'PROFILE' } }));
    const before = open;
    for (let i = 0; i < 40; i++) {
      const { Items } = await db.client.send(
        new QueryCommand({ TableName: db.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `P#${i}` } }),
      );
      expect(Items).toHaveLength(i < 20 ? 1 : 0);
    }
    await db.client.send(new ScanCommand({ TableName: db.tableName, Limit: 5 }));
    // The stream closes its iterator just after it answered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(open - before).toBe(0);
  });
});
