/**
 * The Twilio webhook handler (both routes) with real-shaped form posts signed by the
 * twilio library, over the DynamoDB store on dynalite — and the reply-vs-touch race at
 * the handler level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { createTwilioWebhookHandler } from '../../../functions/handlers/twilio-webhook.js';
import { signTwilioRequest } from '../../../functions/local/twilio-stub.js';
import type { Store } from '../../../functions/ports.js';
import type { SendingContext } from '../../../functions/use-cases/context.js';
import { runTouch } from '../../../functions/use-cases/run-touch.js';
import { jitter, pause, seededRandom } from '../../fakes/delay.js';
import { createDynamoInboundContext, type DynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { jsonFixture } from '../../fakes/fixtures.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, enrollOne } from '../../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = 'https://followup.example.com';
const OUR_NUMBER = '+15005550006';
const DAY = 86_400_000;

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

let sidCounter = 0;
function inboundParams(body: string, from: string = ADA.phone): Record<string, string> {
  const sid = `SM${String(++sidCounter).padStart(32, 'a')}`;
  return jsonFixture<Record<string, string>>('twilio/inbound-sms.json', { MESSAGE_SID: sid, BODY: body, TO: OUR_NUMBER, FROM: from });
}

function signedPost(
  route: 'sms' | 'status',
  params: Record<string, string>,
  options: { query?: string; signature?: string | null; base64?: boolean; signUrl?: string } = {},
) {
  const path = `/webhooks/twilio/${route}`;
  const url = options.signUrl ?? `${PUBLIC_URL}${path}${options.query ? `?${options.query}` : ''}`;
  const signature = options.signature === undefined ? signTwilioRequest(url, params, AUTH_TOKEN) : options.signature;
  return httpEvent({
    routeKey: `POST ${path}`,
    path,
    ...(options.query ? { query: options.query } : {}),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'i-twilio-idempotency-token': 'c1f2e3d4',
      ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(params).toString(),
    ...(options.base64 ? { base64: true } : {}),
  });
}

function handlerFor(ctx: SendingContext) {
  const handler = createTwilioWebhookHandler({
    context: async () => ctx,
    authToken: async () => AUTH_TOKEN,
    publicUrl: () => `${PUBLIC_URL}/`,
  });
  return (event: ReturnType<typeof httpEvent>) => handler(event, lambdaContext);
}

async function adaAfterFirstEmail(): Promise<DynamoInboundContext & { enrollmentId: string; prospectId: string }> {
  const t = await createDynamoInboundContext(db);
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  return { ...t, ...ids };
}

describe('POST /webhooks/twilio/sms: signatures', () => {
  it('a forged or missing signature answers 403 and changes nothing', async () => {
    const t = await adaAfterFirstEmail();
    const handle = handlerFor(t.ctx);
    const params = inboundParams('STOP');
    const forged = signTwilioRequest(`${PUBLIC_URL}/webhooks/twilio/sms`, params, 'not-the-auth-token');
    const tamperedParams = { ...params };

    expect((await handle(signedPost('sms', params, { signature: forged }))).statusCode).toBe(403);
    expect((await handle(signedPost('sms', params, { signature: null }))).statusCode).toBe(403);
    // Signed, then the body was changed in transit.
    const signed = signedPost('sms', params);
    tamperedParams['Body'] = 'START';
    expect((await handle({ ...signed, body: new URLSearchParams(tamperedParams).toString() })).statusCode).toBe(403);
    // Signed over the URL API Gateway saw instead of the public URL.
    expect(
      (await handle(signedPost('sms', params, { signUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/twilio/sms' }))).statusCode,
    ).toBe(403);

    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'active' });
    expect(t.scheduler.pendingFor(t.enrollmentId)).toHaveLength(1);
  });

  it('a valid signed STOP: suppressed, every enrollment stopped, schedule deleted, a queued touch sends nothing', async () => {
    const t = await adaAfterFirstEmail();
    const handle = handlerFor(t.ctx);
    const queued = t.scheduler.pendingFor(t.enrollmentId)[0];
    expect(queued).toBeDefined();

    const response = await handle(signedPost('sms', inboundParams('Stop')));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/xml/);
    expect(response.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({
      addressHash: addressHash(ADA.phone),
      channel: 'sms',
      reason: 'sms_stop',
      source: 'twilio:STOP',
    });
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.scheduler.pendingFor(t.enrollmentId)).toEqual([]);
    expect(t.scheduler.calls.some((c) => c.op === 'cancel' && c.scheduleName === queued?.scheduleName && c.existed)).toBe(true);

    t.clock.set(queued!.dueAt);
    expect(await runTouch(t.ctx, messageOf(queued!))).toMatchObject({ kind: 'stale' });
    await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  });

  it('decodes base64 bodies (API Gateway) and answers HELP with TwiML naming the sender', async () => {
    const t = await adaAfterFirstEmail();
    const response = await handlerFor(t.ctx)(signedPost('sms', inboundParams('help'), { base64: true }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>This is Dana Whitfield at Northwind Analytics\./);
    expect(response.body).toContain('Reply STOP to opt out');
    expect(response.body).toContain('Msg&amp;data rates');
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('a reply stops as replied, keeps the text and emails the owner; an unknown number gets an empty answer', async () => {
    const t = await adaAfterFirstEmail();
    const handle = handlerFor(t.ctx);
    const response = await handle(signedPost('sms', inboundParams('Yes! Call me at 3pm')));
    expect(response.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'replied' });
    expect((await t.store.listTimeline(t.prospectId)).find((e) => e.type === 'replied')?.detail).toBe('SMS: Yes! Call me at 3pm');
    expect(t.email.sent.filter((m) => m.to === 'sales@northwind.example')).toHaveLength(1);

    const unknown = await handle(signedPost('sms', inboundParams('hello?', '+14155550100')));
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});

describe('hostile bodies', () => {
  it('a 1.2 MB body of 100,000 repeated keys with a forged signature answers 413 and changes nothing', async () => {
    const t = await adaAfterFirstEmail();
    const body = Array.from({ length: 100_000 }, (_, i) => `Body=${String(i).padStart(7, '0')}`).join('&');
    expect(body.length).toBeGreaterThan(1_200_000);
    const event = { ...signedPost('sms', inboundParams('STOP'), { signature: 'Zm9yZ2VkIHNpZ25hdHVyZQ==' }), body };
    const response = await handlerFor(t.ctx)(event);
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body ?? '{}').error).toMatch(/65536 bytes/);
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('a body under the cap with thousands of repeated keys and a forged signature is a 403', async () => {
    const t = await adaAfterFirstEmail();
    const params = inboundParams('STOP');
    const body = `${new URLSearchParams(params).toString()}&${Array.from({ length: 5_000 }, () => 'From=%2B1').join('&')}`;
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await handlerFor(t.ctx)({ ...signedPost('sms', params, { signature: 'Zm9yZ2VkIHNpZ25hdHVyZQ==' }), body });
    expect(response.statusCode).toBe(403);
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();
  });
});

describe('POST /webhooks/twilio/status', () => {
  async function afterFirstSms() {
    const t = await adaAfterFirstEmail();
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);
    const [sent] = t.sms.sent;
    const touch = (await t.store.getEnrollment(t.enrollmentId))?.touches['check-in'];
    if (!sent?.statusCallbackUrl || !touch?.providerMessageId) throw new Error('no SMS touch');
    const callback = new URL(sent.statusCallbackUrl);
    return { t, sid: touch.providerMessageId, query: callback.search.slice(1), callback };
  }

  it('the callback URL we gave Twilio is the configured public URL with the touch identity', async () => {
    const { callback, t } = await afterFirstSms();
    expect(`${callback.origin}${callback.pathname}`).toBe('https://followup.test/webhooks/twilio/status');
    expect(Object.fromEntries(callback.searchParams)).toEqual({ e: t.enrollmentId, r: '1', s: '1' });
  });

  it('records delivered against the touch, signed over the URL with its query string', async () => {
    const { t, sid, query } = await afterFirstSms();
    const handle = handlerFor(t.ctx);
    const params = jsonFixture<Record<string, string>>('twilio/status-callback.json', { MESSAGE_SID: sid, STATUS: 'delivered', TO: ADA.phone, ERROR_CODE: '' });
    const unsigned = await handle(signedPost('status', params, { query, signUrl: `${PUBLIC_URL}/webhooks/twilio/status` }));
    expect(unsigned.statusCode).toBe(403); // the query string is part of what Twilio signs

    const response = await handle(signedPost('status', params, { query }));
    expect(response.statusCode).toBe(200);
    expect((await t.store.getEnrollment(t.enrollmentId))?.touches['check-in']?.status).toBe('delivered');
    expect(await t.store.getCounters(t.sequence.id)).toMatchObject({ 'step.check-in.delivered': 1 });
  });

  it('error 21610 suppresses the phone and stops the enrollment', async () => {
    const { t, sid, query } = await afterFirstSms();
    const params = jsonFixture<Record<string, string>>('twilio/status-callback.json', { MESSAGE_SID: sid, STATUS: 'undelivered', TO: ADA.phone, ERROR_CODE: '21610' });
    expect((await handlerFor(t.ctx)(signedPost('status', params, { query }))).statusCode).toBe(200);
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ reason: 'sms_stop', source: 'twilio:21610' });
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect((await t.store.getEnrollment(t.enrollmentId))?.touches['check-in']).toMatchObject({ status: 'undelivered', error: 'Twilio 21610' });
  });
});

describe('status callbacks through the Lambda function URL', () => {
  const FUNCTION_HOST = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws';
  const FUNCTION_URL = `https://${FUNCTION_HOST}/`;

  /** A request as a function URL delivers it: payload 2.0, route key `$default`, the URL's own host. */
  function functionUrlPost(path: string, params: Record<string, string>, options: { query?: string; signUrl?: string; base64?: boolean } = {}) {
    const url = options.signUrl ?? `https://${FUNCTION_HOST}${path}${options.query ? `?${options.query}` : ''}`;
    const event = httpEvent({
      routeKey: '$default',
      path,
      host: FUNCTION_HOST,
      ...(options.query ? { query: options.query } : {}),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url, params, AUTH_TOKEN) },
      body: new URLSearchParams(params).toString(),
      ...(options.base64 ? { base64: true } : {}),
      principal: null,
    });
    return { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'POST' } } };
  }

  async function afterFirstSmsViaFunctionUrl() {
    const t = await adaAfterFirstEmail();
    t.ctx.settings.smsStatusCallbackUrl = `${FUNCTION_URL}webhooks/twilio/status`;
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);
    const [sent] = t.sms.sent;
    const touch = (await t.store.getEnrollment(t.enrollmentId))?.touches['check-in'];
    if (!sent?.statusCallbackUrl || !touch?.providerMessageId) throw new Error('no SMS touch');
    return { t, sid: touch.providerMessageId, callback: new URL(sent.statusCallbackUrl) };
  }

  it('the worker gives Twilio the configured status callback URL (the function URL) with the touch identity', async () => {
    const { t, callback } = await afterFirstSmsViaFunctionUrl();
    expect(`${callback.origin}${callback.pathname}`).toBe(`https://${FUNCTION_HOST}/webhooks/twilio/status`);
    expect(Object.fromEntries(callback.searchParams)).toEqual({ e: t.enrollmentId, r: '1', s: '1' });
  });

  it('records delivered, signed over the function URL Twilio called; signed over any other URL it is a 403', async () => {
    const { t, sid, callback } = await afterFirstSmsViaFunctionUrl();
    const handle = handlerFor(t.ctx);
    const params = jsonFixture<Record<string, string>>('twilio/status-callback.json', { MESSAGE_SID: sid, STATUS: 'delivered', TO: ADA.phone, ERROR_CODE: '' });
    const query = callback.search.slice(1);
    const overPublicUrl = await handle(functionUrlPost(callback.pathname, params, { query, signUrl: `${PUBLIC_URL}${callback.pathname}?${query}` }));
    expect(overPublicUrl.statusCode).toBe(403);
    expect((await t.store.getEnrollment(t.enrollmentId))?.touches['check-in']?.status).toBe('sent');

    // A function URL may hand a form body over base64-encoded.
    const response = await handle(functionUrlPost(callback.pathname, params, { query, base64: true }));
    expect(response.statusCode).toBe(200);
    expect((await t.store.getEnrollment(t.enrollmentId))?.touches['check-in']?.status).toBe('delivered');
    expect(await t.store.getCounters(t.sequence.id)).toMatchObject({ 'step.check-in.delivered': 1 });
  });

  it('answers only status callbacks: an inbound SMS posted to the function URL is a 404 and changes nothing', async () => {
    const t = await adaAfterFirstEmail();
    const response = await handlerFor(t.ctx)(functionUrlPost('/webhooks/twilio/sms', inboundParams('STOP')));
    expect(response.statusCode).toBe(404);
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();
    expect(await t.store.getEnrollment(t.enrollmentId)).toMatchObject({ status: 'active' });
  });
});

