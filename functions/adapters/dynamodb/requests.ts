/**
 * The request plumbing of the table, shared by every aggregate: ONE `conditionalWrite`
 * that turns a failed condition into 'conflict', batches (BatchGetItem / BatchWriteItem
 * in chunks, bounded parallelism, unprocessed keys retried with backoff), query
 * pagination, and retries of throttled writes where a retry is safe.
 */
import type {
  BatchWriteCommandInput,
  DynamoDBDocumentClient,
  QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ConditionalWriteResult } from '../../ports.js';
import { mapWithConcurrency } from '../../async/concurrency.js';
import { Placeholders, type Condition, type Update } from './conditions.js';
import type { Item } from './items.js';
import { keyId, type Key } from './keys.js';
import { lazy } from '../../async/lazy.js';

/**
 * The SDK's command classes, imported by the first request instead of with this module.
 * The Lambda bundles leave the AWS SDK to the runtime (external), and esbuild hoists a
 * static import of an external module to the top of the bundle, so one here would load
 * the SDK when any handler starts, before it knows whether it needs the table.
 */
const sdk = lazy(() => import('@aws-sdk/lib-dynamodb'));

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;

/** Errors DynamoDB answers when a request was refused for capacity: nothing was applied. */
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

export function isThrottled(error: unknown): boolean {
  return THROTTLING_ERRORS.has((error as { name?: string } | null)?.name ?? '');
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write: 'conflict' when its condition failed, 'ok' when it was applied. */
export async function conditionalWrite(send: () => Promise<unknown>): Promise<ConditionalWriteResult> {
  try {
    await send();
    return 'ok';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'conflict';
    throw error;
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Batch requests (chunks of BatchGetItem / BatchWriteItem) in flight at once. Default 8. */
  batchConcurrency?: number;
  /** Retries of UnprocessedKeys / UnprocessedItems before giving up with an error. Default 8. */
  maxBatchRetries?: number;
  /** Base of the exponential backoff (full jitter, capped at 2 s) between those retries. Default 25 ms. */
  retryBaseDelayMs?: number;
  /** Retries of a throttled counter update, on top of the SDK's own, before giving up. Default 10. */
  maxThrottleRetries?: number;
}

export interface QueryPage {
  items: Item[];
  lastEvaluatedKey?: Record<string, unknown>;
}

/** One table, as the aggregates see it: keys in, items out, conditions as named parts. */
export class Table {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly batchConcurrency: number;
  private readonly maxBatchRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxThrottleRetries: number;

  constructor(options: TableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.batchConcurrency = options.batchConcurrency ?? 8;
    this.maxBatchRetries = options.maxBatchRetries ?? 8;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 25;
    this.maxThrottleRetries = options.maxThrottleRetries ?? 10;
  }

  /** Strongly consistent GetItem unless told otherwise. */
  async get(key: Key, options: { consistent?: boolean } = {}): Promise<Item | undefined> {
    const { GetCommand } = await sdk();
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: options.consistent ?? true }),
    );
    return Item;
  }

  /** PutItem; with a condition, 'conflict' when it failed. */
  async put(item: Item, condition?: Condition): Promise<ConditionalWriteResult> {
    const { PutCommand } = await sdk();
    const p = new Placeholders();
    const ConditionExpression = condition?.(p);
    return conditionalWrite(() =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...expressions(p, ConditionExpression) })),
    );
  }

  /** UpdateItem; with a condition, 'conflict' when it failed. */
  async update(key: Key, update: Update, condition?: Condition): Promise<ConditionalWriteResult> {
    const { UpdateCommand } = await sdk();
    const p = new Placeholders();
    const UpdateExpression = update.render(p);
    const ConditionExpression = condition?.(p);
    return conditionalWrite(() =>
      this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression, ...expressions(p, ConditionExpression) }),
      ),
    );
  }

  /** UpdateItem answering the item as written ('conflict' when the condition failed). */
  async updateReturning(key: Key, update: Update, condition?: Condition): Promise<Item | 'conflict'> {
    const { UpdateCommand } = await sdk();
    const p = new Placeholders();
    const UpdateExpression = update.render(p);
    const ConditionExpression = condition?.(p);
    let written: Item | undefined;
    const result = await conditionalWrite(async () => {
      const out = await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression, ReturnValues: 'ALL_NEW', ...expressions(p, ConditionExpression) }),
      );
      written = out.Attributes;
    });
    return result === 'conflict' || !written ? 'conflict' : written;
  }

  /** DeleteItem (a missing item is fine); with a condition, 'conflict' when it failed. */
  async delete(key: Key, condition?: Condition): Promise<ConditionalWriteResult> {
    const { DeleteCommand } = await sdk();
    const p = new Placeholders();
    const ConditionExpression = condition?.(p);
    return conditionalWrite(() =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...expressions(p, ConditionExpression) })),
    );
  }

  /**
   * Runs a write again when DynamoDB throttled it (after the SDK's own retries), with
   * exponential backoff and full jitter. Only for writes that a throttle refused as a
   * whole, which is every throttle: a throttled request was not applied, so even an ADD
   * cannot count twice.
   */
  async retryingThrottles<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!isThrottled(error) || attempt >= this.maxThrottleRetries) throw error;
        await this.backoff(attempt, 5_000);
      }
    }
  }

  /** One page of a Query. */
  async queryPage(input: QueryInput, exclusiveStartKey?: Record<string, unknown>): Promise<QueryPage> {
    const { QueryCommand } = await sdk();
    const page = await this.client.send(
      new QueryCommand({
        ...input,
        TableName: this.tableName,
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { lastEvaluatedKey: page.LastEvaluatedKey } : {}) };
  }

  /** Every page of a Query. */
  async queryAll(input: QueryInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.queryPage(input, start);
      items.push(...page.items);
      start = page.lastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every item of a partition whose sort key starts with `skPrefix`, consistent. */
  queryPartition(pk: string, skPrefix: string): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
    });
  }

  /** Consistent BatchGetItem: deduplicated keys, chunks of 100, bounded parallelism, retried UnprocessedKeys. */
  async batchGet(requested: Key[], attributes?: readonly string[]): Promise<Item[]> {
    const { BatchGetCommand } = await sdk();
    const unique = [...new Map(requested.map((key) => [keyId(key), key])).values()];
    const projection = attributes
      ? {
          ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
        }
      : {};
    const results = await mapWithConcurrency(chunk(unique, MAX_BATCH_GET), this.batchConcurrency, async (chunkKeys) => {
      const items: Item[] = [];
      let pending: Record<string, unknown>[] = chunkKeys.map((key) => ({ ...key }));
      for (let attempt = 0; ; attempt++) {
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true, ...projection } },
          }),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []));
        const left = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (left.length === 0) return items;
        if (attempt >= this.maxBatchRetries) {
          throw new Error(`BatchGetItem: ${left.length} keys still unprocessed after ${attempt + 1} attempts`);
        }
        await this.backoff(attempt);
        pending = left;
      }
    });
    return results.flat();
  }

  /** BatchWriteItem: deduplicated keys (last wins), chunks of 25, bounded parallelism, retried UnprocessedItems. */
  async batchWrite(requests: WriteRequest[]): Promise<void> {
    const { BatchWriteCommand } = await sdk();
    const byKey = new Map<string, WriteRequest>();
    for (const request of requests) {
      const key = (request.PutRequest?.Item ?? request.DeleteRequest?.Key) as { pk: unknown; sk: unknown };
      byKey.set(keyId(key), request);
    }
    await mapWithConcurrency(chunk([...byKey.values()], MAX_BATCH_WRITE), this.batchConcurrency, async (chunkRequests) => {
      let pending = chunkRequests;
      for (let attempt = 0; ; attempt++) {
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        const left = out.UnprocessedItems?.[this.tableName] ?? [];
        if (left.length === 0) return;
        if (attempt >= this.maxBatchRetries) {
          throw new Error(`BatchWriteItem: ${left.length} items still unprocessed after ${attempt + 1} attempts`);
        }
        await this.backoff(attempt);
        pending = left;
      }
    });
  }

  private backoff(attempt: number, capMs = 2_000): Promise<void> {
    const cap = Math.min(capMs, this.retryBaseDelayMs * 2 ** attempt);
    return sleep(Math.random() * cap);
  }
}

function expressions(p: Placeholders, condition: string | undefined) {
  const hasNames = Object.keys(p.names).length > 0;
  const hasValues = Object.keys(p.values).length > 0;
  return {
    ...(condition ? { ConditionExpression: condition } : {}),
    ...(hasNames ? { ExpressionAttributeNames: p.names } : {}),
    ...(hasValues ? { ExpressionAttributeValues: p.values } : {}),
  };
}
