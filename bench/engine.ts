/**
 * Engine benchmark (issue: core engine), measured in ONE run against one dynalite server
 * in its own process (DynamoDB is remote too), so ratios cancel out this machine's noise:
 *
 * 1. Enrollment throughput: 10,000 prospects through the enrollment use case, against a
 *    raw BatchWriteItem of exactly the items it wrote, into the same server.
 * 2. DynamoDB requests per touch on the happy path, counted by an SDK middleware.
 * 3. The AWS cost per 1,000 touches those counts imply, at list prices.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { Readable } from 'node:stream';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createTable } from '../functions/adapters/create-table.js';
import { DynamoDbStore } from '../functions/adapters/dynamodb-store.js';
import { countDynamoDbRequests } from '../functions/adapters/dynamodb-request-counter.js';
import { EventBridgeTouchScheduler } from '../functions/adapters/eventbridge-touch-scheduler.js';
import { LocalTouchScheduler } from '../functions/adapters/local-touch-scheduler.js';
import { VirtualClock } from '../functions/adapters/virtual-clock.js';
import { libphonenumberTimeZones } from '../functions/adapters/phone-time-zones.js';
import { loadSequencesFromDirectory } from '../functions/adapters/sequence-files.js';
import type { EmailSender, Logger, SmsSender, VoiceCaller } from '../functions/ports.js';
import type { EnrollingContext, SendingContext } from '../functions/use-cases/context.js';
import { enrollProspects, type EnrollmentRowInput } from '../functions/use-cases/enroll-prospects.js';
import { publishSequence } from '../functions/use-cases/publish-sequence.js';
import { runTouch } from '../functions/use-cases/run-touch.js';
import { mapWithConcurrency } from '../functions/shared/concurrency.js';

const PROSPECTS = Number(process.env.BENCH_PROSPECTS ?? 10_000);
const TOUCH_PROSPECTS = Number(process.env.BENCH_TOUCH_PROSPECTS ?? 200);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** us-east-1 list prices (USD), as published in 2026; update here when they change. */
export const PRICES = {
  schedulerPerMillionInvocations: 1.0,
  sqsPerMillionRequests: 0.4,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  dynamoOnDemandPerMillionWriteUnits: 0.625,
  dynamoOnDemandPerMillionReadUnits: 0.125,
  sesPerThousandEmails: 0.1,
  twilioUsSmsPerSegment: 0.0083,
};

export interface EngineBenchResult {
  enrollRate: number;
  rawRate: number;
  ratio: number;
  itemsWritten: number;
  /** Items the use case wrote per enrolled row (target ≤ 3). */
  itemsPerRow: number;
  requestsPerTouch: number;
  touchOperations: Record<string, number>;
  scans: number;
  costPer1000: Record<string, number>;
}

