/**
 * What DynamoDB would bill for the requests a client sends, measured on dynalite:
 * - reads: the ConsumedCapacity dynalite returns (ReturnConsumedCapacity is added to
 *   every read: 4 KB units, halved for eventually consistent reads);
 * - writes: the table's write units from the item's size before and after (1 KB units,
 *   the larger of the two; a failed conditional write is billed too), plus every global
 *   secondary index write the change causes, by the size of the index entry (projected
 *   attributes and keys, +100 bytes): an entry put or deleted is one write, a changed
 *   entry key is two (delete + put), an entry whose projected attributes did not change
 *   is none. dynalite does not bill index writes itself, so they are computed from the
 *   images, read with a second, unmetered client around each write.
 */
import { createRequire } from 'node:module';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE_DEFINITION } from '../functions/table-definition.js';

type Item = Record<string, AttributeValue>;

const require = createRequire(import.meta.url);
/** dynalite's own item size (DynamoDB's rules: names + values, numbers by digits, containers +3 bytes). */
const { itemSize } = require('dynalite/db/index.js') as { itemSize(item: Item): number };

/** The billed size of a plain (unmarshalled) item, in bytes: what decides its write units (1 KB each). */
export function itemBytes(item: Record<string, unknown>): number {
  return itemSize(marshall(item, { removeUndefinedValues: true }) as Item);
}

interface IndexShape {
  indexName: string;
  keys: string[];
  projection: { type: 'ALL' } | { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; nonKeyAttributes: readonly string[] };
}

const TABLE_KEYS = [TABLE_DEFINITION.partitionKey.name, TABLE_DEFINITION.sortKey.name];
/** Every index of the table definition (indexes without a declared projection project ALL). */
const INDEXES: IndexShape[] = (TABLE_DEFINITION.globalSecondaryIndexes as readonly unknown[]).map((raw) => {
  const index = raw as { indexName: string; partitionKey: { name: string }; sortKey?: { name: string }; projection?: IndexShape['projection'] };
  return {
    indexName: index.indexName,
    keys: [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])],
    projection: index.projection ?? { type: 'ALL' },
  };
});

export interface CapacityTotals {
  requests: Record<string, number>;
  readUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  /** Index writes per index name. */
  indexWrites: Record<string, number>;
}

const units = (bytes: number, unit: number) => Math.max(1, Math.ceil(bytes / unit));

function pick(item: Item, names: readonly string[]): Item {
  const out: Item = {};
  for (const name of names) if (item[name] !== undefined) out[name] = item[name]!;
  return out;
}

function indexEntry(index: IndexShape, item: Item | undefined): { key: string; content: string; bytes: number } | undefined {
  if (!item || index.keys.some((k) => item[k] === undefined)) return undefined;
  const keyNames = [...new Set([...TABLE_KEYS, ...index.keys])];
  const projected =
    index.projection.type === 'ALL'
      ? item
      : pick(item, index.projection.type === 'KEYS_ONLY' ? keyNames : [...keyNames, ...index.projection.nonKeyAttributes]);
  return { key: JSON.stringify(pick(item, index.keys)), content: JSON.stringify(projected), bytes: itemSize(projected) + 100 };
}

export class CapacityMeter {
  private totals: CapacityTotals = emptyTotals();
  private readonly probe: DynamoDBDocumentClient;
  private attached = true;

