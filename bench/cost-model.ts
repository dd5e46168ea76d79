/**
 * The AWS cost of a touch, from what the benchmark counted, at list prices (PRICES in
 * bench/engine.ts): every line item, per channel, then for the example sequence's mix
 * (3 emails, 2 SMS), side by side with the Step Functions design (one Standard
 * execution per enrollment). Provider fees (SES per email, Twilio per segment) apart.
 *
 * Counted, not assumed: SQS requests, Lambda invocations and durations, log bytes and
 * CreateSchedule calls come from the burst simulation (bench/burst.ts); DynamoDB units
 * per touch and per provider event come from dynalite with the capacity meter
 * (bench/capacity-meter.ts, bench/event-costs.ts). What is modeled, and said so: the
 * I/O wait of each request (LATENCY_MS), the CPU share Lambda gives a function's memory
 * (LAMBDA_MB_PER_VCPU: CPU measured here on a full core takes 1,769 / memory MB times as
 * long below one vCPU), the Lambda platform log lines, how many events
 * a message gets (below), and X-Ray's default sampling.
 */
import type { TouchQueue } from '../functions/domain/touch-message.js';
import { FOLLOWUP_ENGINE_DEFAULTS, type FollowupEngineProps } from '../infra/engine-props.js';
import { HANDLERS, type HandlerName, type HandlerSpec } from '../infra/handlers.js';
import { LAMBDA_MB_PER_VCPU, LATENCY_MS, PLATFORM_LOG_BYTES_PER_INVOCATION, lambdaBilledMs, type BurstResult } from './burst.js';
import { PRICES, type EngineBenchResult } from './engine.js';
import type { EventCost } from './event-costs.js';

/** Provider events per message: SES 2–3 per email, Twilio callbacks 2–3 per SMS (queued and sent both count as "sent"). */
export const EVENTS_PER_MESSAGE: Readonly<Record<TouchQueue, Partial<Record<EventCost['name'], number>>>> = {
  email: { 'ses:delivery': 1, 'ses:open': 1, 'ses:click': 0.5 },
  sms: { 'twilio:sent': 1.5, 'twilio:delivered': 1 },
};

/** The example sequence: 3 email and 2 SMS touches per enrollment. */
export const SEQUENCE_MIX: Readonly<Record<TouchQueue, number>> = { email: 3, sms: 2 };

/**
 * The Step Functions design: one Standard execution per enrollment, per step a Wait, the
 * send Task and a Choice (stopped? replied?) — 3 transitions — plus the start and the end
 * of the execution, shared by the sequence's touches.
 */
export const STEP_FUNCTIONS_TRANSITIONS_PER_STEP = 3;
export const STEP_FUNCTIONS_TRANSITIONS_PER_EXECUTION = 2;

/**
 * How Twilio's status callbacks reach their function, as the stack deploys them by default
 * (engine prop `twilioStatusCallbacks`): a Lambda function URL costs nothing beyond the
 * invocation; API Gateway's HTTP API costs per request.
 */
const CALLBACK_ENTRIES = {
  functionUrl: { item: 'function url callbacks', pricePerMillion: 0 },
  httpApi: { item: 'api gateway callbacks', pricePerMillion: PRICES.apiGatewayHttpPerMillionRequests },
} as const satisfies Record<NonNullable<FollowupEngineProps['twilioStatusCallbacks']>, { item: string; pricePerMillion: number }>;
const CALLBACK_ENTRY: { item: string; pricePerMillion: number } = CALLBACK_ENTRIES[FOLLOWUP_ENGINE_DEFAULTS.twilioStatusCallbacks];
const entryItem = (channel: TouchQueue) => (channel === 'email' ? 'eventbridge ses events' : CALLBACK_ENTRY.item);

/** The functions a touch and its events run, whose memory the model prices. */
const PER_TOUCH_FUNCTIONS = ['touchWorker', 'smsTouchWorker', 'sesEvents', 'twilioWebhook'] as const satisfies readonly HandlerName[];

/** X-Ray: Lambda's sampling, the first request each second and 5 % of the rest; $5 per million traces. */
const XRAY_PER_MILLION_TRACES = 5;

export type LineItems = Record<string, number>;

export interface CostModel {
  /** USD per 1,000 touches of each channel, by line item. */
  perChannel: Record<TouchQueue, LineItems>;
  /** USD per 1,000 touches of the example sequence's mix. */
  mix: LineItems;
  total: number;
  stepFunctions: LineItems;
  stepFunctionsTotal: number;
  /** X-Ray with `tracing: true` (off by default), per 1,000 touches of the mix; not in `total`. */
  tracing: number;
}

