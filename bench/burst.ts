/**
 * The Monday 09:00 burst, simulated in-process on a virtual clock: N touches per channel
 * fall due at the same minute, EventBridge Scheduler delivers them to their channel's
 * queue (at its 1,000 invocations/s quota), each queue's event source mapping polls with
 * the maximum concurrency the construct computes (infra/touch-sizing.ts) and hands
 * batches to the REAL touch worker as Lambda runs it (observedHandler: middy, Powertools
 * logger and metrics; the pacers and the give-back path; runTouch and its use cases) over
 * the in-memory store, and fake providers refuse anything above their rate (SES: a
 * TooManyRequestsException, Twilio: HTTP 429), as the real ones do.
 *
 * What is measured: the drain time per channel against the provider-rate limit, every
 * SQS request, every invocation with its duration (CPU measured here, stretched to the
 * function's share of a vCPU, plus the I/O wait of the requests it made, at the modeled
 * in-region latencies below), the log bytes the handlers really wrote, and the peak
 * counter updates per second.
 */
import { resolve } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SendPacer, perWorkerRate } from '../functions/adapters/send-pacer.js';
import type { MessageReturner, ReturnedMessage } from '../functions/adapters/sqs-message-returner.js';
import { libphonenumberTimeZones } from '../functions/adapters/phone-time-zones.js';
import { loadSequencesFromDirectory } from '../functions/adapters/sequence-files.js';
import { touchQueueOf, type TouchQueue } from '../functions/domain/touch-message.js';
import { createTouchWorkerHandler } from '../functions/handlers/touch-worker.js';
import { correlatedEmailSender, correlatedSmsSender } from '../functions/handlers/shared/correlation.js';
import { logger } from '../functions/handlers/shared/logger.js';
import { observedHandler } from '../functions/handlers/shared/observability.js';
import type { ScheduledTouch, Store, TouchScheduler } from '../functions/ports.js';
import type { EnrollingContext, SendingContext } from '../functions/use-cases/context.js';
import { enrollProspects } from '../functions/use-cases/enroll-prospects.js';
import { publishSequence } from '../functions/use-cases/publish-sequence.js';
import { HANDLERS } from '../infra/handlers.js';
import { TOUCH_MAX_RECEIVE_COUNT } from '../infra/engine/queues.js';
import { workerConcurrencyFor } from '../infra/touch-sizing.js';
import { InMemoryStore } from '../test/fakes/in-memory-store.js';
import { captureOutput } from './capture-output.js';
import { SesLikeProvider, TwilioLikeProvider, type SimProvider } from './sim-providers.js';
import { SimQueue } from './sim-queue.js';

/** Modeled in-region latencies (ms) of the requests an invocation waits for; the CPU part is measured. */
export const LATENCY_MS = {
  dynamodb: 6,
  ses: 60,
  twilio: 150,
  createSchedule: 25,
  changeVisibilityBatch: 15,
  /** The event source's own turn-around between a batch's end and the next receive. */
  eventSource: 10,
} as const;

/**
 * Lambda allocates CPU in proportion to memory: 1,769 MB is one full vCPU, less is a
 * share of one (more is more vCPUs, which single-threaded work cannot use). Our CPU is
 * measured on one full core of this machine, so below 1,769 MB the same work takes
 * 1,769 / memory times as long in Lambda; the I/O wait does not change with memory.
 */
export const LAMBDA_MB_PER_VCPU = 1_769;

/** Billed duration (whole ms) of work that needs `cpuMs` of a full core and waits `ioMs` for requests. */
export function lambdaBilledMs(cpuMs: number, ioMs: number, memoryMb: number): number {
  return Math.ceil(cpuMs * Math.max(1, LAMBDA_MB_PER_VCPU / memoryMb) + ioMs);
}

/** EventBridge Scheduler's default invocation quota in the main regions (per second). */
const SCHEDULER_INVOCATIONS_PER_SECOND = 1_000;
/** Lambda platform lines per invocation (START/REPORT, JSON format): modeled, not written here. */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 700;

export interface BurstOptions {
  emails: number;
  sms: number;
  sesRate: number;
  twilioRate: number;
  batchSize: number;
}

