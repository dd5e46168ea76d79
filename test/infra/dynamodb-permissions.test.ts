/**
 * The IAM policy cannot drift from the code: every function's flows run through its real
 * handler against dynalite, an SDK middleware records the DynamoDB operation (and index)
 * of every request, and each function must have used exactly what `infra/permissions.ts`
 * grants it: nothing outside its list (AccessDenied in AWS), nothing in its list it never
 * uses (least privilege), apart from the known gaps listed there.
 */
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { EventBridgeEvent, SNSEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEmailTagValue } from '../../functions/adapters/ses-email-sender.js';
import { loadSequenceFromDirectory, parseSequenceYaml } from '../../functions/adapters/sequence-files.js';
import type { Principal } from '../../functions/domain/roles.js';
import { createVoiceCallsHandler } from '../../functions/handlers/voice-calls.js';
import { createWebhookSenderHandler } from '../../functions/handlers/webhook-sender.js';
import { publishSequence } from '../../functions/use-cases/publish-sequence.js';
import { addressHash } from '../../functions/domain/address-hash.js';
import { createUnsubscribeToken } from '../../functions/domain/tokens.js';
import { createApiHandler } from '../../functions/handlers/api.js';
import { createImportQueueHandler, createImportWorker } from '../../functions/handlers/import-worker.js';
import { dynamoImportStore } from '../../functions/adapters/dynamodb/imports.js';
import { keys } from '../../functions/adapters/dynamodb/keys.js';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { ImportServices } from '../../functions/use-cases/import-jobs.js';
import { fakeUploadUrls, MemoryObjectStore, RecordingImportQueue } from '../fakes/imports.js';
import { createSesEventsHandler } from '../../functions/handlers/ses-events.js';
import { createSesInboundHandler } from '../../functions/handlers/ses-inbound.js';
import { createTouchWorkerHandler } from '../../functions/handlers/touch-worker.js';
import { createTwilioWebhookHandler } from '../../functions/handlers/twilio-webhook.js';
import { createUnsubscribeHandler } from '../../functions/handlers/unsubscribe.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import type { TouchMessage } from '../../functions/ports.js';
import type { CompiledSequence } from '../../functions/domain/sequence-definition.js';
import { HANDLER_NAMES, type HandlerName } from '../../infra/handlers.js';
import { FUNCTION_ACCESS, KNOWN_DYNAMODB_GAPS } from '../../infra/permissions.js';
import { createDynamoInboundContext, type DynamoInboundContext } from '../fakes/dynamo-inbound-context.js';
import { fixtureText, jsonFixture } from '../fakes/fixtures.js';
import { httpEvent, lambdaContext } from '../fakes/http-event.js';
import { ADA, enrollOne, EXAMPLE_SEQUENCE_DIR, EXAMPLE_SEQUENCE_ID, TEST_SETTINGS } from '../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../support/dynalite.js';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = TEST_SETTINGS.publicUrl;
const DAY = 86_400_000;

let db: RunningDynalite;
/** The function whose handler is running; requests made by test set-up are not attributed. */
let current: HandlerName | undefined;
/** Per function: `Operation` for the table, `Query@index` for an index. */
const used = new Map<HandlerName, Set<string>>(HANDLER_NAMES.map((name) => [name, new Set<string>()]));

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
  // Below the retry middleware: every HTTP request DynamoDB (and IAM) would see.
  db.rawClient.middlewareStack.add(
    (next) => async (args) => {
      if (current !== undefined) {
        const request = args.request as { headers?: Record<string, string>; body?: string };
        const target = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
        const operation = target?.split('.').pop() ?? 'unknown';
        let index: string | undefined;
        try {
          index = (JSON.parse(String(request.body ?? '{}')) as { IndexName?: string }).IndexName;
        } catch {
          index = undefined;
        }
        used.get(current)!.add(index ? `${operation}@${index}` : operation);
      }
      return next(args);
    },
    { step: 'deserialize', name: 'followupPermissionRecorder', priority: 'low' },
  );
});
afterAll(async () => {
  await db?.close();
});

async function as<T>(name: HandlerName, work: () => Promise<T>): Promise<T> {
  current = name;
  try {
    return await work();
  } finally {
    current = undefined;
  }
}