/** Platform START/REPORT lines, which the functions invoked per touch do not write (HandlerSpec.perTouch). */
const platformLogBytes = (spec: HandlerSpec) => (spec.perTouch ? 0 : PLATFORM_LOG_BYTES_PER_INVOCATION);
const perThousand = (countPerTouch: number, pricePerMillion: number) => (countPerTouch * 1000 * pricePerMillion) / 1e6;
const gbSeconds = (ms: number, memoryMb: number) => (ms / 1000) * (memoryMb / 1024);
const logsCost = (bytes: number) => (bytes / 2 ** 30) * PRICES.cloudWatchLogsPerGbIngested;
const dynamoCost = (readUnits: number, writeUnits: number) =>
  (readUnits * PRICES.dynamoOnDemandPerMillionReadUnits + writeUnits * PRICES.dynamoOnDemandPerMillionWriteUnits) / 1e6;

export function buildCostModel(engine: EngineBenchResult, burst: BurstResult): CostModel {
  const perChannel = {} as Record<TouchQueue, LineItems>;
  const sfn = {} as Record<TouchQueue, LineItems>;
  const traces = {} as Record<TouchQueue, number>;
  for (const channel of ['email', 'sms'] as const) {
    const run = burst.channels[channel];
    const sent = Math.max(1, run.sent);
    const r = run.requests;
    const units = engine.touchUnits[channel];
    const n = Math.max(1, units.touches);
    const touchDynamo = dynamoCost(units.readUnits / n, (units.tableWriteUnits + units.indexWriteUnits) / n);

    // What the provider's events about one message cost.
    const eventFunction = channel === 'email' ? HANDLERS.sesEvents : HANDLERS.twilioWebhook;
    let events = { entry: 0, lambda: 0, dynamodb: 0, logs: 0, count: 0 };
    for (const [name, count] of Object.entries(EVENTS_PER_MESSAGE[channel]) as [EventCost['name'], number][]) {
      const event = engine.events.find((e) => e.name === name);
      if (!event) throw new Error(`no measurement of ${name}`);
      const ms = lambdaBilledMs(event.cpuMs, event.requests * LATENCY_MS.dynamodb, eventFunction.memorySize);
      events = {
        entry:
          events.entry +
          count * (channel === 'email' ? PRICES.eventBridgeAwsServiceEventsPerMillion : CALLBACK_ENTRY.pricePerMillion) / 1e6,
        lambda:
          events.lambda +
          count * (PRICES.lambdaPerMillionRequests / 1e6 + gbSeconds(ms, eventFunction.memorySize) * PRICES.lambdaArmPerGbSecond),
        dynamodb: events.dynamodb + count * dynamoCost(event.readUnits, event.tableWriteUnits + event.indexWriteUnits),
        logs: events.logs + count * logsCost(event.logBytes + platformLogBytes(eventFunction)),
        count: events.count + count,
      };
    }

    const worker = channel === 'email' ? HANDLERS.touchWorker : HANDLERS.smsTouchWorker;
    const workerGbs = gbSeconds(run.billedMs, run.memoryMb) / sent;
    const items: LineItems = {
      'scheduler invocations': perThousand(1, PRICES.schedulerPerMillionInvocations),
      'sqs requests': perThousand((r.send + r.receive + r.emptyReceive + r.deleteBatch + r.changeVisibilityBatch) / sent, PRICES.sqsPerMillionRequests),
      'lambda worker requests': perThousand(run.invocations / sent, PRICES.lambdaPerMillionRequests),
      'lambda worker duration': 1000 * workerGbs * PRICES.lambdaArmPerGbSecond,
      'dynamodb touch': 1000 * touchDynamo,
      'logs touch': 1000 * logsCost((run.logBytes + run.invocations * platformLogBytes(worker)) / sent),
      [entryItem(channel)]: 1000 * events.entry,
      'lambda events': 1000 * events.lambda,
      'dynamodb events': 1000 * events.dynamodb,
      'logs events': 1000 * events.logs,
    };
    perChannel[channel] = items;

    // The same send, record and events, orchestrated by Step Functions instead of
    // Scheduler + SQS: a Task invocation per touch (no batching, no pacing: one send each).
    const touchesPerExecution = SEQUENCE_MIX.email + SEQUENCE_MIX.sms;
    const transitions = STEP_FUNCTIONS_TRANSITIONS_PER_STEP + STEP_FUNCTIONS_TRANSITIONS_PER_EXECUTION / touchesPerExecution;
    const providerMs = channel === 'email' ? LATENCY_MS.ses : LATENCY_MS.twilio;
    const taskMs = lambdaBilledMs(run.cpuMs / sent, 4 * LATENCY_MS.dynamodb + providerMs, run.memoryMb);
    sfn[channel] = {
      'state transitions': (transitions * PRICES.stepFunctionsStandardPerThousandTransitions),
      'lambda task requests': perThousand(1, PRICES.lambdaPerMillionRequests),
      'lambda task duration': 1000 * gbSeconds(taskMs, run.memoryMb) * PRICES.lambdaArmPerGbSecond,
      'dynamodb touch': items['dynamodb touch']!,
      'logs touch': 1000 * logsCost(run.logBytes / sent + platformLogBytes(worker)),
      [entryItem(channel)]: 1000 * events.entry,
      'lambda events': items['lambda events']!,
      'dynamodb events': items['dynamodb events']!,
      'logs events': items['logs events']!,
    };

    // Traces: at the burst's rate the 1/s reservoir plus 5 %; events arrive spread out
    // over hours (opens, clicks), where the reservoir samples nearly every one.
    const workerTraces = Math.min(run.invocations, run.drainSeconds + 0.05 * run.invocations) / sent;
    traces[channel] = workerTraces + events.count;
  }

  const weight = (channel: TouchQueue) => SEQUENCE_MIX[channel] / (SEQUENCE_MIX.email + SEQUENCE_MIX.sms);
  const blend = (byChannel: Record<TouchQueue, LineItems>): LineItems => {
    const out: LineItems = {};
    for (const channel of ['email', 'sms'] as const) {
      for (const [item, cost] of Object.entries(byChannel[channel])) out[item] = (out[item] ?? 0) + weight(channel) * cost;
    }
    return out;
  };
  const mix = blend(perChannel);
  const stepFunctions = blend(sfn);
  const sum = (items: LineItems) => Object.values(items).reduce((a, b) => a + b, 0);
  return {
    perChannel,
    mix,
    total: sum(mix),
    stepFunctions,
    stepFunctionsTotal: sum(stepFunctions),
    tracing: perThousand(weight('email') * traces.email + weight('sms') * traces.sms, XRAY_PER_MILLION_TRACES),
  };
}

