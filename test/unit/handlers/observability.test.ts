/**
 * What an operator sees in CloudWatch, from the handlers as they are wrapped for Lambda
 * (`observedHandler`: middy, Powertools `injectLambdaContext`, correlation, metrics),
 * with the real Powertools Logger and Metrics writing to stdout (captured here):
 * - one correlation id from the enrollment request to every provider call of its touches;
 * - embedded-metric-format lines counting touches per channel, latency, retries, opt-outs;
 * - ids in the logs, never addresses, names or message text.
 */
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TouchMessage } from '../../../functions/ports.js';
import { createApiHandler } from '../../../functions/handlers/api.js';
import { correlatedEmailSender, correlatedScheduler, correlatedSmsSender } from '../../../functions/handlers/shared/correlation.js';
import { logger } from '../../../functions/handlers/shared/logger.js';
import { METRIC, METRICS_NAMESPACE } from '../../../functions/handlers/shared/metric-names.js';
import { httpRequestId, observedHandler } from '../../../functions/handlers/shared/observability.js';
import { createTouchWorkerHandler } from '../../../functions/handlers/touch-worker.js';
import { createSesEventsHandler } from '../../../functions/handlers/ses-events.js';
import { createTwilioWebhookHandler, twilioCorrelationId } from '../../../functions/handlers/twilio-webhook.js';
import { encodeEmailTagValue } from '../../../functions/adapters/email-tags.js';
import { signTwilioRequest } from '../../../functions/local/twilio-stub.js';
import type { SendingContext } from '../../../functions/use-cases/context.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, type TestContext } from '../../fakes/test-context.js';

// As engine prop `logLevel: 'DEBUG'` deploys the functions (before the logger is built
// at import): every line is written, and each test asserts on the levels, which is what
// the default INFO keeps.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

let lines: Record<string, any>[];

beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, any>);
    }
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  delete process.env.POWERTOOLS_LOG_LEVEL;
});

const logLines = () => lines.filter((line) => typeof line.message === 'string');
const emfLines = () => lines.filter((line) => line._aws?.CloudWatchMetrics);
/** metric name → { channel → summed values } from the EMF lines. */
function emitted(): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const line of emfLines()) {
    for (const { Name } of line._aws.CloudWatchMetrics[0].Metrics as { Name: string }[]) {
      const values = [line[Name]].flat() as number[];
      ((out[Name] ??= {})[line.channel ?? '-'] ??= []).push(...values);
    }
  }
  return out;
}

/** The Lambda wiring of the handlers (as in their entry files), over the in-memory test context. */
function lambdaWiring(t: TestContext) {
  const ctx: SendingContext = {
    ...t.ctx,
    logger,
    scheduler: correlatedScheduler(t.scheduler),
    email: correlatedEmailSender(t.email, logger),
    sms: correlatedSmsSender(t.sms, logger),
  };
  const api = observedHandler(() => createApiHandler({ context: async () => ctx, maxEnrollmentBodyBytes: 1_000_000 }), {
    correlationId: httpRequestId,
  });
  const worker = observedHandler((metrics) => createTouchWorkerHandler(async () => ctx, { metrics }));
  return { ctx, api, worker };
}

function sqsEvent(messages: TouchMessage[]): SQSEvent {
  return {
    Records: messages.map((message, index) => ({
      messageId: `message-${index}`,
      receiptHandle: 'r',
      body: JSON.stringify(message),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:touches',
      awsRegion: 'us-east-1',
    })),
  };
}

async function enrollAda(t: TestContext, api: ReturnType<typeof lambdaWiring>['api']) {
  const event: APIGatewayProxyEventV2 = httpEvent({
    routeKey: 'POST /sequences/{id}/enrollments',
    path: `/sequences/${t.sequence.id}/enrollments`,
    pathParameters: { id: t.sequence.id },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prospects: [{ ...ADA }] }),
  });
  const response = (await api(event, lambdaContext)) as { statusCode: number };
  expect(response.statusCode).toBe(200);
  return event.requestContext.requestId;
}

