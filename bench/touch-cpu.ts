/**
 * The touch pipeline's own cost: prospects advanced through the example sequence by the
 * embedded scheduler and the real use case (runTouch) on the DynamoDB store, with dynalite
 * in a process of its own, so `process.cpuUsage()` of this process is the engine's CPU
 * (what a touch worker pays in Lambda), not the database's.
 *
 * Baseline, measured in the same run on the same server: the same number of DynamoDB
 * requests sent raw with the same SDK (an UpdateItem of a small item each), so the ratio
 * says how much our code adds to the SDK's own cost per request.
 */
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SDK_CLIENT_OPTIONS } from '../functions/adapters/aws-sdk-options.js';
import { createTable } from '../functions/adapters/create-table.js';
import { countDynamoDbRequests } from '../functions/adapters/dynamodb-request-counter.js';
import { DynamoDbStore } from '../functions/adapters/dynamodb-store.js';
import { LocalTouchScheduler } from '../functions/adapters/local-touch-scheduler.js';
import { libphonenumberTimeZones } from '../functions/adapters/phone-time-zones.js';
import { loadSequencesFromDirectory } from '../functions/adapters/sequence-files.js';
import { VirtualClock } from '../functions/adapters/virtual-clock.js';
import type { Logger } from '../functions/ports.js';
import { mapWithConcurrency } from '../functions/async/concurrency.js';
import type { EnrollingContext, SendingContext } from '../functions/use-cases/context.js';
import { enrollProspects } from '../functions/use-cases/enroll-prospects.js';
import { publishSequence } from '../functions/use-cases/publish-sequence.js';
import { runTouch } from '../functions/use-cases/run-touch.js';
import { CounterBatch } from '../functions/use-cases/counter-batch.js';
import type { CpuProfiler, SelfTime } from './cpu-profile.js';
import { benchSettings, instantEmail, instantSms, instantVoice, startDynaliteProcess } from './engine.js';

