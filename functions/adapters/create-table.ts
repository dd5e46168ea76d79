/**
 * Creates THE table from `TABLE_DEFINITION` (the same constant the CDK stack uses), for
 * the embedded runtime and the integration tests: on-demand billing, every GSI with the
 * projection the constant gives it. Idempotent: an existing table is fine (a persistent
 * local store restarts), unless it lacks an index of this version (`OutdatedTableError`).
 * Waits until the table and its indexes are ACTIVE. A table it created gets the layout
 * marker that says every phone's holders item is complete (nothing is stored yet).
 *
 * TTL (`expiresAt`) is not configured here: dynalite implements no UpdateTimeToLive and
 * would not expire items anyway. In AWS the CDK stack sets it.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_DEFINITION, type IndexProjection } from '../table-definition.js';
import { keys } from './dynamodb/keys.js';

const marker = keys.phoneHoldersMarker();
const PHONE_HOLDERS_MARKER = { pk: { S: marker.pk }, sk: { S: marker.sk }, entity: { S: 'layout-marker' } };

function projectionOf(projection: IndexProjection): Projection {
  switch (projection.type) {
    case 'ALL':
    case 'KEYS_ONLY':
      return { ProjectionType: projection.type };
    case 'INCLUDE':
      return { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.nonKeyAttributes] };
  }
}

/** The table exists but was created with an older key layout: its items lack this version's index keys. */
export class OutdatedTableError extends Error {
  override name = 'OutdatedTableError';
  constructor(
    readonly tableName: string,
    readonly missingIndexes: string[],
  ) {
    super(
      `Table ${tableName} was created by an older version of Followup (it has no ${missingIndexes.join(', ')} ` +
        'index), so this version cannot read its data. Start with an empty data directory (or delete the table).',
    );
  }
}

export interface CreateTableOptions {
  /** Give up waiting for ACTIVE after this long (default 30 s). */
  timeoutMs?: number;
}

export async function createTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: CreateTableOptions = {},
): Promise<void> {
  // A document client shares config and middleware with the client it wraps, so it can
  // send plain DynamoDB commands as well.
  const ddb = client as DynamoDBClient;
  const def = TABLE_DEFINITION;

  const attributes = new Map<string, AttributeDefinition>();
  const declare = (key: { name: string; type: 'S' | 'N' | 'B' }) =>
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  declare(def.partitionKey);
  declare(def.sortKey);

  const indexes: GlobalSecondaryIndex[] = def.globalSecondaryIndexes.map((gsi) => {
    declare(gsi.partitionKey);
    declare(gsi.sortKey);
    return {
      IndexName: gsi.indexName,
      KeySchema: [
        { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: projectionOf(gsi.projection),
    };
  });

  let created = false;
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [
          { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexes,
      }),
    );
    created = true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    // A table kept from an older version (a persistent local store) may lack an index this
    // version queries: say so now, not as a failed query later.
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const missing = def.globalSecondaryIndexes.map((i) => i.indexName).filter((name) => !present.has(name));
    if (missing.length > 0) throw new OutdatedTableError(tableName, missing);
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) {
      // An empty table trivially lists every phone's holders: enrolling need not Query byPhone
      // (keys.ts, "phone holders"). A table kept from before has no marker until backfilled.
      if (created) await ddb.send(new PutItemCommand({ TableName: tableName, Item: PHONE_HOLDERS_MARKER }));
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Table ${tableName} not ACTIVE after ${options.timeoutMs ?? 30_000} ms (${Table?.TableStatus})`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
