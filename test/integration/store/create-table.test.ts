/**
 * The table the embedded runtime and the tests create comes from TABLE_DEFINITION, with
 * each index's projection; a table kept from an older layout is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createTable, OutdatedTableError } from '../../../functions/adapters/create-table.js';
import { TABLE_DEFINITION } from '../../../functions/table-definition.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

describe('createTable', () => {
  it('creates every index with the projection of the table definition, and is idempotent', async () => {
    await createTable(db.client, 'layout-current');
    await createTable(db.client, 'layout-current');
    const { Table } = await db.rawClient.send(new DescribeTableCommand({ TableName: 'layout-current' }));
    const projections = Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.Projection]));
    expect(Object.keys(projections).sort()).toEqual(TABLE_DEFINITION.globalSecondaryIndexes.map((i) => i.indexName).sort());
    expect(projections['byEmail']).toEqual({ ProjectionType: 'KEYS_ONLY' });
    expect(projections['byList']).toEqual({ ProjectionType: 'ALL' });
    expect(projections['bySequence']).toMatchObject({ ProjectionType: 'INCLUDE', NonKeyAttributes: expect.arrayContaining(['status', 'nextTouchAt']) });
  });

  it('refuses a table of an older layout, naming the indexes it lacks', async () => {
    await db.rawClient.send(
      new CreateTableCommand({
        TableName: 'layout-old',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'addrKey', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byAddress',
            KeySchema: [
              { AttributeName: 'addrKey', KeyType: 'HASH' },
              { AttributeName: 'pk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    const error = await createTable(db.client, 'layout-old').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutdatedTableError);
    expect((error as Error).message).toMatch(/older version .*no byEmail, byPhone, byName, byCompany, bySequence, byInbox, byList index.*empty data directory/);
  });
});
