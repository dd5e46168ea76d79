/**
 * The AWS cost of importing 1,000,000 rows at list prices (PRICES in bench/engine.ts),
 * from the requests the bench counts while a sample runs through the real import code
 * (splitter and chunk worker of functions/handlers/import-worker.ts) against dynalite in
 * its own process: DynamoDB read and write units from the capacity meter (table and index
 * writes), S3 requests, SQS requests (the S3 event, the chunk messages in batches of 10,
 * one receive and one delete each), Lambda invocations and their duration, CreateSchedule
 * calls. Scaled linearly to 1M rows (every cost is per row or per chunk).
 *
 * Modelled, and said so: each DynamoDB request's I/O wait in Lambda (LATENCY_MS of
 * bench/burst.ts), and that a chunk worker waits for its share of the Scheduler quota
 * (SCHEDULE_CREATE_RATE: rows ÷ rate seconds at least), billed as Lambda time.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resolve } from 'node:path';
import { createTable } from '../functions/adapters/create-table.js';
import { DynamoDbStore } from '../functions/adapters/dynamodb-store.js';
import { dynamoImportStore } from '../functions/adapters/dynamodb/imports.js';
import { libphonenumberTimeZones } from '../functions/adapters/phone-time-zones.js';
import { loadSequencesFromDirectory } from '../functions/adapters/sequence-files.js';
import { countDynamoDbRequests } from '../functions/adapters/dynamodb-request-counter.js';
import type { ImportMessage } from '../functions/domain/import-job.js';
import { createImportWorker } from '../functions/handlers/import-worker.js';
import type { ImportQueue, ObjectStore, ScheduledTouch, TouchScheduler } from '../functions/ports.js';
import { createImport, type ImportingContext } from '../functions/use-cases/import-jobs.js';
import { publishSequence } from '../functions/use-cases/publish-sequence.js';
import { HANDLERS } from '../infra/handlers.js';
import { FOLLOWUP_ENGINE_DEFAULTS } from '../infra/engine-props.js';
import { scheduleRatePerWorker } from '../infra/engine/imports.js';
import { LATENCY_MS } from './burst.js';
import { CapacityMeter } from './capacity-meter.js';
import { PRICES, startDynaliteProcess } from './engine.js';

/** S3 Standard, us-east-1. */
const S3_PRICES = { putPerThousand: 0.005, getPerThousand: 0.0004, perGbMonth: 0.023 } as const;
/** Step Functions Distributed Map, for the comparison: a Standard parent, Express children. */
const SFN_PRICES = { standardPerThousandTransitions: 0.025, expressPerMillionRequests: 1.0, expressPerGbSecond: 0.00001667 } as const;

export interface ImportCost {
  sampleRows: number;
  chunks: number;
  lineItems: Record<string, number>;
  total: number;
  /** The orchestration alone (SQS requests here; Step Functions for the other design). */
  orchestration: number;
  stepFunctionsOrchestration: number;
  counted: Record<string, number>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

class CountingObjects implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;
  gets = 0;
  heads = 0;
  async put(key: string, body: string | Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    this.puts += 1;
    if (typeof body === 'string') this.objects.set(key, Buffer.from(body));
    else if (body instanceof Uint8Array) this.objects.set(key, body);
    else {
      const pieces: Uint8Array[] = [];
      for await (const piece of body) pieces.push(piece);
      this.objects.set(key, Buffer.concat(pieces));
    }
  }
  async get(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    this.gets += 1;
    const bytes = this.objects.get(key);
    if (!bytes) return undefined;
    return (async function* () {
      for (let i = 0; i < bytes.length; i += 65_536) yield bytes.subarray(i, i + 65_536);
    })();
  }
  async size(key: string): Promise<number | undefined> {
    this.heads += 1;
    return this.objects.get(key)?.length;
  }
}