export async function runEngineBench(print: (line: string) => void = console.log): Promise<EngineBenchResult> {
  const server = await startDynaliteProcess();
  try {
    const raw = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    await createTable(client, 'enroll');
    await createTable(client, 'touch');

    // --- 1. Enrollment throughput vs raw BatchWriteItem -------------------------------
    // Enrollment is measured with the in-process scheduler, so the ratio is about the table;
    // the CPU cost of EventBridge Scheduler's SDK calls is measured on its own below.
    const clock = new VirtualClock({ start: new Date('2026-11-23T15:00:00Z') });
    const enrollScheduler = new LocalTouchScheduler({ clock, logger: silent });
    const ctx: SendingContext & EnrollingContext = {
      phoneTimeZones: libphonenumberTimeZones(),
      store: new DynamoDbStore({ client, tableName: 'enroll' }),
      scheduler: enrollScheduler,
      clock,
      logger: silent,
      settings: benchSettings(),
      email: instantEmail(),
      sms: instantSms(),
      voice: instantVoice(),
    };
    // The email and SMS example: the touch figures are about sends, not a rep's tasks.
    const compiled = (await loadSequencesFromDirectory(resolve(import.meta.dirname, '../templates'))).find((s) => s.id === 'inbound-lead-follow-up');
    if (!compiled) throw new Error('no inbound-lead-follow-up sequence under templates/');
    const { sequence } = await publishSequence(ctx, compiled);

    const rows: EnrollmentRowInput[] = Array.from({ length: PROSPECTS }, (_, i) => ({
      row: i + 1,
      data: {
        email: `prospect${i}@example.com`,
        phone: `+1202${5_000_000 + i}`,
        firstName: `First${i}`,
        lastName: `Last${i}`,
        company: `Company ${i % 500}`,
        timezone: ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'][i % 3],
      },
    }));
    // Both sides get their best showing: the use case the fastest of three runs (each into
    // an empty table), the baseline the fastest of three levels of parallelism. The runs
    // alternate (use case, baseline, use case, ...), so a burst of load from elsewhere on the
    // machine slows both sides, not just the one that happened to run then.
    const enrollOnce = async (table: string) => {
      await createTable(client, table);
      const runCtx = { ...ctx, store: new DynamoDbStore({ client, tableName: table }) };
      await publishSequence(runCtx, compiled);
      const enrollStarted = performance.now();
      const results = await enrollProspects(runCtx, { sequenceId: sequence.id, rows });
      const seconds = (performance.now() - enrollStarted) / 1000;
      const enrolled = results.filter((r) => r.status === 'enrolled').length;
      if (enrolled !== PROSPECTS) throw new Error(`only ${enrolled} of ${PROSPECTS} enrolled`);
      return seconds;
    };
    let enrollSeconds = await enrollOnce('enroll');

    // Every item the rows produced lives in a prospect's partition (profile, enrollment,
    // timeline); the per-import counter item and the (released) lane leases are not per row.
    const written = await scanAll(raw, 'enroll');
    const items = written.filter((item) => String(item.pk).startsWith('P#'));
    const itemsPerRow = items.length / PROSPECTS;
    let rawSeconds = Infinity;
    for (const [index, concurrency] of [8, 16, 32].entries()) {
      const table = `raw${index}`;
      await createTable(client, table);
      const rawStarted = performance.now();
      await batchWriteAll(client, table, items, concurrency);
      rawSeconds = Math.min(rawSeconds, (performance.now() - rawStarted) / 1000);
      if (index < 2) enrollSeconds = Math.min(enrollSeconds, await enrollOnce(`enroll-again${index}`));
    }
    const enrollRate = PROSPECTS / enrollSeconds;
    const rawRate = PROSPECTS / rawSeconds;

    // EventBridge Scheduler: the real SDK path (serialise, sign) up to the wire, answered at once.
    const scheduler = new EventBridgeTouchScheduler({
      client: new SchedulerClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        requestHandler: cannedHttpHandler('{"ScheduleArn":"arn:aws:scheduler:us-east-1:000000000000:schedule/followup/bench"}'),
      }),
      groupName: 'followup',
      targetQueueArn: 'arn:aws:sqs:us-east-1:000000000000:touches',
      roleArn: 'arn:aws:iam::000000000000:role/scheduler',
      deadLetterQueueArn: 'arn:aws:sqs:us-east-1:000000000000:touches-dlq',
      clock,
    });
    const pending = enrollScheduler.pendingTouches().slice(0, 2_000);
    const scheduleStarted = performance.now();
    await mapWithConcurrency(pending, 16, (touch) => scheduler.schedule(touch));
    const msPerSchedule = (performance.now() - scheduleStarted) / pending.length;

    // --- 2. Requests per touch on the happy path ----------------------------------------
    const touchStore = new DynamoDbStore({ client, tableName: 'touch' });
    const local = new LocalTouchScheduler({ clock, logger: silent });
    const touchCtx: SendingContext & EnrollingContext = { ...ctx, store: touchStore, scheduler: local, sequenceCache: new Map() };
    await publishSequence(touchCtx, compiled);
    await enrollProspects(touchCtx, { sequenceId: sequence.id, rows: rows.slice(0, TOUCH_PROSPECTS) });
    const counter = countDynamoDbRequests(client);
    let touches = 0;
    local.connect(async (message) => {
      const outcome = await runTouch(touchCtx, message);
      if (outcome.kind === 'sent') touches++;
      return 'done';
    });
    // Warm the sequence cache (one read per container lifetime), then count a clean run.
    await local.runUntil(new Date(clock.now().getTime() + 1));
    counter.reset();
    touches = 0;
    await local.runUntil(new Date(clock.now().getTime() + 30 * 86_400_000));
    const byOperation = counter.byOperation();
    const requestsPerTouch = counter.requests / touches;
    counter.detach();
    const enrollmentItems = (await scanAll(raw, 'touch')).filter((item) => String(item.sk).startsWith('E#'));
    const enrollmentItemKb = Math.max(...enrollmentItems.map((item) => Buffer.byteLength(JSON.stringify(item)) / 1024));

    // --- 3. Cost per 1,000 touches ---------------------------------------------------------
    // Per touch: 1 consistent BatchGetItem of 2-4 small items (1 RRU each), 3 UpdateItems
    // (claim, advance: billed on the enrollment item's size; counters: 1 WRU).
    const enrollmentWru = Math.max(1, Math.ceil(enrollmentItemKb));
    const readUnits = 3;
    const writeUnits = 2 * enrollmentWru + 1;
    const lambdaGbSeconds = 0.5 * 0.25; // 512 MB for ~250 ms, dominated by the provider call
    const costPer1000 = {
      scheduler: (1000 * PRICES.schedulerPerMillionInvocations) / 1e6,
      sqs: (1000 * 3 * PRICES.sqsPerMillionRequests) / 1e6,
      lambda: 1000 * (lambdaGbSeconds * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerMillionRequests / 1e6),
      dynamodb:
        (1000 * (writeUnits * PRICES.dynamoOnDemandPerMillionWriteUnits + readUnits * PRICES.dynamoOnDemandPerMillionReadUnits)) / 1e6,
    };
    const awsTotal = Object.values(costPer1000).reduce((a, b) => a + b, 0);

    print('Enrollment throughput (same dynalite server, separate process)');
    print(`  enroll use case : ${PROSPECTS} prospects in ${enrollSeconds.toFixed(2)} s = ${enrollRate.toFixed(0)} prospects/s`);
    print(`  raw BatchWrite  : the same ${items.length} items in ${rawSeconds.toFixed(2)} s = ${rawRate.toFixed(0)} prospects/s`);
    print(`  items per row   : ${itemsPerRow.toFixed(2)}  (target <= 3: profile, enrollment, one timeline event)`);
    print(`  ratio           : ${(enrollRate / rawRate).toFixed(2)}  (target >= 0.5)`);
    print(`  (+ EventBridge CreateSchedule in AWS: ${msPerSchedule.toFixed(2)} ms of client CPU per enrollment, measured apart)`);
    print('');
    print(`DynamoDB requests per touch (happy path, ${touches} touches): ${requestsPerTouch.toFixed(2)}  (target <= 4, no scans)`);
    print(`  by operation    : ${JSON.stringify(byOperation)}`);
    print(`  enrollment item : ${enrollmentItemKb.toFixed(2)} KB after a full sequence -> ${enrollmentWru} WRU per update`);
    print('');
    print('AWS cost per 1,000 touches at us-east-1 list prices (USD)');
    for (const [service, cost] of Object.entries(costPer1000)) print(`  ${service.padEnd(10)} $${cost.toFixed(5)}`);
    print(`  total      $${awsTotal.toFixed(5)}   (idle: $0 — no servers, no polling schedules)`);
    print(`  provider fees, apart: SES $${PRICES.sesPerThousandEmails.toFixed(2)} per 1,000 emails; Twilio US SMS ~$${(PRICES.twilioUsSmsPerSegment * 1000).toFixed(2)} per 1,000 segments (+ carrier fees)`);

    return {
      enrollRate,
      rawRate,
      ratio: enrollRate / rawRate,
      itemsWritten: items.length,
      itemsPerRow,
      requestsPerTouch,
      touchOperations: byOperation,
      scans: byOperation.Scan ?? 0,
      costPer1000,
    };
  } finally {
    server.stop();
  }
}