export function formatCostModel(model: CostModel): string[] {
  const items = [...new Set([...Object.keys(model.mix), ...Object.keys(model.stepFunctions)])];
  const money = (value: number | undefined) => (value === undefined ? '-' : `$${value.toFixed(5)}`);
  const lines = [
    'AWS cost per 1,000 touches at us-east-1 list prices (USD), provider fees apart',
    `  ${'line item'.padEnd(24)} ${'email'.padStart(9)} ${'sms'.padStart(9)} ${'mix 3:2'.padStart(9)}   ${'Step Functions'.padStart(14)}`,
  ];
  for (const item of items) {
    lines.push(
      `  ${item.padEnd(24)} ${money(model.perChannel.email[item]).padStart(9)} ${money(model.perChannel.sms[item]).padStart(9)} ${money(model.mix[item]).padStart(9)}   ${money(model.stepFunctions[item]).padStart(14)}`,
    );
  }
  const channelTotal = (channel: TouchQueue) => Object.values(model.perChannel[channel]).reduce((a, b) => a + b, 0);
  lines.push(
    `  ${'total'.padEnd(24)} ${money(channelTotal('email')).padStart(9)} ${money(channelTotal('sms')).padStart(9)} ${money(model.total).padStart(9)}   ${money(model.stepFunctionsTotal).padStart(14)}`,
    `  Step Functions design / this design: ${(model.stepFunctionsTotal / model.total).toFixed(1)}x`,
    `  + X-Ray if tracing: true (off by default; Lambda samples 1/s + 5 %): ${money(model.tracing)} per 1,000 touches more (not in the total)`,
    `  (modeled: Lambda duration = CPU measured on this machine's full core x max(1, ${LAMBDA_MB_PER_VCPU} / memory MB) + I/O wait,`,
    `   memory ${PER_TOUCH_FUNCTIONS.map((name) => `${name} ${HANDLERS[name].memorySize} MB`).join(', ')} (Step Functions task: the worker's);`,
    `   request latencies ${JSON.stringify(LATENCY_MS)} ms, ${PLATFORM_LOG_BYTES_PER_INVOCATION} B of platform log lines per invocation where kept,`,
    `   events per message ${JSON.stringify(EVENTS_PER_MESSAGE)}; SES events on the default bus and Scheduler API calls are not billed;`,
    `   idle: each queue's event source long-polls, ~${((2 * 5 * 3 * 43_200 * PRICES.sqsPerMillionRequests) / 1e6).toFixed(2)} USD a month for both queues)`,
  );
  return lines;
}
