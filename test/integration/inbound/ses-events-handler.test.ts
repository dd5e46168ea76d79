/**
 * The SES events handler with real-shaped EventBridge events (configuration set event
 * destination → default bus): tags as `{name: [values]}`, encoded as the SES sender
 * encodes them, over the DynamoDB store on dynalite.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEmailTagValue } from '../../../functions/adapters/ses-email-sender.js';
import { createSesEventsHandler, touchFromTags } from '../../../functions/handlers/ses-events.js';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { createDynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { jsonFixture } from '../../fakes/fixtures.js';
import { ADA, enrollOne, EXAMPLE_SEQUENCE_ID } from '../../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

async function afterFirstEmail() {
  const t = await createDynamoInboundContext(db);
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  const [first] = t.email.sentTo(ADA.email);
  const touch = (await t.store.getEnrollment(ids.enrollmentId))?.touches['intro'];
  if (!first || !touch?.providerMessageId) throw new Error('first email not sent');
  const handler = createSesEventsHandler({ context: async () => t.ctx });
  // The tags exactly as the touch set them, encoded as SesEmailSender sends them.
  const tags = Object.fromEntries(Object.entries(first.tags).map(([k, v]) => [k, encodeEmailTagValue(v)]));
  const load = (file: string) =>
    jsonFixture<EventBridgeEvent<string, unknown>>(`ses/${file}`, {
      MESSAGE_ID: touch.providerMessageId as string,
      PROSPECT_EMAIL: ADA.email,
      TAG_PROSPECT_ID: tags['prospectId'] as string,
      TAG_SEQUENCE_ID: tags['sequenceId'] as string,
      TAG_RUN: tags['run'] as string,
      TAG_STEP_INDEX: tags['stepIndex'] as string,
    });
  return { t, ...ids, handler, load };
}

describe('SES events (EventBridge) handler', () => {
  it('decodes our tags', () => {
    expect(
      touchFromTags({
        'ses:configuration-set': ['followup'],
        prospectId: [encodeEmailTagValue('p_ab_cd')],
        sequenceId: [encodeEmailTagValue('inbound-lead-follow-up')],
        run: ['2'],
        stepIndex: ['0'],
      }),
    ).toEqual({ prospectId: 'p_ab_cd', sequenceId: 'inbound-lead-follow-up', run: 2, stepIndex: 0 });
    expect(touchFromTags({ 'ses:configuration-set': ['followup'] })).toBeUndefined();
  });

  it('"Email Bounced" (Permanent): suppressed, enrollment bounced, schedule deleted, nothing more is sent', async () => {
    const { t, enrollmentId, handler, load } = await afterFirstEmail();
    expect(await handler(load('eventbridge-bounce-permanent.json'))).toBe('suppressed');
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'bounce', source: 'ses:bounce:General', channel: 'email' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
    expect((await t.store.getEnrollment(enrollmentId))?.touches['intro']).toMatchObject({ status: 'undelivered' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    await t.scheduler.advanceAndFire(t.ctx, 30 * 86_400_000);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  });

  it('"Email Bounced" (Transient): counted only', async () => {
    const { t, enrollmentId, handler, load } = await afterFirstEmail();
    expect(await handler(load('eventbridge-bounce-transient.json'))).toBe('counted');
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.transientBounce': 1 });
  });

  it('"Email Complaint Received": suppressed as complaint, enrollment bounced', async () => {
    const { t, enrollmentId, prospectId, handler, load } = await afterFirstEmail();
    expect(await handler(load('eventbridge-complaint.json'))).toBe('suppressed');
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'complaint', source: 'ses:complaint:abuse' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
    expect((await t.store.listTimeline(prospectId)).some((e) => e.type === 'complained')).toBe(true);
  });

  it('"Email Delivered", "Email Opened", "Email Clicked": touch status, counters, timeline; repeats are idempotent', async () => {
    const { t, enrollmentId, prospectId, handler, load } = await afterFirstEmail();
    expect(await handler(load('eventbridge-delivery.json'))).toBe('recorded');
    expect(await handler(load('eventbridge-delivery.json'))).toBe('duplicate');
    expect(await handler(load('eventbridge-open.json'))).toBe('counted');
    expect(await handler(load('eventbridge-click.json'))).toBe('counted');

    expect((await t.store.getEnrollment(enrollmentId))?.touches['intro']?.status).toBe('delivered');
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({
      'step.intro.sent': 1,
      'step.intro.delivered': 1,
      'step.intro.opened': 1,
      'step.intro.clicked': 1,
    });
    // The delivery is the touch's status (the prospect view says "email delivered"), not a row of its own.
    const view = await getProspect(t.ctx, prospectId);
    expect(view.timeline.filter((e) => e.stepId === 'intro' && e.type === 'sent').map((e) => e.detail)).toEqual(['email delivered']);
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.filter((e) => ['delivered', 'opened', 'clicked'].includes(e.type)).map((e) => [e.type, e.at, e.detail])).toEqual([
      ['opened', '2025-06-02T14:19:59.000Z', 'email opened'],
      ['clicked', '2025-06-02T14:20:58.000Z', 'link clicked: northwind.example'],
    ]);
  });

  it('acknowledges an event it does not understand', async () => {
    const { t, handler } = await afterFirstEmail();
    const event = { version: '0', id: 'x', 'detail-type': 'Email Bounced', source: 'aws.ses', account: '1', time: '2025-06-02T14:00:00Z', region: 'us-east-1', resources: [], detail: { nope: true } };
    expect(await handler(event as EventBridgeEvent<string, unknown>)).toBe('invalid');
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
  });
});
