/**
 * Counts the requests a DynamoDB client really sends, for tests and the benchmark
 * (`bench/`): "the happy-path touch costs 4 requests", "enrolling 10,000 prospects
 * never scans".
 *
 * Two SDK middlewares on the client's stack (a DocumentClient shares the stack of the
 * client it wraps, so either may be passed):
 * - step `deserialize` runs once per HTTP attempt: it sits below the retry middleware
 *   (step `finalizeRequest`), so a throttled request that the SDK retries counts twice.
 *   That is `requests` / `operations` — what DynamoDB sees and bills.
 * - step `initialize` runs once per `client.send()`, before retries: `commands`.
 * The operation name comes from the request's `X-Amz-Target` header
 * (`DynamoDB_20120810.BatchGetItem` → `BatchGetItem`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoDbRequestCounter {
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  /** Operation of each HTTP request, in send order, e.g. `['BatchGetItem', 'PutItem']`. */
  readonly operations: readonly string[];
  /** `client.send()` calls (a call the SDK retried counts once). */
  readonly commands: number;
  /** Requests per operation, e.g. `{ BatchGetItem: 1, PutItem: 1 }`. */
  byOperation(): Record<string, number>;
  reset(): void;
  /** Removes the middlewares from the client. */
  detach(): void;
}

/** The stack of a DynamoDBClient or of a DynamoDBDocumentClient (the same object). */
type AnyStack = DynamoDBClient['middlewareStack'];

let nextId = 0;

export function countDynamoDbRequests(client: { middlewareStack: AnyStack }): DynamoDbRequestCounter {
  const id = ++nextId;
  const requestName = `followupRequestCounter${id}`;
  const commandName = `followupCommandCounter${id}`;
  let operations: string[] = [];
  let commands = 0;

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
      const target = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
      const operation = target?.split('.').pop() ?? String(context.commandName ?? 'unknown').replace(/Command$/, '');
      operations.push(operation);
      return next(args);
    },
    { step: 'deserialize', name: requestName, priority: 'low' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      commands++;
      return next(args);
    },
    { step: 'initialize', name: commandName, priority: 'high' },
  );

  return {
    get requests() {
      return operations.length;
    },
    get operations() {
      return operations;
    },
    get commands() {
      return commands;
    },
    byOperation() {
      const counts: Record<string, number> = {};
      for (const op of operations) counts[op] = (counts[op] ?? 0) + 1;
      return counts;
    },
    reset() {
      operations = [];
      commands = 0;
    },
    detach() {
      client.middlewareStack.remove(requestName);
      client.middlewareStack.remove(commandName);
    },
  };
}