export interface ChannelBurst {
  channel: TouchQueue;
  touches: number;
  sent: number;
  rate: number;
  concurrency: number;
  /** From the due minute to the last send. */
  drainSeconds: number;
  /** touches ÷ rate: the fastest the provider allows. */
  limitSeconds: number;
  /** Sends the provider refused for its rate. */
  throttled: number;
  deadLettered: number;
  invocations: number;
  /** Σ billed duration (ms) of the invocations: CPU at the function's share of a vCPU, plus I/O wait. */
  billedMs: number;
  /** Σ CPU measured in this process on a full core (ms). */
  cpuMs: number;
  memoryMb: number;
  givenBack: number;
  requests: SimQueue['requests'];
  createSchedules: number;
  /** Bytes the handlers wrote (Powertools JSON logs, EMF metrics) for this channel's invocations. */
  logBytes: number;
}

export interface BurstResult {
  options: BurstOptions;
  channels: Record<TouchQueue, ChannelBurst>;
  /** Bytes and lines the handlers wrote (Powertools JSON logs and EMF metrics). */
  logBytes: number;
  logLines: number;
  /** Counter writes per second to one sequence's counters, at the peak second. */
  counterPeakPerSecond: number;
  wallSeconds: number;
}

/** Monday 23 November 2026, 09:00 in New York: both channels' first touches fall due here. */
const DUE = Date.parse('2026-11-23T14:00:00Z');

export async function runBurstBench(options: BurstOptions): Promise<BurstResult> {
  const wallStarted = performance.now();
  // Set-up logs (publishing, enrolling) are not the burst's: swallowed, not counted.
  const setup = captureOutput();
  try {
    return await simulate(options, wallStarted, setup);
  } finally {
    setup.restore();
  }
}