describe('reply webhook racing a touch (handler level)', () => {
  /**
   * Store wrapper logging, in the order they took effect, the successful claims and the
   * stop write of the reply. The in-memory store runs each call atomically, so this log
   * is the linearisation DynamoDB would also give (both write the enrollment item).
   */
  function recordingStore(inner: Store, log: string[]): Store {
    return new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'claimTouch') {
          return async (...args: Parameters<Store['claimTouch']>) => {
            const result = await target.claimTouch(...args);
            if (result === 'ok') log.push('claim');
            return result;
          };
        }
        if (property === 'advanceEnrollment') {
          return async (...args: Parameters<Store['advanceEnrollment']>) => {
            const result = await target.advanceEnrollment(...args);
            if (result === 'ok' && args[0].next.status === 'replied') log.push('stop');
            return result;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  it('never sends after the reply was recorded, over many concurrent runs', async () => {
    const ITERATIONS = 120;
    const orders = { sentBeforeReply: 0, replyFirst: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const random = seededRandom(1000 + i);
      const t = await createTestContext({
        storeLatency: jitter(2, random),
        smsLatency: jitter(2, random),
        emailLatency: 0,
      });
      const ids = await enrollOne(t);
      await t.scheduler.fireDue(t.ctx); // intro email
      const queued = t.scheduler.pendingFor(ids.enrollmentId)[0]!; // the check-in SMS
      t.clock.set(queued.dueAt);
      t.sms.clear();

      const log: string[] = [];
      const smsSender = t.ctx.sms;
      const ctx: SendingContext = {
        ...t.ctx,
        store: recordingStore(t.ctx.store, log),
        sms: { send: async (message) => (log.push('send'), smsSender.send(message)) },
      };
      const handle = handlerFor(ctx);

      // The touch starts up to 12 ms after the webhook, so every interleaving occurs.
      const headStart = Math.floor(random() * 13);
      const [touch, response] = await Promise.all([
        pause(headStart).then(() => runTouch(ctx, messageOf(queued))).catch((error: unknown) => ({ kind: 'error', error })),
        handle(signedPost('sms', inboundParams('Sounds good, call me'))),
      ]);
      expect(response.statusCode).toBe(200);

      const stopAt = log.indexOf('stop');
      expect(stopAt, `iteration ${i}: ${log.join(',')}`).toBeGreaterThanOrEqual(0);
      const sends = log.flatMap((entry, index) => (entry === 'send' ? [index] : []));
      expect(sends.length).toBeLessThanOrEqual(1);
      for (const sendAt of sends) {
        // A send happens only under a claim taken before the reply's stop.
        const claimAt = log.lastIndexOf('claim', sendAt);
        expect(claimAt, `iteration ${i}: ${log.join(',')}`).toBeGreaterThanOrEqual(0);
        expect(claimAt, `iteration ${i}: ${log.join(',')}`).toBeLessThan(stopAt);
      }
      if (sends.length === 1) orders.sentBeforeReply++;
      else orders.replyFirst++;
      expect(['sent', 'stale', 'error']).toContain((touch as { kind: string }).kind);

      const enrollment = await t.store.getEnrollment(ids.enrollmentId);
      expect(enrollment?.status).toBe('replied');
      // Whatever went out is on record; nothing further is ever sent.
      if (sends.length === 1) expect(enrollment?.touches['check-in']?.status).toBe('sent');
      await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
      expect(t.sms.sent.length).toBe(sends.length);
      expect(t.email.sentTo(ADA.email)).toHaveLength(1);
    }
    // Both interleavings really happened.
    expect(orders.sentBeforeReply).toBeGreaterThan(0);
    expect(orders.replyFirst).toBeGreaterThan(0);
  });
});