const PROSPECTS = Number(process.env.BENCH_TOUCH_CPU_PROSPECTS ?? 300);
/** `BENCH_TOUCH_PROFILE=1` profiles the measured touches: a .cpuprofile, and the top five self-time functions printed. */
const PROFILE_FILE = process.env.BENCH_TOUCH_PROFILE ? resolve(process.env.BENCH_TOUCH_PROFILE_FILE ?? 'touch-cpu.cpuprofile') : undefined;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface TouchCpuResult {
  touches: number;
  touchesPerSecond: number;
  cpuMsPerTouch: number;
  requestsPerTouch: number;
  /** CPU of one raw SDK request (the baseline). */
  rawCpuMsPerRequest: number;
  /** cpuMsPerTouch ÷ (requestsPerTouch × rawCpuMsPerRequest): 1 would be the SDK alone. */
  ratio: number;
  /** With BENCH_TOUCH_PROFILE: the functions with the most self time while touching. */
  profile?: SelfTime[];
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

export async function runTouchCpuBench(print: (line: string) => void = console.log): Promise<TouchCpuResult> {
  const server = await startDynaliteProcess();
  try {
    const raw = new DynamoDBClient({ ...SDK_CLIENT_OPTIONS, endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    await createTable(client, 'touch-cpu');
    const clock = new VirtualClock({ start: new Date('2026-11-23T15:00:00Z') });
    const scheduler = new LocalTouchScheduler({ clock, logger: silent });
    const ctx: SendingContext & EnrollingContext = {
      phoneTimeZones: libphonenumberTimeZones(),
      store: new DynamoDbStore({ client, tableName: 'touch-cpu' }),
      scheduler,
      clock,
      logger: silent,
      settings: benchSettings(),
      email: instantEmail(),
      sms: instantSms(),
      voice: instantVoice(),
      sequenceCache: new Map(),
    };
    const [compiled] = await loadSequencesFromDirectory(resolve(import.meta.dirname, '../templates'));
    if (!compiled) throw new Error('no sequence under templates/');
    const { sequence } = await publishSequence(ctx, compiled);
    const rows = Array.from({ length: PROSPECTS }, (_, i) => ({
      row: i + 1,
      data: { email: `cpu${i}@example.com`, phone: `+1202${6_000_000 + i}`, firstName: `First${i}`, company: `Company ${i % 100}`, timezone: 'America/New_York' },
    }));
    await enrollProspects(ctx, { sequenceId: sequence.id, rows });

    let touches = 0;
    // As the touch worker does: counters gathered over a batch of deliveries, written once.
    const counters = new CounterBatch();
    const batchCtx = { ...ctx, store: counters.wrap(ctx.store) };
    scheduler.connect(
      async (message) => {
        const outcome = await runTouch(batchCtx, message);
        if (outcome.kind === 'sent') touches++;
        return 'done';
      },
      { afterBatch: () => counters.flush(ctx.store, silent) },
    );
    // The first touches load the modules and the sequence (once per container): not counted.
    await scheduler.runUntil(new Date(clock.now().getTime() + 1));
    touches = 0;
    const counter = countDynamoDbRequests(raw);
    // Loaded only when asked for: a bench that does not profile does not load the inspector.
    const profiler: CpuProfiler | undefined = PROFILE_FILE ? await (await import('./cpu-profile.js')).startCpuProfile() : undefined;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await scheduler.runUntil(new Date(clock.now().getTime() + 40 * 86_400_000));
    const cpu = cpuMs(cpuBefore);
    const seconds = (performance.now() - started) / 1000;
    const profile = profiler && PROFILE_FILE ? await profiler.stop(PROFILE_FILE) : undefined;
    const requests = counter.requests;
    counter.detach();
    if (touches === 0) throw new Error('no touch was sent');

    // Baseline: as many raw requests, 16 at a time (the local scheduler's parallelism is of that order).
    const rawBefore = process.cpuUsage();
    await mapWithConcurrency(
      Array.from({ length: requests }, (_, i) => i),
      16,
      (i) =>
        client.send(
          new UpdateCommand({
            TableName: 'touch-cpu',
            Key: { pk: `BENCH#${i % 1_000}`, sk: 'RAW' },
            UpdateExpression: 'SET #v = :v',
            ExpressionAttributeNames: { '#v': 'v' },
            ExpressionAttributeValues: { ':v': i },
          }),
        ),
    );
    const rawCpuMsPerRequest = cpuMs(rawBefore) / requests;
    const cpuMsPerTouch = cpu / touches;
    const requestsPerTouch = requests / touches;
    const result: TouchCpuResult = {
      touches,
      touchesPerSecond: touches / seconds,
      cpuMsPerTouch,
      requestsPerTouch,
      rawCpuMsPerRequest,
      ratio: cpuMsPerTouch / (requestsPerTouch * rawCpuMsPerRequest),
      ...(profile ? { profile } : {}),
    };
    print(`Touch pipeline: ${PROSPECTS} prospects through the example sequence (embedded scheduler, DynamoDB store, dynalite in its own process)`);
    print(`  touches         : ${touches} in ${seconds.toFixed(1)} s = ${result.touchesPerSecond.toFixed(0)} touches/s`);
    print(`  engine CPU      : ${cpuMsPerTouch.toFixed(2)} ms per touch (target <= 4), ${requestsPerTouch.toFixed(2)} DynamoDB requests per touch`);
    print(`  raw SDK request : ${rawCpuMsPerRequest.toFixed(2)} ms of CPU each; a touch costs ${result.ratio.toFixed(2)}x its requests sent raw`);
    if (profile) {
      print(`  profile         : ${PROFILE_FILE} (the figures above include the profiler's own overhead); top self time:`);
      for (const entry of profile) print(`    ${(entry.ms / touches).toFixed(3)} ms/touch ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.location}`);
    }
    return result;
  } finally {
    server.stop();
  }
}