/** An SQS event carrying one webhook delivery (what a bus rule puts on the delivery queue). */
function deliveryEvent(body: unknown): SQSEvent {
  return {
    Records: [
      {
        messageId: `d-${++messageCounter}`,
        receiptHandle: 'handle',
        body: JSON.stringify(body),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:webhooks',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

/** The example sequence, stopping for the whole account: a reply looks up the replier's colleagues. */
const forTheAccount = (sequence: CompiledSequence) => {
  sequence.definition.stopOnReplyFrom = 'account';
};

let messageCounter = 0;
/** An SQS batch of the import queues: S3 event notifications or the splitter's messages. */
function importSqsEvent(bodies: unknown[]): SQSEvent {
  const template = sqsEvent([{ enrollmentId: 'x', prospectId: 'x', sequenceId: 'x', run: 1, stepIndex: 0, dueAt: '2026-01-01T00:00:00Z' }]).Records[0];
  return { Records: bodies.map((body) => ({ ...template, messageId: `i-${++messageCounter}`, body: JSON.stringify(body) })) } as SQSEvent;
}

function sqsEvent(messages: TouchMessage[]): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: `m-${++messageCounter}`,
      receiptHandle: 'handle',
      body: JSON.stringify(message),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'scheduler',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:touches',
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * Delivers every touch due by `until` through the worker handler, one message at a time:
 * as the worker of the message's channel queue, or (`legacy`) as messages scheduled before
 * the queues were split, which carry no channel and sit on the email queue.
 */
async function deliverDue(t: DynamoInboundContext, untilMs: number, options: { late?: number; legacy?: boolean } = {}): Promise<void> {
  // Each worker function has its own containers, so its own sequence cache.
  const workers = {
    touchWorker: createTouchWorkerHandler(async () => ({ ...t.ctx, sequenceCache: new Map() })),
    smsTouchWorker: createTouchWorkerHandler(async () => ({ ...t.ctx, sequenceCache: new Map() })),
  };
  for (;;) {
    const next = t.scheduler.due(new Date(untilMs))[0];
    if (!next) break;
    t.clock.moveTo(new Date(Date.parse(next.dueAt) + (options.late ?? 0)));
    const { channel, ...message } = t.scheduler.take(next.scheduleName);
    const delivered: TouchMessage = options.legacy || !channel ? message : { ...message, channel };
    const name = delivered.channel === 'sms' ? 'smsTouchWorker' : 'touchWorker';
    const worker = workers[name];
    // A retryable failure is redelivered by the queue, the same message a minute later.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await as(name, () => worker(sqsEvent([delivered])));
      if (response.batchItemFailures.length === 0) break;
      t.clock.moveTo(new Date(t.clock.now().getTime() + 60_000));
    }
  }
}

async function exampleDefinition(): Promise<{ definition: unknown; templates: Record<string, string> }> {
  const definition = parseSequenceYaml(await readFile(path.join(EXAMPLE_SEQUENCE_DIR, 'sequence.yaml'), 'utf8'), 'sequence.yaml');
  const templates: Record<string, string> = {};
  for (const file of await readdir(EXAMPLE_SEQUENCE_DIR)) {
    if (file.endsWith('.liquid')) templates[file] = await readFile(path.join(EXAMPLE_SEQUENCE_DIR, file), 'utf8');
  }
  return { definition, templates };
}

async function afterFirstEmail(t: DynamoInboundContext, data: Record<string, unknown> = { ...ADA }) {
  const ids = await enrollOne(t, data);
  await deliverDue(t, t.clock.now().getTime());
  const enrollment = await t.store.getEnrollment(ids.enrollmentId);
  const touch = enrollment?.touches['intro'];
  const sent = t.email.sentTo(String(data['email'])).at(-1);
  if (!touch?.providerMessageId || !enrollment?.thread || !sent) throw new Error('first email not sent');
  // The first email's Message-ID is kept once, as the enrollment's thread.
  return { ...ids, touch, thread: enrollment.thread, sent };
}

describe('every function uses exactly the DynamoDB access infra/permissions.ts grants it', () => {
  it('api: health, publishing, listing, enrolling (JSON, CSV, again), stats, prospects, the queries (search, lists, inbox, versions, preview), pause, resume, stop, consent, erasure', async () => {
    const t = await createDynamoInboundContext(db);
    const api = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 5 * 1024 * 1024 });
    const call = (routeKey: string, pathValue: string, options: { id?: string; body?: string; contentType?: string; query?: string } = {}) =>
      as('api', () =>
        api(
          httpEvent({
            routeKey,
            path: pathValue,
            ...(options.query ? { query: options.query } : {}),
            ...(options.id ? { pathParameters: { id: options.id } } : {}),
            headers: { 'content-type': options.contentType ?? 'application/json' },
            ...(options.body !== undefined ? { body: options.body } : {}),
          }),
          lambdaContext,
        ),
      );
    const ok = async (response: Promise<{ statusCode?: number; body?: string }>) => {
      const { statusCode, body } = await response;
      expect(statusCode, body).toBeLessThan(300);
      return JSON.parse(body ?? '{}') as Record<string, any>;
    };
    const sequenceId = 'permissions-check';
    await ok(call('GET /health', '/health'));
    await ok(call('PUT /sequences/{id}', `/sequences/${sequenceId}`, { id: sequenceId, body: JSON.stringify(await exampleDefinition()) }));
    await ok(call('GET /sequences', '/sequences'));
    await ok(call('GET /sequences/{id}', `/sequences/${sequenceId}`, { id: sequenceId }));
    const enrollments = `/sequences/${sequenceId}/enrollments`;
    const json = await ok(
      call('POST /sequences/{id}/enrollments', enrollments, {
        id: sequenceId,
        body: JSON.stringify({ prospects: [{ ...ADA }, { phone: '+14155550188', firstName: 'Grace', timezone: 'America/Chicago' }, { email: 'not-an-address' }] }),
      }),
    );
    const csv = await ok(
      call('POST /sequences/{id}/enrollments', enrollments, {
        id: sequenceId,
        contentType: 'text/csv',
        body: 'email,firstName\nlinus@example.org,Linus\nada@example.com,Ada\n',
      }),
    );
    const [ada, grace] = json.results as { enrollmentId: string; prospectId: string }[];
    const [linus] = csv.results as { enrollmentId: string; prospectId: string }[];
    await ok(call('GET /sequences/{id}/stats', `/sequences/${sequenceId}/stats`, { id: sequenceId }));
    await ok(call('GET /prospects/{id}', `/prospects/${ada!.prospectId}`, { id: ada!.prospectId }));
    // The query API (README "Queries"): search by email, by phone, by name or company; a sequence's lists; the inbox.
    for (const query of ['q=ada%40example.com', 'q=%2B14155550188', 'q=Gra', `sequence=${sequenceId}&status=active`]) await ok(call('GET /prospects', '/prospects', { query }));
    await ok(call('GET /sequences/{id}/enrollments', enrollments, { id: sequenceId, query: 'status=active' }));
    expect((await call('GET /sequences/{id}/enrollments.csv', `${enrollments}.csv`, { id: sequenceId })).statusCode).toBe(200);
    await ok(call('GET /sequences/{id}/versions', `/sequences/${sequenceId}/versions`, { id: sequenceId }));
    await ok(call('POST /sequences/{id}/preview', `/sequences/${sequenceId}/preview`, { id: sequenceId, body: JSON.stringify({ stepId: 'intro', prospectId: ada!.prospectId }) }));
    for (const query of ['', 'kind=reply']) await ok(call('GET /inbox', '/inbox', { query }));
    await ok(call('POST /enrollments/{id}/pause', `/enrollments/${grace!.enrollmentId}/pause`, { id: grace!.enrollmentId }));
    await ok(call('POST /enrollments/{id}/resume', `/enrollments/${grace!.enrollmentId}/resume`, { id: grace!.enrollmentId }));
    await ok(call('POST /enrollments/{id}/stop', `/enrollments/${linus!.enrollmentId}/stop`, { id: linus!.enrollmentId, body: '{"reason":"asked by sales"}' }));
    // Enrolling a stopped prospect again starts a new run.
    await ok(
      call('POST /sequences/{id}/enrollments', enrollments, {
        id: sequenceId,
        body: JSON.stringify({ prospects: [{ email: 'linus@example.org' }], reenroll: true }),
      }),
    );
    await ok(
      call('POST /prospects/{id}/consent', `/prospects/${linus!.prospectId}/consent`, {
        id: linus!.prospectId,
        body: JSON.stringify({ channel: 'email', source: 'asked to hear from us again' }),
      }),
    );
    await ok(call('DELETE /prospects/{id}', `/prospects/${ada!.prospectId}`, { id: ada!.prospectId }));
  });

  /** Emails and SMS sent, a retry, a step skipped for a suppressed number, a permanent failure, a late touch rescheduled, a run completed. */
  async function touchFlows(legacy: boolean, tag: string): Promise<void> {
    const t = await createDynamoInboundContext(db);
    const person = (name: string, phone: string) => ({ ...ADA, email: `${name}.${tag}@example.org`, phone });
    const first = person('ada', tag === 'a' ? '+14155550123' : '+14155550124');
    await enrollOne(t, first);
    t.email.failNext({ kind: 'retryable', reason: 'Throttling' });
    await deliverDue(t, t.clock.now().getTime() + 60 * DAY, { legacy });
    expect(t.email.sentTo(first.email).length).toBeGreaterThan(1);
    expect(t.sms.sentTo(first.phone).length).toBeGreaterThan(0);

    const skipped = person('alan', tag === 'a' ? '+14155550166' : '+14155550167');
    // Suppressed after it was enrolled (an import would not enroll it): its SMS steps are skipped.
    await enrollOne(t, skipped);
    await t.store.putSuppression({ address: skipped.phone, addressHash: addressHash(skipped.phone), channel: 'sms', reason: 'manual', source: 'test', createdAt: t.clock.now().toISOString() });
    // 21610: the number replied STOP to Twilio directly; the worker records the suppression.
    t.sms.failNext({ kind: 'permanent', reason: 'unsubscribed recipient', code: '21610' });
    await enrollOne(t, person('edsger', tag === 'a' ? '+14155550177' : '+14155550178'));
    await deliverDue(t, t.clock.now().getTime() + 60 * DAY, { legacy });

    // A touch delivered hours late, after its send window closed, is moved to the next opening.
    await enrollOne(t, person('barbara', tag === 'a' ? '+14155550155' : '+14155550156'));
    await deliverDue(t, t.clock.now().getTime() + DAY, { late: 10 * 3_600_000, legacy });
    expect(t.scheduler.calls.some((c) => c.op === 'schedule')).toBe(true);
  }

  it('touchWorker and smsTouchWorker: each channel queue worker runs its own touches', async () => {
    await touchFlows(false, 'a');
  });

  it('touchWorker: SMS touches scheduled before the queues were split (no channel) run on the email queue worker', async () => {
    await touchFlows(true, 'b');
  });

  it('twilioWebhook: STOP, START, HELP, a reply (that stops a colleague), delivery and failure callbacks', async () => {
    const t = await createDynamoInboundContext(db, { tweak: forTheAccount });
    const { enrollmentId } = await enrollOne(t);
    const colleague = await enrollOne(t, { email: 'colleague@example.com', firstName: 'Col' });
    await deliverDue(t, t.clock.now().getTime() + 3 * DAY);
    const sms = (await t.store.getEnrollment(enrollmentId))?.touches['check-in'];
    const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    let sid = 0;
    const post = (route: 'sms' | 'status', params: Record<string, string>, query = '') => {
      const pathValue = `/webhooks/twilio/${route}`;
      const url = `${PUBLIC_URL}${pathValue}${query ? `?${query}` : ''}`;
      return as('twilioWebhook', () =>
        handler(
          httpEvent({
            routeKey: `POST ${pathValue}`,
            path: pathValue,
            ...(query ? { query } : {}),
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url, params, AUTH_TOKEN) },
            body: new URLSearchParams(params).toString(),
          }),
          lambdaContext,
        ),
      );
    };
    const inbound = (body: string, from: string = ADA.phone) =>
      post('sms', jsonFixture<Record<string, string>>('twilio/inbound-sms.json', { MESSAGE_SID: `SM${String(++sid).padStart(32, 'a')}`, BODY: body, TO: '+15005550006', FROM: from }));
    const status = (status: string, errorCode?: string) =>
      post(
        'status',
        { MessageSid: sms?.providerMessageId ?? 'SMx', MessageStatus: status, To: ADA.phone, ...(errorCode ? { ErrorCode: errorCode } : {}) },
        `e=${encodeURIComponent(enrollmentId)}&r=1&s=${sms?.stepIndex ?? 1}`,
      );
    for (const response of [await status('delivered'), await inbound('HELP'), await inbound('Sounds good, call me Tuesday')]) {
      expect(response.statusCode).toBe(200);
    }
    expect(await t.store.getEnrollment(colleague.enrollmentId)).toMatchObject({ status: 'stopped' });
    const other = await enrollOne(t, { ...ADA, email: 'joan@example.org', phone: '+14155550144' });
    expect((await inbound('STOP', '+14155550144')).statusCode).toBe(200);
    expect((await inbound('START', '+14155550144')).statusCode).toBe(200);
    expect((await status('undelivered', '21610')).statusCode).toBe(200);
    expect(other.enrollmentId).toBeDefined();
  });

  it('unsubscribe: the page, the one-click POST, the button', async () => {
    const t = await createDynamoInboundContext(db);
    const { prospectId } = await afterFirstEmail(t);
    const handler = createUnsubscribeHandler({ context: async () => t.ctx });
    const token = createUnsubscribeToken({ prospectId, channel: 'email' }, TEST_SETTINGS.signingSecret);
    const call = (method: 'GET' | 'POST', body?: string) =>
      as('unsubscribe', () =>
        handler(
          httpEvent({ routeKey: `${method} /unsubscribe/{token}`, path: `/unsubscribe/${token}`, pathParameters: { token }, ...(body ? { body } : {}) }),
          lambdaContext,
        ),
      );
    expect((await call('GET')).statusCode).toBe(200);
    expect((await call('POST', 'List-Unsubscribe=One-Click')).statusCode).toBe(200);
    expect((await call('POST', 'confirm=yes')).statusCode).toBe(200);
  });

  it('sesInbound: a reply (that stops a colleague), an out-of-office (paused, later resumed by the worker), a mailto unsubscribe, an unknown sender', async () => {
    const t = await createDynamoInboundContext(db, { settings: { replyDomain: 'reply.followup.test' }, tweak: forTheAccount });
    const handler = createSesInboundHandler({ context: async () => t.ctx });
    const deliver = (file: string, replyTo: string, inReplyTo: string) => {
      const mime = fixtureText(`email/${file}`, { PROSPECT_EMAIL: ADA.email, REPLY_TO: replyTo, IN_REPLY_TO: inReplyTo, ENVELOPE_RECIPIENT: replyTo });
      const notification = jsonFixture<Record<string, unknown>>('ses/received-notification.json', {
        PROSPECT_EMAIL: ADA.email,
        ENVELOPE_RECIPIENT: replyTo,
        CONTENT: Buffer.from(mime).toString('base64'),
      });
      return as('sesInbound', () => handler(jsonFixture<SNSEvent>('ses/sns-lambda-event.json', { MESSAGE: JSON.stringify(notification) })));
    };
    const first = await afterFirstEmail(t);
    await deliver('out-of-office-de.eml', first.sent.replyTo!, first.thread.messageIdHeader);
    expect(await t.store.getEnrollment(first.enrollmentId)).toMatchObject({ status: 'paused' });
    await deliverDue(t, t.clock.now().getTime() + 20 * DAY);
    const colleague = await enrollOne(t, { email: 'colleague@example.com', firstName: 'Col' });
    await deliver('gmail-reply.eml', first.sent.replyTo!, first.thread.messageIdHeader);
    expect(await t.store.getEnrollment(first.enrollmentId)).toMatchObject({ status: 'replied' });
    expect(await t.store.getEnrollment(colleague.enrollmentId)).toMatchObject({ status: 'stopped' });
    await deliver('gmail-reply.eml', 'someone@reply.followup.test', '<unknown@example.org>');
    // Mail to the List-Unsubscribe mailto address.
    const second = await afterFirstEmail(t, { ...ADA, email: 'grace@example.org', phone: undefined });
    const mailto = /<mailto:([^>?]+)/.exec(second.sent.headers['List-Unsubscribe'] ?? '')?.[1];
    expect(mailto).toBeDefined();
    await deliver('gmail-reply.eml', mailto!, '<unrelated@example.org>');
    expect(await t.store.getSuppression('grace@example.org')).toBeDefined();
  });

  it('sesEvents: delivery, open, click, transient and permanent bounce, complaint', async () => {
    const t = await createDynamoInboundContext(db);
    const handler = createSesEventsHandler({ context: async () => t.ctx });
    const eventsFor = async (email: string) => {
      const { touch, sent } = await afterFirstEmail(t, { ...ADA, email, phone: undefined });
      const tags = Object.fromEntries(Object.entries(sent.tags).map(([k, v]) => [k, encodeEmailTagValue(v)]));
      return (file: string) =>
        as('sesEvents', () =>
          handler(
            jsonFixture<EventBridgeEvent<string, unknown>>(`ses/${file}`, {
              MESSAGE_ID: touch.providerMessageId!,
              PROSPECT_EMAIL: email,
              TAG_PROSPECT_ID: tags['prospectId']!,
              TAG_SEQUENCE_ID: tags['sequenceId']!,
              TAG_RUN: tags['run']!,
              TAG_STEP_INDEX: tags['stepIndex']!,
            }),
          ),
        );
    };
    const one = await eventsFor(ADA.email);
    for (const file of ['eventbridge-delivery.json', 'eventbridge-open.json', 'eventbridge-click.json', 'eventbridge-bounce-transient.json', 'eventbridge-bounce-permanent.json']) {
      await one(file);
    }
    const two = await eventsFor('grace@example.org');
    await two('eventbridge-complaint.json');
    expect(EXAMPLE_SEQUENCE_ID).toBeTruthy();
  });

  it('api, importSplitter and importWorker: an import job created, uploaded (its S3 event delivered twice), split, enrolled chunk by chunk (a chunk delivered twice), read, cancelled', async () => {
    const t = await createDynamoInboundContext(db);
    const objects = new MemoryObjectStore();
    const chunkQueue = new RecordingImportQueue();
    const services: ImportServices = { imports: dynamoImportStore({ client: db.client, tableName: t.tableName }), objects, uploads: fakeUploadUrls, importQueue: chunkQueue };
    const importing = async () => ({ ...t.ctx, ...services });
    const api = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 1024 * 1024, imports: async () => services });
    const call = async (routeKey: string, pathValue: string, options: { id?: string; body?: string } = {}) => {
      const response = await as('api', () =>
        api(
          httpEvent({
            routeKey,
            path: pathValue,
            ...(options.id ? { pathParameters: { id: options.id } } : {}),
            headers: { 'content-type': 'application/json' },
            ...(options.body !== undefined ? { body: options.body } : {}),
          }),
          lambdaContext,
        ),
      );
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response;
    };
    const created = JSON.parse((await call('POST /imports', '/imports', { body: JSON.stringify({ sequenceId: EXAMPLE_SEQUENCE_ID }) })).body ?? '{}') as { importId: string };
    const file = ['Email,First Name,Mobile', 'ada@example.com,Ada,+14155550123', 'alan@example.org,Alan,', ',Grace,+14155550188', 'bad,Bad,'].join('\n');
    await objects.put(`imports/${created.importId}/upload.csv`, `${file}\n`);
    const s3Event = { Records: [{ s3: { object: { key: `imports/${created.importId}/upload.csv` } } }] };
    const splitter = createImportQueueHandler(createImportWorker(importing, { chunkLimits: { maxRows: 2 } }));
    for (let i = 0; i < 2; i++) expect((await as('importSplitter', () => splitter(importSqsEvent([s3Event])))).batchItemFailures).toEqual([]);
    const chunks = chunkQueue.sent.splice(0);
    // A table kept from before phone holders items (no layout marker): the worker also takes
    // the fallback it is granted Query@byPhone for (functions/adapters/dynamodb/keys.ts).
    await db.client.send(new DeleteCommand({ TableName: t.tableName, Key: keys.phoneHoldersMarker() }));
    const worker = createImportQueueHandler(createImportWorker(importing));
    for (const message of [...chunks, chunks[0]]) expect((await as('importWorker', () => worker(importSqsEvent([message])))).batchItemFailures).toEqual([]);
    const id = created.importId;
    await call('GET /imports/{id}', `/imports/${id}`, { id });
    await call('GET /imports/{id}/results.csv', `/imports/${id}/results.csv`, { id });
    const other = JSON.parse((await call('POST /imports', '/imports', { body: JSON.stringify({ sequenceId: EXAMPLE_SEQUENCE_ID }) })).body ?? '{}') as { importId: string };
    await call('POST /imports/{id}/cancel', `/imports/${other.importId}/cancel`, { id: other.importId });
  });

  it("the rep's side: a call step's task listed (one rep, everyone), an outcome, an event, goals, click to call, voice webhooks, webhook deliveries", async () => {
    const t = await createDynamoInboundContext(db);
    const compiled = await loadSequenceFromDirectory(path.resolve('templates/phone-first-follow-up'));
    const { sequence } = await publishSequence(t.ctx, compiled);
    const rep: Principal = { principal: 'user', role: 'editor', sub: 'u1', email: 'sales@northwind.example' };
    const api = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 1024 * 1024 });
    const call = (routeKey: string, pathValue: string, options: { id?: string; body?: unknown; query?: string } = {}) =>
      as('api', () =>
        api(
          httpEvent({
            routeKey,
            path: pathValue,
            principal: rep,
            ...(options.query ? { query: options.query } : {}),
            ...(options.id ? { pathParameters: { id: options.id } } : {}),
            headers: { 'content-type': 'application/json' },
            ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          }),
          lambdaContext,
        ),
      );
    const ok = async (response: Promise<{ statusCode?: number; body?: string }>) => {
      const { statusCode, body } = await response;
      expect(statusCode, body).toBeLessThan(300);
      return JSON.parse(body ?? '{}') as Record<string, any>;
    };
    const ids = await enrollOne({ ctx: t.ctx, sequence });
    const other = await enrollOne({ ctx: t.ctx, sequence }, { ...ADA, email: 'grace@example.org', phone: '+14155550148' });
    await deliverDue(t, t.clock.now().getTime() + 3_600_000);
    await ok(call('PUT /me', '/me', { body: { phone: '+14155550100', dailyGoal: 3 } }));
    const mine = await ok(call('GET /tasks', '/tasks', { query: 'due=all' }));
    const everyone = await ok(call('GET /tasks', '/tasks', { query: 'assignee=all&due=today' }));
    expect(mine.items).toHaveLength(2);
    expect(everyone.items).toHaveLength(2);
    const byProspect = (prospectId: string) => (mine.items as { id: string; prospectId: string }[]).find((task) => task.prospectId === prospectId);
    const [first, second] = [byProspect(ids.prospectId), byProspect(other.prospectId)];

    // Click to call, then Twilio's side of it.
    const voiceCalls = createVoiceCallsHandler({ context: async () => t.ctx });
    const placed = await as('voiceCalls', () =>
      voiceCalls(httpEvent({ routeKey: 'POST /tasks/{id}/call', path: `/tasks/${first!.id}/call`, principal: rep, pathParameters: { id: first!.id } }), lambdaContext),
    );
    expect(placed.statusCode, placed.body).toBe(200);
    const twilio = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    const voice = (route: 'twiml' | 'status', query: string, params: Record<string, string>) => {
      const pathValue = `/webhooks/twilio/voice/${route}`;
      return as('twilioWebhook', () =>
        twilio(
          httpEvent({
            routeKey: `POST ${pathValue}`,
            path: pathValue,
            query,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(`${PUBLIC_URL}${pathValue}?${query}`, params, AUTH_TOKEN) },
            body: new URLSearchParams(params).toString(),
          }),
          lambdaContext,
        ),
      );
    };
    const bridge = `k=bridge&t=${encodeURIComponent(first!.id)}`;
    expect((await voice('twiml', bridge, { CallSid: `CA${'1'.repeat(32)}` })).statusCode).toBe(200);
    expect((await voice('status', `${bridge}&leg=rep`, { CallSid: JSON.parse(placed.body ?? '{}').callSid, CallStatus: 'completed', CallDuration: '60' })).statusCode).toBe(200);

    // Outcomes: one continues (the voicemail drop follows), one converts; an outside event; the team.
    await ok(call('POST /tasks/{id}/outcome', `/tasks/${first!.id}/outcome`, { id: first!.id, body: { outcome: 'no_answer', fields: { currentTool: 'Excel' } } }));
    await ok(call('POST /tasks/{id}/outcome', `/tasks/${second!.id}/outcome`, { id: second!.id, body: { outcome: 'meeting_booked' } }));
    await ok(call('POST /prospects/{id}/events', `/prospects/${ids.prospectId}/events`, { id: ids.prospectId, body: { name: 'webinar_attended' } }));
    await ok(call('GET /me', '/me'));
    await ok(call('GET /team/progress', '/team/progress'));
    await deliverDue(t, t.clock.now().getTime() + 20 * 60_000);
    const callSid = (await t.store.getEnrollment(ids.enrollmentId))?.touches['voicemail']?.providerMessageId as string;
    const vm = `k=vm&e=${encodeURIComponent(ids.enrollmentId)}&r=1&s=2`;
    expect((await voice('twiml', vm, { CallSid: callSid, AnsweredBy: 'machine_end_beep' })).body).toContain('<Say');
    expect((await voice('status', vm, { CallSid: callSid, CallStatus: 'completed', CallDuration: '20' })).statusCode).toBe(200);
    expect(other.enrollmentId).toBeDefined();

    // Webhook deliveries: the AWS sender records an attempt; the console lists them.
    const sender = createWebhookSenderHandler({
      context: async () => ({ store: t.store, clock: t.clock, logger: t.ctx.logger, transport: { post: async () => ({ status: 204 }) }, secrets: async () => ['whsec_0123456789abcdef'] }),
      endpoints: () => [{ id: 'crm', url: 'https://crm.example.com/hooks', secret: 'whsec_0123456789abcdef' }],
      maxAttempts: () => 8,
    });
    const detail = { id: 'evt_1', type: 'converted', at: t.clock.now().toISOString(), data: { prospectId: ids.prospectId } };
    const response = await as('webhookSender', () => sender(deliveryEvent({ endpointId: 'crm', event: { detail } })));
    expect(response.batchItemFailures).toEqual([]);
    expect((await ok(call('GET /webhooks/deliveries', '/webhooks/deliveries'))).items).toHaveLength(1);
  });

  it('authorizer: never touches DynamoDB (it reads only its secret)', () => {
    expect(FUNCTION_ACCESS.authorizer.table).toEqual([]);
    expect(used.get('authorizer')!.size).toBe(0);
  });

  describe.each(HANDLER_NAMES.filter((name) => name !== 'authorizer'))('%s', (name) => {
    const granted = () => new Set<string>([...FUNCTION_ACCESS[name].table, ...FUNCTION_ACCESS[name].indexes.map((index) => `Query@${index}`)]);
    const gaps = KNOWN_DYNAMODB_GAPS.filter((gap) => gap.function === name);

    it('used nothing it is not granted', () => {
      const uses = [...used.get(name)!];
      expect(uses.length, `${name}: its flows ran`).toBeGreaterThan(0);
      const denied = uses.filter((op) => !granted().has(op) && !gaps.some((gap) => gap.uses === op));
      expect(denied, `${name} would get AccessDenied in AWS for`).toEqual([]);
      expect(uses).not.toContain('Scan');
    });

    it('is granted nothing it never used', () => {
      const unused = [...granted()].filter((op) => !used.get(name)!.has(op) && !gaps.some((gap) => gap.target === op));
      expect(unused, `${name} is granted but never uses`).toEqual([]);
    });

    it('lists only gaps that are still open', () => {
      for (const gap of gaps) expect(used.get(name)!.has(gap.uses), `${name}: ${gap.uses} is no longer used; remove the gap`).toBe(true);
    });
  });
});
