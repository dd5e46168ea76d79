/**
 * An in-process dynalite (DynamoDB on memory) for integration tests: 127.0.0.1, a free
 * port, no table state delays, dummy credentials, region us-east-1. The table comes from
 * `TABLE_DEFINITION` via `functions/adapters/create-table.ts` (the embedded runtime uses
 * the same function).
 *
 *   const db = await startDynalite();            // table created
 *   const store = new DynamoDbStore({ client: db.client, tableName: db.tableName });
 *   afterAll(() => db.close());
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable } from '../../functions/adapters/create-table.js';
import { closeDynaliteIterators } from '../../functions/local/dynalite-iterators.js';

export { countDynamoDbRequests, type DynamoDbRequestCounter } from '../../functions/adapters/dynamodb-request-counter.js';

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  maxItemSizeKb?: number;
  path?: string;
}

// dynalite ships no types; a local require keeps its typing in this file (no global `declare module`).
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: DynaliteOptions) => Server;

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Document client with `removeUndefinedValues`, pointed at this dynalite. */
  client: DynamoDBDocumentClient;
  /** The plain client under `client` (same middleware stack). */
  rawClient: DynamoDBClient;
  /** A fresh random name per start. */
  tableName: string;
  /** Creates `tableName` (or `name`), idempotent. `startDynalite()` already did it unless told not to. */
  createTable(name?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDynalite(options: { createTable?: boolean; tableName?: string } = {}): Promise<RunningDynalite> {
  closeDynaliteIterators();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const rawClient = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  const client = DynamoDBDocumentClient.from(rawClient, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = options.tableName ?? `followup-${randomUUID().slice(0, 8)}`;

  const running: RunningDynalite = {
    endpoint,
    client,
    rawClient,
    tableName,
    createTable: (name = tableName) => createTable(client, name),
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (options.createTable !== false) await running.createTable();
  return running;
}