describe('correlation id', () => {
  it('goes from the enrollment request through every schedule and touch message to each provider call', async () => {
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    const requestId = await enrollAda(t, api);

    const [first] = t.scheduler.pendingTouches();
    expect(first?.correlationId).toBe(requestId);
    // Email, then SMS: each touch schedules the next with the same id.
    for (let step = 0; step < 2; step++) {
      const next = t.scheduler.pendingTouches()[0]!;
      t.clock.moveTo(new Date(next.dueAt));
      const response = await worker(sqsEvent([messageOf(t.scheduler.get(next.scheduleName)!)]), lambdaContext);
      t.scheduler.take(next.scheduleName);
      expect(response.batchItemFailures).toEqual([]);
    }
    expect(t.scheduler.created().map((touch) => touch.correlationId)).toEqual(t.scheduler.created().map(() => requestId));

    const providerCalls = logLines().filter((line) => line.message === 'provider call');
    expect(providerCalls.map((line) => [line.channel, line.result, line.correlationId])).toEqual([
      ['email', 'sent', requestId],
      ['sms', 'sent', requestId],
    ]);
    // Handed to the providers, so their events can be followed too.
    expect(t.email.sent[0]?.tags.correlationId).toBe(requestId);
    expect(new URL(t.sms.sent[0]!.statusCallbackUrl!).searchParams.get('c')).toBe(requestId);
    // injectLambdaContext: the Lambda request id and cold start on the worker's lines.
    const touchLog = logLines().find((line) => line.message === 'touch sent')!;
    expect(touchLog).toMatchObject({ correlationId: requestId, function_request_id: lambdaContext.awsRequestId });
    expect(touchLog.cold_start).toBeTypeOf('boolean');
  });

  it('keeps each record of a batch on its own id', async () => {
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    await enrollAda(t, api);
    const other = await enrollAda(t, api).catch(() => undefined);
    expect(other).toBeDefined();
    const touches = t.scheduler.pendingTouches();
    t.clock.moveTo(new Date(touches[0]!.dueAt));
    const a = { ...messageOf(touches[0]!), correlationId: 'request-a' };
    await worker(sqsEvent([a]), lambdaContext);
    expect(logLines().filter((l) => l.message === 'provider call').map((l) => l.correlationId)).toEqual(['request-a']);
  });
});

describe('metrics (embedded metric format)', () => {
  it('counts sent touches per channel with their due-to-sent latency, and retries', async () => {
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    await enrollAda(t, api);
    const deliver = async (lateMs: number) => {
      const next = t.scheduler.pendingTouches()[0]!;
      t.clock.moveTo(new Date(Date.parse(next.dueAt) + lateMs));
      const message = messageOf(t.scheduler.get(next.scheduleName)!);
      const response = await worker(sqsEvent([message]), lambdaContext);
      if (response.batchItemFailures.length === 0) t.scheduler.take(next.scheduleName);
      return response;
    };
    t.email.failNext({ kind: 'retryable', reason: 'Throttling' });
    expect((await deliver(0)).batchItemFailures).toHaveLength(1);
    await deliver(4_000);
    await deliver(2_500);

    const metrics = emitted();
    expect(metrics[METRIC.touchesRetried]).toEqual({ email: [1] });
    expect(metrics[METRIC.touchesSent]).toEqual({ email: [1], sms: [1] });
    expect(metrics[METRIC.dueToSentLatency]).toEqual({ email: [4_000], sms: [2_500] });
    for (const line of emfLines()) {
      const [directive] = line._aws.CloudWatchMetrics;
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive.Dimensions).toEqual([['service', 'channel']]);
      expect(line.service).toBe('followup');
    }
  });

  it('counts an SMS opt-out and a reply from the Twilio webhook', async () => {
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    await enrollAda(t, api);
    const next = t.scheduler.pendingTouches()[0]!;
    t.clock.moveTo(new Date(next.dueAt));
    await worker(sqsEvent([messageOf(next)]), lambdaContext);
    const token = 'auth-token-0123456789';
    const webhook = observedHandler((metrics) =>
      createTwilioWebhookHandler({ context: async () => ({ ...t.ctx, logger }), authToken: async () => token, publicUrl: () => 'https://followup.test', metrics }),
    );
    const post = (body: string) => {
      const params = { MessageSid: `SM${body.length}`, From: ADA.phone, To: '+15005550006', Body: body };
      return webhook(
        httpEvent({
          routeKey: 'POST /webhooks/twilio/sms',
          path: '/webhooks/twilio/sms',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest('https://followup.test/webhooks/twilio/sms', params, token) },
          body: new URLSearchParams(params).toString(),
        }),
        lambdaContext,
      );
    };
    lines.length = 0;
    await post('Interested, call me');
    await post('STOP');
    expect(emitted()).toEqual({ [METRIC.replies]: { sms: [1] }, [METRIC.optOuts]: { sms: [1] } });
  });
});