/** An SDK request handler that answers every request with the same 200 JSON body. */
function cannedHttpHandler(body: string) {
  return {
    handle: async () => ({
      response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(body)]) },
    }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

function benchSettings() {
  return {
    publicUrl: 'https://followup.example',
    signingSecret: 'bench-signing-secret-0123456789',
    defaultPhoneRegion: 'US',
    claimLeaseSeconds: 300,
  };
}

function instantEmail(): EmailSender {
  let n = 0;
  return { send: async () => ({ kind: 'sent', providerMessageId: `m${++n}`, messageIdHeader: `<m${n}@email.amazonses.com>` }) };
}

function instantSms(): SmsSender {
  let n = 0;
  return { send: async () => ({ kind: 'sent', providerMessageId: `SM${++n}` }) };
}

function instantVoice(): VoiceCaller {
  let n = 0;
  return { placeCall: async () => ({ kind: 'sent', providerMessageId: `CA${++n}` }) };
}

async function scanAll(client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
  concurrency: number,
): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await mapWithConcurrency(chunks, concurrency, async (chunk) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}

async function startDynaliteProcess(): Promise<{ endpoint: string; stop(): void }> {
  const port = await freePort();
  const bin = resolve(import.meta.dirname, '../node_modules/.bin/dynalite');
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--host', '127.0.0.1', '--createTableMs', '0'], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(endpoint, { method: 'POST' });
      return { endpoint, stop: () => child.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error('dynalite did not start');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runEngineBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
