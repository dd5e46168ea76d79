/**
 * A replayed webhook has no second effect (against dynalite, through the real handlers):
 * the same signed SMS reply (same MessageSid) three times, the same SES event three times.
 * The store's idempotency record (`claimIdempotencyKey`) is what tells a replay apart.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEmailTagValue } from '../../../functions/adapters/ses-email-sender.js';
import { createSesEventsHandler } from '../../../functions/handlers/ses-events.js';
import { createTwilioWebhookHandler } from '../../../functions/handlers/twilio-webhook.js';
import { signTwilioRequest } from '../../../functions/local/twilio-stub.js';
import { createDynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { jsonFixture } from '../../fakes/fixtures.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';
import { ADA, enrollOne, EXAMPLE_SEQUENCE_ID } from '../../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = 'https://followup.example.com';
let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

describe('replayed webhooks have no second effect', () => {
  it('the same signed SMS reply (same MessageSid) three times: one owner email, one replied event', async () => {
    const t = await createDynamoInboundContext(db);
    const { prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    const params = { MessageSid: `SM${'c'.repeat(32)}`, AccountSid: 'AC00000000000000000000000000000000', From: ADA.phone, To: '+15005550006', Body: 'Call me Thursday', NumMedia: '0' };
    const path = '/webhooks/twilio/sms';
    const event = () =>
      httpEvent({
        routeKey: `POST ${path}`,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(`${PUBLIC_URL}${path}`, params, AUTH_TOKEN) },
        body: new URLSearchParams(params).toString(),
      });
    for (let i = 0; i < 3; i++) {
      expect((await handler(event(), lambdaContext)).statusCode).toBe(200);
      t.clock.advance(60_000); // Twilio's retry comes a little later
    }
    expect(t.email.sent.filter((m) => m.to === 'sales@northwind.example')).toHaveLength(1);
    expect((await t.store.listTimeline(prospectId)).filter((e) => e.type === 'replied')).toHaveLength(1);
  });

  it('the same STOP three times: one opt-out on the timeline, one stop', async () => {
    const t = await createDynamoInboundContext(db);
    const { prospectId } = await enrollOne(t);
    const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    const params = { MessageSid: `SM${'d'.repeat(32)}`, AccountSid: 'AC00000000000000000000000000000000', From: ADA.phone, To: '+15005550006', Body: 'STOP', NumMedia: '0' };
    const path = '/webhooks/twilio/sms';
    for (let i = 0; i < 3; i++) {
      const response = await handler(
        httpEvent({
          routeKey: `POST ${path}`,
          path,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(`${PUBLIC_URL}${path}`, params, AUTH_TOKEN) },
          body: new URLSearchParams(params).toString(),
        }),
        lambdaContext,
      );
      expect(response.statusCode).toBe(200);
    }
    expect((await t.store.listTimeline(prospectId)).filter((e) => e.type === 'opted_out')).toHaveLength(1);
  });

  it('the same SES "Email Opened" event three times: counted once', async () => {
    const t = await createDynamoInboundContext(db);
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const [first] = t.email.sentTo(ADA.email);
    const touch = (await t.store.getEnrollment(enrollmentId))?.touches['intro'];
    const tags = Object.fromEntries(Object.entries(first!.tags).map(([k, v]) => [k, encodeEmailTagValue(v)]));
    const open = jsonFixture<EventBridgeEvent<string, unknown>>('ses/eventbridge-open.json', {
      MESSAGE_ID: touch!.providerMessageId as string,
      PROSPECT_EMAIL: ADA.email,
      TAG_PROSPECT_ID: tags['prospectId'] as string,
      TAG_SEQUENCE_ID: tags['sequenceId'] as string,
      TAG_RUN: tags['run'] as string,
      TAG_STEP_INDEX: tags['stepIndex'] as string,
    });
    const handler = createSesEventsHandler({ context: async () => t.ctx });
    for (let i = 0; i < 3; i++) await handler(open);
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.opened': 1 });
  });
});

describe('a replay suppressed by the marker still gets the stop (the marker is written after it)', () => {
  it('a crash after the stop and before the marker: the retry claims the marker and notifies the owner once', async () => {
    const t = await createDynamoInboundContext(db);
    await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
    const params = { MessageSid: `SM${'e'.repeat(32)}`, AccountSid: 'AC00000000000000000000000000000000', From: ADA.phone, To: '+15005550006', Body: 'Interested', NumMedia: '0' };
    const path = '/webhooks/twilio/sms';
    const event = () =>
      httpEvent({
        routeKey: `POST ${path}`,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(`${PUBLIC_URL}${path}`, params, AUTH_TOKEN) },
        body: new URLSearchParams(params).toString(),
      });
    // The first delivery dies when it tries to write the marker.
    const claim = t.store.claimIdempotencyKey.bind(t.store);
    let failures = 1;
    t.store.claimIdempotencyKey = async (...args) => {
      if (failures-- > 0) throw new Error('connection reset');
      return claim(...args);
    };
    expect((await handler(event(), lambdaContext)).statusCode).toBe(500);
    const prospectId = (await t.store.findProspectIdsByAddress(ADA.phone))[0]!;
    expect((await t.store.listEnrollments(prospectId))[0]?.status).toBe('replied');
    expect(t.email.sent.filter((m) => m.to === 'sales@northwind.example')).toHaveLength(0);

    expect((await handler(event(), lambdaContext)).statusCode).toBe(200);
    expect((await handler(event(), lambdaContext)).statusCode).toBe(200);
    expect(t.email.sent.filter((m) => m.to === 'sales@northwind.example')).toHaveLength(1);
  });
});