describe('logs', () => {
  it('carry ids, never addresses, names or message text, on every new line', async () => {
    // Debug lines included: an operator who turns them on must not see addresses either.
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    await enrollAda(t, api);
    for (let step = 0; step < 2; step++) {
      const next = t.scheduler.pendingTouches()[0]!;
      t.clock.moveTo(new Date(next.dueAt));
      await worker(sqsEvent([messageOf(next)]), lambdaContext);
      t.scheduler.take(next.scheduleName);
    }
    // A re-import that changes the profile: the old and new values go to the timeline only.
    const changed = { ...ADA, lastName: 'King-Noel', company: 'Difference Engines Ltd', attributes: { industry: 'weaving-looms' } };
    const reimport = await api(
      httpEvent({
        routeKey: 'POST /sequences/{id}/enrollments',
        path: `/sequences/${t.sequence.id}/enrollments`,
        pathParameters: { id: t.sequence.id },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prospects: [changed] }),
      }),
      lambdaContext,
    );
    expect((reimport as { statusCode: number }).statusCode).toBe(200);
    expect((await t.store.listTimeline(t.scheduler.created()[0]!.prospectId)).some((e) => e.type === 'profile_updated')).toBe(true);

    const text = JSON.stringify(lines);
    expect(logLines().length).toBeGreaterThan(3);
    const secrets = [ADA.email, ADA.phone, ADA.firstName, ADA.lastName, ADA.company, changed.lastName, changed.company, changed.attributes.industry];
    for (const secret of [...secrets, t.email.sent[0]!.subject, t.sms.sent[0]!.body.slice(0, 20)]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('log levels (CloudWatch Logs bills every line)', () => {
  const token = 'auth-token-0123456789';

  /** Ada's email and SMS touches sent, and the handlers that receive their events. */
  async function sentTouches() {
    const t = await createTestContext();
    const { api, worker } = lambdaWiring(t);
    await enrollAda(t, api);
    const run = async () => {
      const next = t.scheduler.pendingTouches()[0]!;
      t.clock.moveTo(new Date(next.dueAt));
      const response = await worker(sqsEvent([messageOf(next)]), lambdaContext);
      if (response.batchItemFailures.length === 0) t.scheduler.take(next.scheduleName);
    };
    const ctx = { ...t.ctx, logger };
    const sesEvents = observedHandler((metrics) => createSesEventsHandler({ context: async () => ctx, metrics }));
    const twilio = observedHandler((metrics) =>
      createTwilioWebhookHandler({ context: async () => ctx, authToken: async () => token, publicUrl: () => 'https://followup.test', metrics }),
    );
    const sesEvent = (eventType: string, field: string, extra: Record<string, unknown> = {}) => {
      const email = t.email.attempts.find((a) => a.result.kind === 'sent')!;
      const messageId = (email.result as { providerMessageId: string }).providerMessageId;
      const tags = Object.fromEntries(Object.entries(email.message.tags).map(([key, value]) => [key, [encodeEmailTagValue(value)]]));
      const at = t.clock.now().toISOString();
      return sesEvents(
        { version: '0', id: `event-${eventType}`, 'detail-type': `Email ${eventType}`, source: 'aws.ses', account: '1', time: at, region: 'us-east-1', resources: [],
          detail: { eventType, mail: { messageId, timestamp: at, tags }, [field]: { timestamp: at, ...extra } } } as never,
        lambdaContext,
      );
    };
    const smsStatus = (status: string, errorCode?: string) => {
      const sms = t.sms.attempts.find((a) => a.result.kind === 'sent')!;
      const url = new URL(sms.message.statusCallbackUrl!);
      const params = { MessageSid: (sms.result as { providerMessageId: string }).providerMessageId, MessageStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) };
      return twilio(
        httpEvent({
          routeKey: 'POST /webhooks/twilio/status',
          path: url.pathname,
          query: url.search.slice(1),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url.toString(), params, token) },
          body: new URLSearchParams(params).toString(),
        }),
        lambdaContext,
      );
    };
    return { t, run, sesEvent, smsStatus };
  }

  it('a sent touch and its routine events (delivery, open, click, SMS sent and delivered) write no line at the default level', async () => {
    const { t, run, sesEvent, smsStatus } = await sentTouches();
    lines.length = 0;
    await run();
    await run();
    expect(t.email.sent).toHaveLength(1);
    expect(t.sms.sent).toHaveLength(1);
    await sesEvent('Delivery', 'delivery');
    await sesEvent('Open', 'open');
    await sesEvent('Click', 'click', { link: 'https://northwind.example/pricing' });
    await smsStatus('sent');
    await smsStatus('delivered');
    expect((await t.store.getEnrollment(t.scheduler.created()[0]!.enrollmentId))!.touches).toSatisfy((touches: object) =>
      Object.values(touches).every((touch: { status: string }) => touch.status === 'delivered'),
    );
    // Nothing an operator would act on happened: at the default INFO only the metrics (EMF) lines are written.
    expect(logLines().length).toBeGreaterThan(0);
    expect(logLines().filter((line) => line.level !== 'DEBUG').map((line) => line.message)).toEqual([]);
    expect(emfLines().length).toBeGreaterThan(0);
  });

  it('what an operator acts on stays at info: a refused send, a hard bounce, an undelivered SMS', async () => {
    const { t, run, sesEvent, smsStatus } = await sentTouches();
    lines.length = 0;
    t.email.failNext({ kind: 'retryable', reason: 'Throttling' });
    await run();
    // (Warnings go to stderr: 'send failed, will retry' is not among these lines.)
    expect(logLines().filter((l) => l.level !== 'DEBUG')).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'provider call', channel: 'email', result: 'retryable', reason: 'Throttling' }),
    ]);
    await run();
    await run();
    lines.length = 0;
    await sesEvent('Bounce', 'bounce', { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: ADA.email }] });
    await smsStatus('undelivered', '30003');
    const handled = logLines().find((l) => l.message === 'SES event handled');
    expect(handled).toMatchObject({ level: 'INFO', detailType: 'Email Bounce', outcome: 'suppressed' });
    expect(logLines().find((l) => l.message === 'SMS status recorded')).toMatchObject({ level: 'INFO', status: 'undelivered', errorCode: '30003' });
    expect(JSON.stringify(lines)).not.toContain(ADA.email);
  });

  it('logLevel DEBUG shows the routine lines too', async () => {
    const { run, sesEvent, smsStatus } = await sentTouches();
    lines.length = 0;
    await run();
    await run();
    await sesEvent('Delivery', 'delivery');
    await smsStatus('delivered');
    const messages = logLines().map((l) => `${l.level} ${l.message}`);
    expect(messages).toEqual(expect.arrayContaining(['DEBUG touch sent', 'DEBUG provider call', 'DEBUG SES event handled', 'DEBUG SMS status recorded']));
  });
});

