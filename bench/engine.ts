/**
 * Engine benchmark (issue: core engine), measured in ONE run against one dynalite server
 * in its own process (DynamoDB is remote too), so ratios cancel out this machine's noise:
 *
 * 1. Enrollment throughput: 10,000 prospects through the enrollment use case, against a
 *    raw BatchWriteItem of exactly the items it wrote, into the same server.
 * 2. DynamoDB requests per touch on the happy path, counted by an SDK middleware, and
 *    the read and write units they are billed (bench/capacity-meter.ts), per channel.
 * 3. What each provider event about a sent touch costs through its real handler (SES
 *    events, Twilio status callbacks: bench/event-costs.ts).
 * The cost model (bench/cost-model.ts) turns these and the burst's counts into dollars.
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
import { CounterBatch } from '../functions/use-cases/counter-batch.js';
import { mapWithConcurrency } from '../functions/async/concurrency.js';
import { touchQueueOf, type TouchQueue } from '../functions/domain/touch-message.js';
import { CapacityMeter, itemBytes, type CapacityTotals } from './capacity-meter.js';
import { measureEventCosts, type EventCost, type SentLog } from './event-costs.js';

const PROSPECTS = Number(process.env.BENCH_PROSPECTS ?? 10_000);
const TOUCH_PROSPECTS = Number(process.env.BENCH_TOUCH_PROSPECTS ?? 200);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** us-east-1 list prices (USD), as published in 2026; update here when they change. */
export const PRICES = {
  /** EventBridge Scheduler bills invocations only (CreateSchedule/DeleteSchedule calls are not billed). */
  schedulerPerMillionInvocations: 1.0,
  sqsPerMillionRequests: 0.4,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  dynamoOnDemandPerMillionWriteUnits: 0.625,
  dynamoOnDemandPerMillionReadUnits: 0.125,
  /** HTTP API, first 300 million requests a month. */
  apiGatewayHttpPerMillionRequests: 1.0,
  /** Events AWS services (SES) put on the default bus, and their rules' targets: no charge. */
  eventBridgeAwsServiceEventsPerMillion: 0,
  cloudWatchLogsPerGbIngested: 0.5,
  /** Step Functions Standard workflows. */
  stepFunctionsStandardPerThousandTransitions: 0.025,
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
  /** DynamoDB units per sent touch, by channel, measured on dynalite (bench/capacity-meter.ts). */
  touchUnits: Record<TouchQueue, TouchUnits>;
  /** What each SES event and Twilio callback costs, measured through the real handlers. */
  events: EventCost[];
}

export interface TouchUnits {
  touches: number;
  readUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
}

function emptyUnits(): TouchUnits {
  return { touches: 0, readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0 };
}

function addUnits(into: TouchUnits, before: CapacityTotals, after: CapacityTotals): void {
  into.touches++;
  into.readUnits += after.readUnits - before.readUnits;
  into.tableWriteUnits += after.tableWriteUnits - before.tableWriteUnits;
  into.indexWriteUnits += after.indexWriteUnits - before.indexWriteUnits;
}