  constructor(client: DynamoDBClient, endpoint: string) {
    this.probe = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }),
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.attached) return next(args);
        const operation = (context as { commandName?: string }).commandName?.replace(/Command$/, '') ?? 'unknown';
        const input = args.input as Record<string, any>;
        this.totals.requests[operation] = (this.totals.requests[operation] ?? 0) + 1;
        if (operation === 'GetItem' || operation === 'BatchGetItem' || operation === 'Query') {
          input.ReturnConsumedCapacity = 'TOTAL';
          const result = await next(args);
          const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
          for (const c of [consumed].flat()) this.totals.readUnits += (c as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
          return result;
        }
        const writes = writtenKeys(operation, input);
        if (writes.length === 0) return next(args);
        const before = await Promise.all(writes.map((w) => this.read(w.table, w.key)));
        let failed = false;
        try {
          return await next(args);
        } catch (error) {
          failed = (error as { name?: string }).name === 'ConditionalCheckFailedException';
          throw error;
        } finally {
          const after = failed ? before : await Promise.all(writes.map((w) => this.read(w.table, w.key)));
          for (let i = 0; i < writes.length; i++) this.bill(before[i], after[i], failed);
        }
      },
      // Initialize: before the request is serialized, so ReturnConsumedCapacity is sent.
      { step: 'initialize', name: 'followupCapacityMeter', priority: 'low' },
    );
  }

  reset(): void {
    this.totals = emptyTotals();
  }

  snapshot(): CapacityTotals {
    return structuredClone(this.totals);
  }

  detach(): void {
    this.attached = false;
  }

  /** Runs `work` unmetered (no extra reads around writes), e.g. to time it. */
  async unmetered<T>(work: () => Promise<T>): Promise<T> {
    this.attached = false;
    try {
      return await work();
    } finally {
      this.attached = true;
    }
  }

  private async read(table: string, key: Record<string, unknown>): Promise<Item | undefined> {
    const out = await this.probe.send(new GetCommand({ TableName: table, Key: plain(key), ConsistentRead: true }));
    return out.Item ? marshall(out.Item, { removeUndefinedValues: true, convertClassInstanceToMap: true }) : undefined;
  }

  private bill(before: Item | undefined, after: Item | undefined, failed: boolean): void {
    const size = (item: Item | undefined) => (item ? itemSize(item) : 0);
    this.totals.tableWriteUnits += units(Math.max(size(before), size(after)), 1024);
    if (failed) return;
    for (const index of INDEXES) {
      const old = indexEntry(index, before);
      const now = indexEntry(index, after);
      let writes = 0;
      if (old && now) {
        if (old.key !== now.key) writes = units(old.bytes, 1024) + units(now.bytes, 1024);
        else if (old.content !== now.content) writes = units(now.bytes, 1024);
      } else if (old) writes = units(old.bytes, 1024);
      else if (now) writes = units(now.bytes, 1024);
      if (writes === 0) continue;
      this.totals.indexWriteUnits += writes;
      this.totals.indexWrites[index.indexName] = (this.totals.indexWrites[index.indexName] ?? 0) + writes;
    }
  }
}

function emptyTotals(): CapacityTotals {
  return { requests: {}, readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0, indexWrites: {} };
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** A key as the document client gives it (plain values) or as the low-level client does (attribute values). */
function plain(key: Record<string, unknown>): Record<string, unknown> {
  const marshalled = Object.values(key).every((v) => typeof v === 'object' && v !== null && Object.keys(v).length === 1 && ATTRIBUTE_TYPES.has(Object.keys(v)[0]!));
  return marshalled ? unmarshall(key as Item) : key;
}

/**
 * The items a write request changes: table and primary key of each. The meter runs at
 * the low-level client's initialize step, where the document client's input is still
 * plain JavaScript values.
 */
function writtenKeys(operation: string, input: Record<string, any>): { table: string; key: Record<string, unknown> }[] {
  const keyOf = (item: Record<string, unknown>) => Object.fromEntries(TABLE_KEYS.map((k) => [k, item[k]]));
  switch (operation) {
    case 'PutItem':
      return [{ table: input.TableName, key: keyOf(input.Item) }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ table: input.TableName, key: input.Key }];
    case 'BatchWriteItem':
      return Object.entries(
        input.RequestItems as Record<string, { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]>,
      ).flatMap(([table, requests]) =>
        requests.map((r) => ({ table, key: r.PutRequest ? keyOf(r.PutRequest.Item) : (r.DeleteRequest?.Key ?? {}) })),
      );
    default:
      return [];
  }
}