describe('events coming back from the providers', () => {
  it('an SES event carries the correlation id of the touch back (email tag), else its own event id', async () => {
    const { correlationIdOf } = await import('../../../functions/handlers/ses-events.js');
    const { encodeEmailTagValue } = await import('../../../functions/adapters/email-tags.js');
    const event = (tags: Record<string, string[]>) =>
      ({ id: 'event-1', detail: { eventType: 'Delivery', mail: { messageId: 'm', tags } } }) as never;
    expect(correlationIdOf(event({ correlationId: [encodeEmailTagValue('Jx1ZbjX7oAMEbXw=')] }))).toBe('Jx1ZbjX7oAMEbXw=');
    expect(correlationIdOf(event({}))).toBe('event-1');
  });

  it('a Twilio status callback logs under the id the touch put in its URL', async () => {
    const t = await createTestContext();
    const token = 'auth-token-0123456789';
    const webhook = observedHandler(
      (metrics) =>
        createTwilioWebhookHandler({ context: async () => ({ ...t.ctx, logger }), authToken: async () => token, publicUrl: () => 'https://followup.test', metrics }),
      { correlationId: twilioCorrelationId },
    );
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const url = 'https://followup.test/webhooks/twilio/status?c=request-7';
    await webhook(
      httpEvent({
        routeKey: 'POST /webhooks/twilio/status',
        path: '/webhooks/twilio/status',
        query: 'c=request-7',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url, params, token) },
        body: new URLSearchParams(params).toString(),
      }),
      lambdaContext,
    );
    expect(logLines().find((line) => line.message === 'SMS status callback without touch identity')).toMatchObject({ correlationId: 'request-7' });
  });
});
