/**
 * Query benchmark (issue 10): with 100,000 prospects in the embedded store (dynalite in its
 * own process, as DynamoDB is remote too), one page of `GET /prospects?q=` and of
 * `GET /inbox` through the API function's handler (access middleware, query parsing, use
 * case, store, JSON), counted in DynamoDB requests (target ≤ 2 per page) and timed as a
 * ratio to ONE raw Query of the same page on the same server (target ≤ 2). The table is
 * filled with raw BatchWriteItem of items built by the store's own item builders, so they
 * are exactly what the store writes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createTable } from '../functions/adapters/create-table.js';
import { DynamoDbStore } from '../functions/adapters/dynamodb-store.js';
import { countDynamoDbRequests } from '../functions/adapters/dynamodb-request-counter.js';
import { inboxItemOf, profileItem } from '../functions/adapters/dynamodb/items.js';
import { VirtualClock } from '../functions/adapters/virtual-clock.js';
import { inboxItemId, type InboxItem } from '../functions/domain/inbox.js';
import { INBOX_KINDS, type Prospect } from '../functions/domain/records.js';
import { createApiHandler } from '../functions/handlers/api.js';
import type { Logger } from '../functions/ports.js';
import type { UseCaseContext } from '../functions/use-cases/context.js';
import { batchWriteAll, startDynaliteProcess } from './engine.js';

const PROSPECTS = Number(process.env.BENCH_QUERY_PROSPECTS ?? 100_000);
const INBOX_ITEMS = Number(process.env.BENCH_INBOX_ITEMS ?? 10_000);
const RUNS = 25;
const TABLE = 'queries';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface QueryBenchRow {
  name: string;
  requests: number;
  operations: string[];
  items: number;
  apiMs: number;
  rawMs: number;
  ratio: number;
  /** When the page needs more than one Query: all of them, raw, in parallel (what our code adds on top). */
  rawPageMs?: number;
}

export interface QueryBenchResult {
  prospects: number;
  fillSeconds: number;
  rows: QueryBenchRow[];
}

