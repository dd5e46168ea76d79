/**
 * The embedded runtime: the whole product in one Node process, on local servers.
 *
 * dynalite stands in for DynamoDB, aws-ses-v2-local for SES v2, a local stub for Twilio's
 * REST API, a virtual clock for time and an in-process scheduler for EventBridge
 * Scheduler + SQS. The adapters are the real ones (DynamoDbStore, SesEmailSender,
 * TwilioSmsSender) pointed at those servers, and HTTP requests reach the same handlers
 * the Lambdas run; SES's events (delivery, and bounces… through `POST /dev/email-events`)
 * reach the SES events handler (local/ses-events.ts). `npm start`, `npm run demo` and the e2e tests all start it from here.
 */
import { backfillPhoneHolders } from '../use-cases/backfill-phone-holders.js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SDK_CLIENT_OPTIONS } from '../adapters/aws-sdk-options.js';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context, SQSEvent } from 'aws-lambda';
import dynalite from 'dynalite';
import { createTable } from '../adapters/create-table.js';
import { closeDynaliteIterators } from './dynalite-iterators.js';
import { DynamoDbStore } from '../adapters/dynamodb-store.js';
import { LocalTouchScheduler } from '../adapters/local-touch-scheduler.js';
import { SesEmailSender } from '../adapters/ses-email-sender.js';
import { loadSequencesFromDirectory } from '../adapters/sequence-files.js';
import { TwilioSmsSender } from '../adapters/twilio-sms-sender.js';
import { TwilioVoiceCaller } from '../adapters/twilio-voice-caller.js';
import { VirtualClock } from '../adapters/virtual-clock.js';
import { FetchWebhookTransport } from '../adapters/fetch-webhook-transport.js';
import { LocalWebhookDispatcher } from '../adapters/local-webhook-dispatcher.js';
import type { WebhookEndpoint } from '../domain/webhook-events.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { createUserTokenVerifier } from '../adapters/user-token-verifier.js';
import { createApiHandler } from '../handlers/api.js';
import { createImportWorker } from '../handlers/import-worker.js';
import { dynamoImportStore } from '../adapters/dynamodb/imports.js';
import { FolderObjectStore } from '../adapters/folder-object-store.js';
import { libphonenumberTimeZones } from '../adapters/phone-time-zones.js';
import type { ImportServices } from '../use-cases/import-jobs.js';
import { DEFAULT_MAX_ENROLLMENT_BODY_BYTES } from '../config.js';
import { createUploadRoute, LocalImportQueue, LocalUploadUrls, resumeImports } from './imports.js';
import { createAuthorizerHandler } from '../handlers/authorizer.js';
import { createTouchWorkerHandler } from '../handlers/touch-worker.js';
import { CounterBatch } from '../use-cases/counter-batch.js';
import { createSesEventsHandler } from '../handlers/ses-events.js';
import { handleRawInboundEmail } from '../handlers/ses-inbound.js';
import { createTwilioWebhookHandler } from '../handlers/twilio-webhook.js';
import { createUnsubscribeHandler } from '../handlers/unsubscribe.js';
import { createVoiceCallsHandler } from '../handlers/voice-calls.js';
import { playCall } from './call-player.js';
import type { Logger } from '../ports.js';
import { createSequenceCache, type SendingContext } from '../use-cases/context.js';
import { publishSequence } from '../use-cases/publish-sequence.js';
import { createConsoleAssets } from './console-assets.js';
import { CONSOLE_PATH, DEFAULT_LOCAL_USER, LOCAL_CLIENT_ID, LocalOAuthProvider } from './oauth-provider.js';
import { Outbox } from './outbox.js';
import { createRequestListener, type LocalHandlers } from './local-server.js';
import { LocalSesEvents } from './ses-events.js';
import { startLocalSes, type LocalSesServer } from './ses-server.js';
import { startTwilioStub, type TwilioStub } from './twilio-stub.js';

/** Development-only Twilio credentials of the local stub (printed in the banner). */
export const DEV_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const DEV_TWILIO_AUTH_TOKEN = 'dev-twilio-auth-token-not-secret';
/** The configuration set the local SES events name (the local SES itself ignores it). */
const LOCAL_CONFIGURATION_SET = 'followup-local';