async function simulate(options: BurstOptions, wallStarted: number, setup: { restore(): void }): Promise<BurstResult> {
  let now = Date.parse('2026-11-21T14:00:00Z');
  const clock = { now: () => new Date(now) };
  const pending: ScheduledTouch[] = [];
  let createSchedules = 0;
  const scheduler: TouchScheduler = {
    schedule: async (touch) => {
      createSchedules++;
      pending.push(touch);
    },
    cancel: async () => undefined,
  };
  const counterSeconds = new Map<number, number>();
  const store = countingCounters(new InMemoryStore(), () => now, counterSeconds);
  const ses = new SesLikeProvider(options.sesRate, () => now);
  const twilio = new TwilioLikeProvider(options.twilioRate, () => now);
  const providers: Record<TouchQueue, SimProvider> = { email: ses, sms: twilio };
  const ctx: SendingContext & EnrollingContext = {
    phoneTimeZones: libphonenumberTimeZones(),
    store,
    scheduler,
    clock,
    logger,
    sequenceCache: new Map(),
    settings: { publicUrl: 'https://followup.example', signingSecret: 'bench-signing-secret-0123456789', defaultPhoneRegion: 'US', claimLeaseSeconds: 300 },
    // Wrapped as the Lambda entries wrap them (aws-context.ts, touch-worker.ts): their
    // 'provider call' lines are the worker's too.
    email: correlatedEmailSender(ses.sender(), logger),
    sms: correlatedSmsSender(twilio.sender(), logger),
    // The burst's sequence has no voicemail step: a call placed here is a bench bug.
    voice: { placeCall: async () => ({ kind: 'permanent', reason: 'the burst places no calls' }) },
  };

  // The example sequence, its SMS step in the same 09:00 window as the email, so both
  // channels' touches fall due at the same minute.
  const [compiled] = await loadSequencesFromDirectory(resolve(import.meta.dirname, '../templates'));
  if (!compiled) throw new Error('no sequence under templates/');
  for (const step of compiled.definition.steps) delete step.window;
  const { sequence } = await publishSequence(ctx, compiled);
  // Email prospects enrolled Saturday: the intro (wait 0) is due at Monday's opening.
  // Phone-only prospects enrolled Saturday 09:00: no email, so their first touch is the
  // check-in SMS two days on, Monday 09:00.
  await enrollProspects(ctx, {
    sequenceId: sequence.id,
    rows: Array.from({ length: options.emails }, (_, i) => ({ row: i + 1, data: { email: `burst${i}@example.com`, firstName: `Ada${i}`, timezone: 'America/New_York' } })),
  });
  await enrollProspects(ctx, {
    sequenceId: sequence.id,
    rows: Array.from({ length: options.sms }, (_, i) => ({ row: i + 1, data: { phone: `+1202${5_000_000 + i}`, firstName: `Sam${i}`, timezone: 'America/New_York' } })),
  });
  const firsts = pending.splice(0);
  const due = firsts.filter((t) => Date.parse(t.dueAt) === DUE);
  if (due.length !== options.emails + options.sms) throw new Error(`expected ${options.emails + options.sms} touches due at 09:00, got ${due.length}`);
  createSchedules = 0;

  const concurrency = { email: workerConcurrencyFor(options.sesRate, options.batchSize), sms: workerConcurrencyFor(options.twilioRate, options.batchSize) };
  const queues = {
    email: new SimQueue('arn:aws:sqs:us-east-1:123456789012:Followup-EngineTouchQueue', 6 * HANDLERS.touchWorker.timeoutSeconds, TOUCH_MAX_RECEIVE_COUNT),
    sms: new SimQueue('arn:aws:sqs:us-east-1:123456789012:Followup-EngineSmsTouchQueue', 6 * HANDLERS.smsTouchWorker.timeoutSeconds, TOUCH_MAX_RECEIVE_COUNT),
  };
  // Scheduler fires the schedules of the minute at its invocation quota, channels interleaved.
  const deliveries = due
    .map((touch, i) => ({ touch, at: DUE + Math.floor((i * 1000) / SCHEDULER_INVOCATIONS_PER_SECOND) }))
    .sort((a, b) => a.at - b.at);
  let delivered = 0;
  const deliverUntil = (t: number) => {
    while (delivered < deliveries.length && deliveries[delivered]!.at <= t) {
      const { touch, at } = deliveries[delivered++]!;
      const { scheduleName: _name, ...message } = touch;
      queues[touchQueueOf(touch.channel ?? 'email')].send(JSON.stringify(message), at);
    }
  };

  // One worker per channel queue, each with its own containers: one pacer per poller slot.
  const stats = {
    email: emptyStats('email', options.emails, options.sesRate, concurrency.email, HANDLERS.touchWorker.memorySize),
    sms: emptyStats('sms', options.sms, options.twilioRate, concurrency.sms, HANDLERS.smsTouchWorker.memorySize),
  };

  interface Poller {
    channel: TouchQueue;
    at: number;
    /** When its current long poll (20 s at most) started; undefined when not waiting. */
    waitingSince?: number;
    handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
    returner: RecordingReturner;
  }
  const pollers: Poller[] = [];
  for (const channel of ['email', 'sms'] as const) {
    for (let i = 0; i < concurrency[channel]; i++) {
      const returner = new RecordingReturner();
      const pacer = new SendPacer(perWorkerRate(channel === 'email' ? options.sesRate : options.twilioRate, concurrency[channel]), () => now);
      // As the Lambda entry builds it (touch-worker.ts `handler`), over this context.
      const handler = observedHandler((metrics) =>
        createTouchWorkerHandler(async () => ctx, {
          metrics,
          pacers: { [channel]: pacer },
          queueChannels: { [queues.email.arn]: 'email', [queues.sms.arn]: 'sms' },
          returner,
        }),
      );
      pollers.push({ channel, at: DUE, handler, returner });
    }
  }

  setup.restore();
  const output = captureOutput();
  try {
    const end = DUE + 48 * 3_600_000;
    for (;;) {
      const remaining = (['email', 'sms'] as const).some((c) => queues[c].deadLetters.length + providers[c].sent < stats[c].touches);
      if (!remaining) break;
      // The poller due first takes its turn.
      let poller = pollers[0]!;
      for (const p of pollers) if (p.at < poller.at) poller = p;
      if (poller.at > end) throw new Error('burst did not drain within 48 hours (virtual)');
      now = poller.at;
      deliverUntil(now);
      const queue = queues[poller.channel];
      const messages = queue.receive(now, options.batchSize);
      if (messages.length === 0) {
        // A long poll returns when a message arrives, or empty after 20 s (one request
        // either way); a poller woken for a message another poller took keeps waiting.
        poller.waitingSince ??= now;
        const timeout = poller.waitingSince + 20_000;
        if (now >= timeout) {
          queue.requests.emptyReceive++;
          poller.waitingSince = now;
        }
        const nextDelivery = deliveries[delivered]?.at;
        const nextVisible = queue.nextVisibleAt(now);
        poller.at = Math.max(now + 1, Math.min(poller.waitingSince + 20_000, nextVisible ?? Infinity, nextDelivery ?? Infinity));
        continue;
      }
      poller.waitingSince = undefined;
      const stat = stats[poller.channel];
      const sentBefore = providers[poller.channel].sent + providers[poller.channel].refused;
      const bytesBefore = output.bytes;
      // CPU of this process, not wall time: the machine is shared, and another process's
      // turn on the core is no time this invocation would be billed for.
      const started = process.cpuUsage();
      const response = await poller.handler({ Records: queue.recordsOf(messages) }, lambdaContext(poller.channel, stat.invocations, stat.memoryMb));
      const used = process.cpuUsage(started);
      const cpuMs = (used.user + used.system) / 1000;
      stat.logBytes += output.bytes - bytesBefore;
      const attempts = providers[poller.channel].sent + providers[poller.channel].refused - sentBefore;
      const returned = poller.returner.take();
      // Records run in parallel: the invocation waits for its slowest record's requests.
      const providerMs = poller.channel === 'email' ? LATENCY_MS.ses : LATENCY_MS.twilio;
      const ioMs =
        (attempts > 0 ? 4 * LATENCY_MS.dynamodb + providerMs + LATENCY_MS.createSchedule : LATENCY_MS.dynamodb) +
        (returned.length > 0 ? LATENCY_MS.changeVisibilityBatch : 0);
      const billedMs = lambdaBilledMs(cpuMs, ioMs, stat.memoryMb);
      stat.invocations++;
      stat.cpuMs += cpuMs;
      stat.billedMs += billedMs;
      stat.givenBack += returned.filter((r) => messages.some((m) => m.id === r.messageId && m.receiveCount === 1)).length;
      const finishedAt = now + billedMs;
      queue.requests.changeVisibilityBatch += Math.ceil(returned.length / 10);
      for (const r of returned) queue.changeVisibility(r.receiptHandle, finishedAt, r.delaySeconds);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      queue.deleteBatch(messages.filter((m) => !failed.has(m.id)).map((m) => m.receiptHandle));
      poller.at = finishedAt + LATENCY_MS.eventSource;
    }
  } finally {
    output.restore();
  }

  for (const channel of ['email', 'sms'] as const) {
    const stat = stats[channel];
    stat.sent = providers[channel].sent;
    stat.throttled = providers[channel].refused;
    stat.deadLettered = queues[channel].deadLetters.length;
    stat.drainSeconds = (providers[channel].lastDepartureAt - DUE) / 1000;
    stat.requests = queues[channel].requests;
  }
  // Next-step schedules created by the burst's touches, split by the channel that sent them.
  const perTouch = createSchedules / Math.max(1, stats.email.sent + stats.sms.sent);
  stats.email.createSchedules = Math.round(perTouch * stats.email.sent);
  stats.sms.createSchedules = createSchedules - stats.email.createSchedules;

  return {
    options,
    channels: stats,
    logBytes: output.bytes,
    logLines: output.lines,
    counterPeakPerSecond: Math.max(0, ...counterSeconds.values()),
    wallSeconds: (performance.now() - wallStarted) / 1000,
  };
}