/** A share of one write (the batch's counters) billed to each of the batch's touches, without counting a touch. */
function shareUnits(into: TouchUnits, before: CapacityTotals, after: CapacityTotals, of: number): void {
  into.readUnits += (after.readUnits - before.readUnits) / of;
  into.tableWriteUnits += (after.tableWriteUnits - before.tableWriteUnits) / of;
  into.indexWriteUnits += (after.indexWriteUnits - before.indexWriteUnits) / of;
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

    // Every item the rows produced: those in a prospect's partition (profile, enrollment,
    // timeline) and the phones' holders items (`S#<hash>`/`H`, functions/adapters/dynamodb/keys.ts);
    // the per-import counter item and the (released) lane leases are not per row.
    const written = await scanAll(raw, 'enroll');
    const items = written.filter((item) => String(item.pk).startsWith('P#') || (String(item.pk).startsWith('S#') && item.sk === 'H'));
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
      targetQueueArns: { email: 'arn:aws:sqs:us-east-1:000000000000:touches', sms: 'arn:aws:sqs:us-east-1:000000000000:sms-touches' },
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
    const meter = new CapacityMeter(raw, server.endpoint);
    const perChannel: Record<TouchQueue, TouchUnits> = { email: emptyUnits(), sms: emptyUnits() };
    let touches = 0;
    // As the touch worker does: counters gathered over a batch of deliveries and written
    // once per batch; each batch's write is billed to the touches of that batch.
    const counters = new CounterBatch();
    const batchCtx = { ...touchCtx, store: counters.wrap(touchCtx.store) };
    let batchChannels: TouchQueue[] = [];
    local.connect(
      async (message) => {
        const before = meter.snapshot();
        const outcome = await runTouch(batchCtx, message);
        if (outcome.kind === 'sent') {
          touches++;
          addUnits(perChannel[touchQueueOf(outcome.channel)], before, meter.snapshot());
          batchChannels.push(touchQueueOf(outcome.channel));
        }
        return 'done';
      },
      {
        afterBatch: async () => {
          const before = meter.snapshot();
          await counters.flush(touchCtx.store, silent);
          const after = meter.snapshot();
          for (const channel of batchChannels) shareUnits(perChannel[channel], before, after, batchChannels.length);
          batchChannels = [];
        },
      },
    );
    // Warm the sequence cache (one read per container lifetime), then count a clean run.
    await local.runUntil(new Date(clock.now().getTime() + 1));
    counter.reset();
    meter.reset();
    touches = 0;
    perChannel.email = emptyUnits();
    perChannel.sms = emptyUnits();
    await local.runUntil(new Date(clock.now().getTime() + 30 * 86_400_000));
    const byOperation = counter.byOperation();
    const requestsPerTouch = counter.requests / touches;
    counter.detach();
    const enrollmentItems = (await scanAll(raw, 'touch')).filter((item) => String(item.sk).startsWith('E#'));
    const enrollmentItemKb = Math.max(...enrollmentItems.map((item) => Buffer.byteLength(JSON.stringify(item)) / 1024));
    const enrollmentItemBytes = Math.max(...enrollmentItems.map(itemBytes));

    // --- 3. What a touch's provider events cost: SES events and Twilio status callbacks ---
    const events = await measureEventCosts({ ctx: touchCtx, meter, sent: sentLog, publicUrl: benchSettings().publicUrl });
    meter.detach();

    print('Enrollment throughput (same dynalite server, separate process)');
    print(`  enroll use case : ${PROSPECTS} prospects in ${enrollSeconds.toFixed(2)} s = ${enrollRate.toFixed(0)} prospects/s`);
    print(`  raw BatchWrite  : the same ${items.length} items in ${rawSeconds.toFixed(2)} s = ${rawRate.toFixed(0)} prospects/s`);
    print(`  items per row   : ${itemsPerRow.toFixed(2)}  (target <= 3: profile, enrollment (with its enrolled event), the phone's holders item)`);
    print(`  ratio           : ${(enrollRate / rawRate).toFixed(2)}  (target >= 0.5)`);
    print(`  (+ EventBridge CreateSchedule in AWS: ${msPerSchedule.toFixed(2)} ms of client CPU per enrollment, measured apart)`);
    print('');
    print(`DynamoDB requests per touch (happy path, ${touches} touches): ${requestsPerTouch.toFixed(2)}  (target <= 4, no scans)`);
    print(`  by operation    : ${JSON.stringify(byOperation)}`);
    print(`  enrollment item : ${enrollmentItemBytes} bytes of DynamoDB item size (${enrollmentItemKb.toFixed(2)} KB as JSON) after a full sequence (< 1,024: 1 write unit a write)`);
    for (const channel of ['email', 'sms'] as const) {
      const u = perChannel[channel];
      print(
        `  ${channel.padEnd(5)} touch    : ${(u.readUnits / u.touches).toFixed(2)} read units, ${(u.tableWriteUnits / u.touches).toFixed(2)} table + ${(u.indexWriteUnits / u.touches).toFixed(2)} index write units (measured over ${u.touches})`,
      );
    }
    for (const event of events) {
      print(
        `  ${event.name.padEnd(14)}: ${event.requests.toFixed(2)} requests, ${event.readUnits.toFixed(2)} read + ${event.tableWriteUnits.toFixed(2)} table + ${event.indexWriteUnits.toFixed(2)} index write units, ${event.logBytes.toFixed(0)} log bytes, ${event.cpuMs.toFixed(2)} ms in-process`,
      );
    }

    return {
      enrollRate,
      rawRate,
      ratio: enrollRate / rawRate,
      itemsWritten: items.length,
      itemsPerRow,
      requestsPerTouch,
      touchOperations: byOperation,
      scans: byOperation.Scan ?? 0,
      touchUnits: perChannel,
      events,
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

export function benchSettings() {
  return {
    publicUrl: 'https://followup.example',
    signingSecret: 'bench-signing-secret-0123456789',
    defaultPhoneRegion: 'US',
    claimLeaseSeconds: 300,
  };
}

/** What the instant senders sent, for the event measurements (SES events, Twilio callbacks). */
const sentLog: SentLog = { emails: [], sms: [] };

/** Ids shaped like SES's (`0100…-…-000000`, 60 characters) and Twilio's (`SM` + 32 hex), so item sizes are real. */
export function instantEmail(): EmailSender {
  let n = 0;
  return {
    send: async (email) => {
      const id = `0100019b${(++n).toString(16).padStart(8, '0')}-5d2c1a9e-7b3f-4c1d-9e8a-2f6b1c0d3e4f-000000`;
      sentLog.emails.push({ email, providerMessageId: id });
      return { kind: 'sent', providerMessageId: id, messageIdHeader: `<${id}@email.amazonses.com>` };
    },
  };
}

export function instantSms(): SmsSender {
  let n = 0;
  return {
    send: async (sms) => {
      const sid = `SM${(++n).toString(16).padStart(32, '0')}`;
      sentLog.sms.push({ sms, providerMessageId: sid });
      return { kind: 'sent', providerMessageId: sid };
    },
  };
}

export function instantVoice(): VoiceCaller {
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

export async function batchWriteAll(
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

export async function startDynaliteProcess(): Promise<{ endpoint: string; stop(): void }> {
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