export interface RuntimeOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Keep data across restarts (dynalite on disk, pending schedules, the outbox, the clock). */
  dataDir?: string;
  /** Virtual clock speed (1 = real time). */
  speed?: number;
  /** Virtual clock start (tests pin it); real now by default. */
  startAt?: Date;
  apiKey?: string;
  publicUrl?: string;
  twilioAuthToken?: string;
  unsubscribeSecret?: string;
  replyDomain?: string;
  /** Touches one person may get per channel and local day across concurrent sequences (default 1). */
  touchesPerPersonPerDay?: number;
  templatesDir: string;
  defaultPhoneRegion?: string;
  /** The zone of a user's day when they set none (DEFAULT_TIMEZONE). */
  defaultTimezone?: string;
  /** Outbound webhook endpoints (FOLLOWUP_WEBHOOKS), delivered in-process with retries. */
  webhooks?: readonly (WebhookEndpoint & { secret: string })[];
  /** Retries of a webhook delivery start after this (default 1 s, doubled per attempt). */
  webhookRetryBaseMs?: number;
  /** Fire due touches on a real-time ticker (npm start); tests drive the clock themselves. */
  autoRun?: boolean;
  /** The built web console served at /console/ (default `web/dist` of this package). */
  consoleDir?: string;
  /** The embedded dynalite's port on 127.0.0.1 (default: a free one); the bench reads the table through it. */
  dynamoPort?: number;
  /** Import jobs: chunks enrolled at once, and how the splitter cuts files (README "Imports"). */
  imports?: { concurrency?: number; capacity?: number; chunkRows?: number };
  logger: Logger;
}