function emptyStats(channel: TouchQueue, touches: number, rate: number, concurrency: number, memoryMb: number): ChannelBurst {
  return {
    channel,
    touches,
    sent: 0,
    rate,
    concurrency,
    drainSeconds: 0,
    limitSeconds: touches / rate,
    throttled: 0,
    deadLettered: 0,
    invocations: 0,
    billedMs: 0,
    cpuMs: 0,
    memoryMb,
    givenBack: 0,
    requests: { send: 0, receive: 0, emptyReceive: 0, deleteBatch: 0, changeVisibilityBatch: 0 },
    createSchedules: 0,
    logBytes: 0,
  };
}

class RecordingReturner implements MessageReturner {
  private returned: ReturnedMessage[] = [];
  async giveBack(messages: readonly ReturnedMessage[]): Promise<void> {
    this.returned.push(...messages);
  }
  take(): ReturnedMessage[] {
    const out = this.returned;
    this.returned = [];
    return out;
  }
}

/** Counts counter writes per virtual second (one sequence here), to find the hot-key peak. */
function countingCounters(store: InMemoryStore, now: () => number, perSecond: Map<number, number>): Store {
  const addToCounters = store.addToCounters.bind(store);
  store.addToCounters = async (delta) => {
    const second = Math.floor(now() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    return addToCounters(delta);
  };
  return store;
}

function lambdaContext(channel: TouchQueue, invocation: number, memoryMb: number): Context {
  const name = channel === 'email' ? 'Followup-EngineTouchWorkerFunction' : 'Followup-EngineSmsTouchWorkerFunction';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
