/**
 * Ids in paths and webhook parameters longer than DynamoDB's key limits (partition key
 * ≤ 2,048 bytes, sort key ≤ 1,024) or with characters no id has: a 400 naming the
 * parameter, checked at the handler edge, never a 500 from the store. Over the real
 * DynamoDbStore on dynalite, because the in-memory fake has no key limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/handlers/api.js';
import { createTwilioWebhookHandler } from '../../functions/handlers/twilio-webhook.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import { ROUTE_LIST } from '../../functions/routes.js';
import { createDynamoInboundContext, type DynamoInboundContext } from '../fakes/dynamo-inbound-context.js';
import { httpEvent, lambdaContext } from '../fakes/http-event.js';
import { EXAMPLE_SEQUENCE_ID } from '../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../support/dynalite.js';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = 'https://followup.example.com';

let db: RunningDynalite;
let t: DynamoInboundContext;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
  t = await createDynamoInboundContext(db);
});
afterAll(async () => {
  await db?.close();
});

const apiRoutesWithIds = ROUTE_LIST.filter((route) => route.target === 'api' && route.path.includes('{id}'));

function apiCall(routeKey: string, id: string) {
  const handler = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 1_000_000 });
  const [method, pattern] = routeKey.split(' ') as [string, string];
  const body = method === 'POST' || method === 'PUT' ? JSON.stringify({ prospects: [{ email: 'ada@example.com' }] }) : undefined;
  return handler(
    httpEvent({
      routeKey,
      path: pattern.replace('{id}', encodeURIComponent(id)),
      pathParameters: { id: encodeURIComponent(id) },
      headers: { 'content-type': 'application/json' },
      ...(body ? { body } : {}),
    }),
    lambdaContext,
  );
}

describe('path ids', () => {
  const overLong = [
    ['2,100 characters', 'x'.repeat(2_100)],
    ['a prospect id of 2,100 characters', `p_${'a'.repeat(2_100)}`],
    ['a sequence id of 1,100 characters', `p_abc.${'s'.repeat(1_100)}`],
    ['a control character', 'p_abc\u0000'],
    ['a slash and spaces', 'p_abc/../ x'],
  ] as const;

  for (const route of apiRoutesWithIds) {
    for (const [label, id] of overLong) {
      it(`${route.routeKey} with ${label}: 400 naming the parameter`, async () => {
        const response = await apiCall(route.routeKey, id);
        expect(response.statusCode).toBe(400);
        const body = JSON.parse(response.body ?? '{}');
        expect(body.field).toBe('id');
        expect(body.error).toMatch(/^path parameter "id"/);
        // The value is not echoed in full.
        expect(body.error.length).toBeLessThan(300);
      });
    }
  }

  it('well-formed ids that do not exist are 404', async () => {
    expect((await apiCall('GET /prospects/{id}', 'p_000000000000000000000000')).statusCode).toBe(404);
    expect((await apiCall('GET /sequences/{id}', 'no-such-sequence')).statusCode).toBe(404);
    expect((await apiCall('POST /enrollments/{id}/stop', `p_000000000000000000000000.${EXAMPLE_SEQUENCE_ID}`)).statusCode).toBe(404);
  });
});

describe('Twilio webhook parameters', () => {
  function signed(route: 'sms' | 'status', params: Record<string, string>, query = '') {
    const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    const path = `/webhooks/twilio/${route}`;
    const signature = signTwilioRequest(`${PUBLIC_URL}${path}${query ? `?${query}` : ''}`, params, AUTH_TOKEN);
    return handler(
      httpEvent({
        routeKey: `POST ${path}`,
        path,
        ...(query ? { query } : {}),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      }),
      lambdaContext,
    );
  }
  const long = 'y'.repeat(3_000);
  const status = { MessageSid: `SM${'a'.repeat(32)}`, MessageStatus: 'delivered', To: '+12025550143' };

  it('a status callback whose enrollment id (e) is 3,000 characters: 400 naming e', async () => {
    for (const e of [long, `p_abc.${long}`]) {
      const response = await signed('status', status, `e=${e}&r=1&s=0`);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body ?? '{}')).toMatchObject({ field: 'e' });
    }
  });

  it('3,000-character MessageSid, MessageStatus, To or ErrorCode: 400 naming the parameter', async () => {
    for (const name of ['MessageSid', 'MessageStatus', 'To', 'ErrorCode'] as const) {
      const response = await signed('status', { ...status, [name]: long }, `e=p_abc.${EXAMPLE_SEQUENCE_ID}&r=1&s=0`);
      expect(response.statusCode, name).toBe(400);
      expect(JSON.parse(response.body ?? '{}'), name).toMatchObject({ field: name });
    }
  });

  it('an inbound SMS with a 3,000-character MessageSid, From or To: 400 naming the parameter', async () => {
    const sms = { MessageSid: `SM${'b'.repeat(32)}`, From: '+12025550143', To: '+15005550006', Body: 'hello' };
    for (const name of ['MessageSid', 'From', 'To'] as const) {
      const response = await signed('sms', { ...sms, [name]: long });
      expect(response.statusCode, name).toBe(400);
      expect(JSON.parse(response.body ?? '{}'), name).toMatchObject({ field: name });
    }
  });
});