export interface Runtime {
  url: string;
  port: number;
  apiKey: string;
  apiKeyGenerated: boolean;
  twilioAuthToken: string;
  publicUrl: string;
  clock: VirtualClock;
  scheduler: LocalTouchScheduler;
  outbox: Outbox;
  twilio: TwilioStub;
  ses: LocalSesServer;
  sequences: PublishedSequence[];
  context: SendingContext;
  /** Outbound webhooks, delivered in-process (`idle()` waits until nothing is pending). */
  webhooks?: LocalWebhookDispatcher;
  /** The local OAuth provider (users, one-time sign-in links). */
  oauth: LocalOAuthProvider;
  /** `<url>/console/`. */
  consoleUrl: string;
  /** A one-time sign-in link for the default editor (dev@localhost), valid 10 minutes. */
  signInUrl: string;
  /** Import jobs: the object store folder, the store and the in-process queue. */
  imports: ImportServices & { queue: LocalImportQueue; objects: FolderObjectStore; root: string };
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const host = options.host ?? '127.0.0.1';
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  try {
    // Claim the public port first, so a busy port fails before anything else starts, and
    // answer 503 until the handlers exist: a request that arrives during start-up gets a
    // clear "try again" instead of an accepted connection nobody ever answers. (Checking
    // the port and listening last would leave a window for another process to take it
    // after dynalite and the rest had started.)
    let listener: RequestListener = answerStarting;
    const server = createServer((req, res) => listener(req, res));
    await listen(server, options.port, host);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host}:${port}`;
    const publicUrl = options.publicUrl ?? url;

    const apiKeyGenerated = !options.apiKey;
    const apiKey = options.apiKey ?? `fu_${randomBytes(18).toString('base64url')}`;
    const twilioAuthToken = options.twilioAuthToken ?? DEV_TWILIO_AUTH_TOKEN;
    const signingSecret = options.unsubscribeSecret ?? `dev-signing-secret-${randomBytes(8).toString('hex')}`;

    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    closeDynaliteIterators();
    const dynamo = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {}),
    });
    await listen(dynamo, options.dynamoPort ?? 0, '127.0.0.1');
    closers.push(() => new Promise<void>((resolve) => dynamo.close(() => resolve())));
    const dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

    const ses = await startLocalSes({ host: '127.0.0.1', port: 0 });
    closers.push(() => ses.close());
    const twilio = await startTwilioStub({ accountSid: DEV_TWILIO_ACCOUNT_SID, authToken: twilioAuthToken, port: 0 });
    closers.push(() => twilio.close());

    const localAws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    // The real Twilio client, pointed at the local stub (Messages and Calls).
    const twilioCredentials = async () => ({ accountSid: DEV_TWILIO_ACCOUNT_SID, authToken: twilioAuthToken, apiBaseUrl: twilio.url });
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ ...SDK_CLIENT_OPTIONS, ...localAws, endpoint: dynamoEndpoint }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tableName = 'followup';
    await createTable(documentClient, tableName);

    const clock = new VirtualClock({ speed: options.speed ?? 1, ...(options.startAt ? { start: options.startAt } : {}) });
    const scheduler = new LocalTouchScheduler({
      clock,
      logger: options.logger,
      ...(options.dataDir
        ? { stateFile: join(options.dataDir, 'schedules.log'), legacyStateFile: join(options.dataDir, 'schedules.json') }
        : {}),
    });
    await scheduler.load();
    closers.push(() => scheduler.close());
    const outbox = new Outbox({ clock, logger: options.logger, ...(options.dataDir ? { file: join(options.dataDir, 'outbox.log') } : {}) });
    await outbox.load();
    closers.push(() => outbox.close());

    const store = new DynamoDbStore({ client: documentClient, tableName });
    const webhooks =
      options.webhooks && options.webhooks.length > 0
        ? new LocalWebhookDispatcher({
            endpoints: options.webhooks,
            // Receivers check signatures against their own (real) clock, not the virtual one.
            context: { store, clock, signingClock: { now: () => new Date() }, logger: options.logger, transport: new FetchWebhookTransport() },
            ...(options.webhookRetryBaseMs !== undefined ? { baseDelayMs: options.webhookRetryBaseMs } : {}),
          })
        : undefined;
    if (webhooks) closers.push(() => webhooks.close());
    const context: SendingContext = {
      store,
      ...(webhooks ? { webhooks } : {}),
      scheduler,
      clock,
      logger: options.logger,
      sequenceCache: createSequenceCache(),
      settings: {
        publicUrl,
        signingSecret,
        ...(options.replyDomain ? { replyDomain: options.replyDomain } : {}),
        defaultPhoneRegion: options.defaultPhoneRegion ?? 'US',
        claimLeaseSeconds: 300,
        defaultTimezone: options.defaultTimezone ?? 'America/New_York',
        ...(options.touchesPerPersonPerDay ? { touchesPerPersonPerDay: options.touchesPerPersonPerDay } : {}),
      },
      email: outbox.recordingEmailSender(
        new SesEmailSender(new SESv2Client({ ...SDK_CLIENT_OPTIONS, ...localAws, endpoint: ses.url }), {
          configurationSetName: LOCAL_CONFIGURATION_SET,
        }),
      ),
      sms: outbox.recordingSmsSender(new TwilioSmsSender(twilioCredentials)),
      voice: outbox.recordingVoiceCaller(new TwilioVoiceCaller(twilioCredentials)),
    };

    const sequences: PublishedSequence[] = [];
    for (const compiled of await loadSequencesFromDirectory(options.templatesDir)) {
      sequences.push((await publishSequence(context, compiled)).sequence);
    }

    const sesEvents = new LocalSesEvents({
      outbox,
      handler: createSesEventsHandler({ context: async () => context }),
      clock,
      logger: options.logger,
      configurationSetName: LOCAL_CONFIGURATION_SET,
    });

    // Counters of a run of deliveries are written once per batch of them, as the Lambda worker does per SQS batch.
    const touchCounters = new CounterBatch();
    const touchWorker = createTouchWorkerHandler(async () => context, { counters: touchCounters });
    let messageCounter = 0;
    scheduler.connect(async (message, delivery) => {
      const messageId = `local-${++messageCounter}`;
      const event = { Records: [sqsRecord(messageId, JSON.stringify(message), delivery.attempt)] } as SQSEvent;
      const work = async () => ((await touchWorker(event)).batchItemFailures.length > 0 ? 'retry' : 'done');
      // A touch whose last delivery died mid-flight: the local providers answer a second
      // send of its message from the outbox (outbox.ts explains why).
      const outcome = delivery.recovered ? await outbox.redelivering(message, work) : await work();
      // SES reports a delivery after the send; the touch is recorded by now.
      await sesEvents.flush();
      return outcome;
    }, { afterBatch: () => touchCounters.flush(context.store, options.logger) });

    // Import jobs: files in a folder (kept with --data-dir), the queue in process.
    const objectsRoot = options.dataDir ? join(options.dataDir, 'objects') : await mkdtemp(join(tmpdir(), 'followup-objects-'));
    if (!options.dataDir) closers.push(() => rm(objectsRoot, { recursive: true, force: true }));
    const objects = new FolderObjectStore(objectsRoot);
    const importStore = dynamoImportStore({ client: documentClient, tableName });
    const importQueue = new LocalImportQueue({ logger: options.logger, ...options.imports });
    const uploadUrls = new LocalUploadUrls(publicUrl, signingSecret);
    const importServices: ImportServices = { imports: importStore, objects, uploads: uploadUrls, importQueue };
    const phoneTimeZones = libphonenumberTimeZones();
    importQueue.connect(
      createImportWorker(async () => ({ ...context, ...importServices, phoneTimeZones }), {
        ...(options.imports?.chunkRows ? { chunkLimits: { maxRows: options.imports.chunkRows } } : {}),
      }),
    );
    // Closed before the table: a chunk in flight finishes (or stores nothing).
    closers.push(() => importQueue.close());

    const api = createApiHandler({
      context: async () => context,
      maxEnrollmentBodyBytes: DEFAULT_MAX_ENROLLMENT_BODY_BYTES,
      imports: async () => importServices,
    });
    const twilioWebhook = createTwilioWebhookHandler({
      context: async () => context,
      authToken: async () => twilioAuthToken,
      publicUrl: () => publicUrl,
    });
    const unsubscribe = createUnsubscribeHandler({ context: async () => context });
    const voiceCalls = createVoiceCallsHandler({ context: async () => context });
    // Signed-in users: the same verifier as in AWS, against this server's own JWKS.
    const oauth = await LocalOAuthProvider.start({ issuer: url, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
    const userTokens = createUserTokenVerifier({ issuer: url, jwksUrl: `${url}/.well-known/jwks.json`, audience: [LOCAL_CLIENT_ID] });
    const handlers: LocalHandlers = {
      api: (event) => api(event, lambdaContext('api')),
      authorizer: createAuthorizerHandler({ apiKey: async () => apiKey, userTokens: () => userTokens, log: options.logger }),
      twilioWebhook: (event) => twilioWebhook(event, lambdaContext('twilio-webhook')),
      unsubscribe: (event) => unsubscribe(event, lambdaContext('unsubscribe')),
      voiceCalls: (event) => voiceCalls(event, lambdaContext('voice-calls')),
      playCall: (callSid, play) => playCall({ twilio, outbox, clock, authToken: twilioAuthToken }, callSid, play),
      inboundEmail: async (rawMime) => ({ statusCode: 200, body: await handleRawInboundEmail(context, rawMime) }),
      emailEvent: (request) => sesEvents.play(request),
    };
    const ownOrigins = [...new Set([url, `http://127.0.0.1:${port}`, `http://localhost:${port}`, publicUrl])];
    const serveConsole = createConsoleAssets({
      dir: options.consoleDir ?? resolve(import.meta.dirname, '../../web/dist'),
      config: (origin) => oauth.consoleConfig(origin),
    });
    listener = createRequestListener({
      handlers,
      clock,
      scheduler,
      outbox,
      logger: options.logger,
      ownOrigins,
      oauth,
      serveConsole,
      upload: createUploadRoute({ urls: uploadUrls, objects, imports: importStore, queue: importQueue }),
      createUser: async (request, origin) => {
        const { user, loginCode } = await oauth.createUser(request);
        return { user, signInUrl: oauth.signInUrl(origin, loginCode) };
      },
    });
    const { loginCode } = await oauth.createUser(DEFAULT_LOCAL_USER);
    // A data dir kept from a version before phone holders items: list them once (one read otherwise).
    await backfillPhoneHolders(context);
    await resumeImports({ root: objectsRoot, imports: importStore, queue: importQueue, objects, logger: options.logger });