export async function runImportCost(sampleRows = 3_000): Promise<ImportCost> {
  const server = await startDynaliteProcess();
  try {
    const raw = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    await createTable(client, 'imports');
    const objects = new CountingObjects();
    const messages: ImportMessage[] = [];
    let sendBatches = 0;
    const queue: ImportQueue = {
      async send(batch) {
        sendBatches += Math.ceil(batch.length / 10);
        messages.push(...batch);
      },
    };
    let schedules = 0;
    const scheduler: TouchScheduler = {
      async schedule(_touch: ScheduledTouch) {
        schedules += 1;
      },
      async cancel() {},
    };
    const ctx: ImportingContext = {
      store: new DynamoDbStore({ client, tableName: 'imports' }),
      scheduler,
      clock: { now: () => new Date('2026-11-23T15:00:00Z') },
      logger: silent,
      settings: { publicUrl: 'https://followup.example.com', signingSecret: 'bench-secret-0123456789', defaultPhoneRegion: 'US', claimLeaseSeconds: 300 },
      sequenceCache: new Map(),
      phoneTimeZones: libphonenumberTimeZones(),
      imports: dynamoImportStore({ client, tableName: 'imports' }),
      objects,
      uploads: { uploadUrl: async (key) => `https://bucket.s3.amazonaws.com/${key}?X-Amz-Signature=bench` },
      importQueue: queue,
    };
    const [compiled] = await loadSequencesFromDirectory(resolve(import.meta.dirname, '../templates'));
    if (!compiled) throw new Error('no sequence under templates/');
    const { sequence } = await publishSequence(ctx, compiled);
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
    const lines = ['Email,Mobile,First Name,Last Name,Company,Time Zone'];
    for (let i = 0; i < sampleRows; i++) lines.push(`prospect${i}@example.com,+1202${5_000_000 + i},First${i},Last${i},Company ${i % 500},${zones[i % 3]}`);
    const file = `${lines.join('\n')}\n`;

    const meter = new CapacityMeter(raw, server.endpoint);
    const requests = countDynamoDbRequests(client);
    const { importId } = await createImport(ctx, { sequenceId: sequence.id });
    await objects.put(`imports/${importId}/upload.csv`, file);
    const worker = createImportWorker(async () => ctx);
    const splitCpu = process.cpuUsage();
    await worker({ kind: 'split', importId });
    const splitUsage = process.cpuUsage(splitCpu);
    const splitMs = (splitUsage.user + splitUsage.system) / 1000;
    const chunkMessages = messages.filter((m) => m.kind === 'chunk');
    // This process's CPU only (dynalite runs in its own): what a worker would compute. It
    // includes the capacity meter's probe reads, so it errs on the high side.
    const cpuBefore = process.cpuUsage();
    for (const message of chunkMessages) await worker(message);
    const cpu = process.cpuUsage(cpuBefore);
    const chunkCpuMs = (cpu.user + cpu.system) / 1000;
    const units = meter.snapshot();
    meter.detach();
    const dynamoRequests = requests.requests;
    requests.detach();

    const scale = 1_000_000 / sampleRows;
    const chunks = chunkMessages.length;
    const rate = scheduleRatePerWorker(FOLLOWUP_ENGINE_DEFAULTS.importSchedulesPerSecond, FOLLOWUP_ENGINE_DEFAULTS.importWorkerMaxConcurrency);
    // A worker's time: its CPU and I/O, or its share of the Scheduler quota, whichever is longer.
    const ioMs = dynamoRequests * LATENCY_MS.dynamodb + (schedules * LATENCY_MS.createSchedule) / 16;
    const workerMs = Math.max(chunkCpuMs + ioMs, (schedules / rate) * 1000);
    const gbSeconds = (ms: number, memoryMb: number) => (ms / 1000) * (memoryMb / 1024);
    const sqsRequests = 3 /* S3 event: send, receive, delete */ + sendBatches + 2 * chunks;
    const fileGb = Buffer.byteLength(file) / 2 ** 30;
    const lineItems: Record<string, number> = {
      'DynamoDB write units (table + indexes)': ((units.tableWriteUnits + units.indexWriteUnits) * scale * PRICES.dynamoOnDemandPerMillionWriteUnits) / 1e6,
      'DynamoDB read units': (units.readUnits * scale * PRICES.dynamoOnDemandPerMillionReadUnits) / 1e6,
      'S3 PUT (upload, chunk results)': (objects.puts * scale * S3_PRICES.putPerThousand) / 1000,
      'S3 GET/HEAD (splitter)': ((objects.gets + objects.heads) * S3_PRICES.getPerThousand) / 1000,
      'S3 storage (file + results, 30 days)': fileGb * scale * 1.5 * S3_PRICES.perGbMonth,
      'SQS requests': (sqsRequests * scale * PRICES.sqsPerMillionRequests) / 1e6,
      'Lambda requests': ((1 + chunks * scale) * PRICES.lambdaPerMillionRequests) / 1e6,
      'Lambda splitter duration': gbSeconds(splitMs * scale, HANDLERS.importSplitter.memorySize) * PRICES.lambdaArmPerGbSecond,
      'Lambda chunk worker duration': gbSeconds(workerMs * scale, HANDLERS.importWorker.memorySize) * PRICES.lambdaArmPerGbSecond,
      'Scheduler CreateSchedule calls (not billed)': 0,
      'Scheduler invocations of the first touches (billed when they fire)': (schedules * scale * PRICES.schedulerPerMillionInvocations) / 1e6,
    };
    const total = Object.values(lineItems).reduce((a, b) => a + b, 0);
    // Distributed Map over the same chunks: per child a start, the task and the end in the parent's
    // transitions, each child an Express request; the same Lambda work either way.
    const stepFunctionsOrchestration = (chunks * scale * 3 * SFN_PRICES.standardPerThousandTransitions) / 1000 + (chunks * scale * SFN_PRICES.expressPerMillionRequests) / 1e6;
    return {
      sampleRows,
      chunks,
      lineItems,
      total,
      orchestration: lineItems['SQS requests'] as number,
      stepFunctionsOrchestration,
      counted: {
        dynamoRequests,
        readUnits: units.readUnits,
        tableWriteUnits: units.tableWriteUnits,
        indexWriteUnits: units.indexWriteUnits,
        s3Puts: objects.puts,
        s3Gets: objects.gets + objects.heads,
        sqsRequests,
        schedules,
        splitMs: Math.round(splitMs),
        chunkCpuMs: Math.round(chunkCpuMs),
        workerBilledMs: Math.round(workerMs),
      },
    };
  } finally {
    server.stop();
  }
}

export function formatImportCost(cost: ImportCost): string[] {
  const lines = [
    `AWS cost of importing 1,000,000 rows at us-east-1 list prices (USD), from a ${cost.sampleRows.toLocaleString('en-US')}-row sample in ${cost.chunks} chunks, scaled:`,
  ];
  for (const [item, usd] of Object.entries(cost.lineItems)) lines.push(`  ${item.padEnd(68)} $${usd.toFixed(4)}`);
  lines.push(`  ${'total'.padEnd(68)} $${cost.total.toFixed(4)}`);
  lines.push(
    `  orchestration: SQS $${cost.orchestration.toFixed(4)} vs Step Functions Distributed Map $${cost.stepFunctionsOrchestration.toFixed(4)} over the same chunks (docs/architecture.md "Import jobs")`,
  );
  lines.push(`  counted in the sample: ${JSON.stringify(cost.counted)}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runImportCost(Number(process.env.BENCH_IMPORT_COST_ROWS ?? 3_000))
    .then((cost) => {
      for (const line of formatImportCost(cost)) console.log(line);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