export async function runQueryBench(print: (line: string) => void = console.log): Promise<QueryBenchResult> {
  const server = await startDynaliteProcess();
  try {
    const raw = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    await createTable(client, TABLE);

    const start = Date.parse('2026-11-23T15:00:00Z');
    const filled = performance.now();
    const profiles = Array.from({ length: PROSPECTS }, (_, i) => profileItem(prospectNumber(i, start)));
    const inbox = Array.from({ length: INBOX_ITEMS }, (_, i) => inboxItemOf(inboxItemNumber(i, start)));
    await batchWriteAll(client, TABLE, [...profiles, ...inbox], 16);
    const fillSeconds = (performance.now() - filled) / 1000;

    const ctx: UseCaseContext = {
      store: new DynamoDbStore({ client, tableName: TABLE }),
      scheduler: { schedule: async () => undefined, cancel: async () => undefined },
      clock: new VirtualClock({ start: new Date(start) }),
      logger: silent,
      settings: { publicUrl: 'https://followup.example', signingSecret: 'bench-signing-secret-0123456789', defaultPhoneRegion: 'US', claimLeaseSeconds: 300 },
    };
    const api = createApiHandler({ context: async () => ctx, maxEnrollmentBodyBytes: 1_000_000 });

    const cases: { name: string; path: string; query: string; raw: QueryCommandInput; rest?: QueryCommandInput[] }[] = [
      {
        name: 'GET /prospects?q=first1&limit=100',
        path: '/prospects',
        query: 'q=first1&limit=100',
        raw: { TableName: TABLE, IndexName: 'byName', KeyConditionExpression: 'nameKey = :k AND begins_with(nameSort, :q)', ExpressionAttributeValues: { ':k': 'N#f', ':q': 'first1' }, Limit: 100 },
        // A prefix search reads byName AND byCompany (functions/adapters/dynamodb/search.ts).
        rest: [{ TableName: TABLE, IndexName: 'byCompany', KeyConditionExpression: 'companyKey = :k AND begins_with(companySort, :q)', ExpressionAttributeValues: { ':k': 'N#f', ':q': 'first1' }, Limit: 100 }],
      },
      {
        name: 'GET /inbox?limit=100',
        path: '/inbox',
        query: 'limit=100',
        raw: { TableName: TABLE, IndexName: 'byList', KeyConditionExpression: 'listKey = :k', ExpressionAttributeValues: { ':k': 'INBOX' }, ScanIndexForward: false, Limit: 100 },
      },
      {
        name: 'GET /inbox?kind=reply&limit=100',
        path: '/inbox',
        query: 'kind=reply&limit=100',
        raw: { TableName: TABLE, IndexName: 'byInbox', KeyConditionExpression: 'inboxKey = :k', ExpressionAttributeValues: { ':k': 'INBOX#reply' }, ScanIndexForward: false, Limit: 100 },
      },
    ];

    const rows: QueryBenchRow[] = [];
    for (const c of cases) {
      const routeKey = `GET ${c.path}`;
      const call = async () => {
        const result = await api(apiEvent(routeKey, c.path, c.query), lambdaContext);
        if (result.statusCode !== 200) throw new Error(`${c.name}: ${result.statusCode} ${result.body}`);
        return JSON.parse(String(result.body)) as { items: unknown[] };
      };
      await call(); // the route's module is imported by its first request
      const counter = countDynamoDbRequests(client);
      const page = await call();
      const operations = [...counter.operations];
      counter.detach();
      // Alternate the two sides, so a burst of load elsewhere slows both.
      const apiTimes: number[] = [];
      const rawTimes: number[] = [];
      const rawPageTimes: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        let began = performance.now();
        await call();
        apiTimes.push(performance.now() - began);
        began = performance.now();
        await client.send(new QueryCommand(c.raw));
        rawTimes.push(performance.now() - began);
        if (c.rest) {
          began = performance.now();
          await Promise.all([c.raw, ...c.rest].map((input) => client.send(new QueryCommand(input))));
          rawPageTimes.push(performance.now() - began);
        }
      }
      const apiMs = median(apiTimes);
      const rawMs = median(rawTimes);
      rows.push({
        name: c.name,
        requests: operations.length,
        operations,
        items: page.items.length,
        apiMs,
        rawMs,
        ratio: apiMs / rawMs,
        ...(c.rest ? { rawPageMs: median(rawPageTimes) } : {}),
      });
    }

    print(`Query pages with ${PROSPECTS.toLocaleString('en-US')} prospects and ${INBOX_ITEMS.toLocaleString('en-US')} inbox items (filled with raw BatchWriteItem in ${fillSeconds.toFixed(1)} s)`);
    for (const row of rows) {
      print(`  ${row.name.padEnd(34)} ${row.items} items, ${row.requests} DynamoDB requests (${row.operations.join(' + ')}), ${row.apiMs.toFixed(1)} ms vs raw Query ${row.rawMs.toFixed(1)} ms = ratio ${row.ratio.toFixed(2)}  (targets: <= 2 requests, ratio <= 2)`);
      if (row.rawPageMs !== undefined) {
        print(`  ${''.padEnd(34)} (the page's ${row.requests} raw Queries in parallel: ${row.rawPageMs.toFixed(1)} ms, ratio ${(row.apiMs / row.rawPageMs).toFixed(2)}; dynalite answers them one after the other, DynamoDB at once)`);
      }
    }
    return { prospects: PROSPECTS, fillSeconds, rows };
  } finally {
    server.stop();
  }
}

function prospectNumber(i: number, start: number): Prospect {
  const at = new Date(start - i * 1000).toISOString();
  return {
    id: `p_${i.toString(16).padStart(24, '0')}`,
    email: `prospect${i}@example.com`,
    phone: `+1202${5_000_000 + i}`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    company: `Company ${i % 500}`,
    timezone: ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'][i % 3] as string,
    timezoneSource: 'given',
    attributes: { plan: 'pro' },
    createdAt: at,
    updatedAt: at,
  };
}

function inboxItemNumber(i: number, start: number): InboxItem {
  const prospectId = `p_${(i * 5).toString(16).padStart(24, '0')}`;
  return {
    id: inboxItemId(prospectId, `bench:${i}`),
    kind: INBOX_KINDS[i % INBOX_KINDS.length] as InboxItem['kind'],
    at: new Date(start - i * 60_000).toISOString(),
    prospectId,
    enrollmentId: `${prospectId}.inbound-lead-follow-up`,
    sequenceId: 'inbound-lead-follow-up',
    stepId: 'intro',
    channel: i % 2 === 0 ? 'email' : 'sms',
    text: `Thanks, let's talk on Thursday (${i})`,
    timezone: 'America/New_York',
    handled: false,
  };
}

function apiEvent(routeKey: string, path: string, query: string) {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'bench.local' },
    queryStringParameters: Object.fromEntries(new URLSearchParams(query)),
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      // What the authorizer answers for a signed-in viewer.
      authorizer: { lambda: { principal: 'user', role: 'viewer', sub: 'bench-user', email: 'viewer@example.com' } },
    },
    isBase64Encoded: false,
  } as never;
}

const lambdaContext = { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runQueryBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