    let ticker: NodeJS.Timeout | undefined;
    if (options.autoRun) {
      ticker = setInterval(() => {
        scheduler.runUntil(clock.now()).catch((error) => options.logger.error('scheduler tick failed', { error: String(error) }));
      }, 250);
      closers.push(async () => clearInterval(ticker));
    }

    return {
      url,
      port,
      apiKey,
      apiKeyGenerated,
      twilioAuthToken,
      publicUrl,
      clock,
      scheduler,
      outbox,
      twilio,
      ses,
      sequences,
      context,
      ...(webhooks ? { webhooks } : {}),
      oauth,
      consoleUrl: `${url}${CONSOLE_PATH}`,
      signInUrl: oauth.signInUrl(url, loginCode),
      imports: { ...importServices, queue: importQueue, objects, root: objectsRoot },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listen(server: Pick<Server, 'listen' | 'once' | 'off'>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(`port ${port} on ${host} is already in use`));
      else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Every request before start-up has finished (the body is drained so the connection stays usable). */
const answerStarting: RequestListener = (req, res) => {
  req.resume();
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' }).end('{"error":"starting"}');
};

/** The bits of a Lambda context our handlers and middy read. */
function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `followup-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:followup-local-${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomBytes(8).toString('hex'),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sqsRecord(messageId: string, body: string, receiveCount: number) {
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:followup-touches',
    awsRegion: 'local',
  };
}
