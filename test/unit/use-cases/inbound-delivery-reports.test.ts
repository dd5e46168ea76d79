/** SES sending events and Twilio status callbacks against the in-memory store. */
import { describe, expect, it } from 'vitest';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { handleEmailEvent, type EmailEventInput } from '../../../functions/use-cases/handle-email-event.js';
import { recordSmsStatus } from '../../../functions/use-cases/record-sms-status.js';
import { ADA, createTestContext, enrollOne, EXAMPLE_SEQUENCE_ID } from '../../fakes/test-context.js';

const DAY = 86_400_000;

type TestContext = Awaited<ReturnType<typeof createTestContext>>;

/** The store writes an event made (calls of the methods that change something), after `resetCalls()`. */
function writes(t: TestContext): Record<string, number> {
  return Object.fromEntries(Object.entries(t.store.calls).filter(([method, n]) => n > 0 && !/^(get|list|find|load)/.test(method)));
}

async function afterFirstEmail() {
  const t = await createTestContext();
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  const touch = (await t.store.getEnrollment(ids.enrollmentId))?.touches['intro'];
  if (!touch?.providerMessageId) throw new Error('no touch');
  return { t, ...ids, messageId: touch.providerMessageId };
}

function event(messageId: string, prospectId: string, e: EmailEventInput['event'], at = '2025-06-02T14:01:00.000Z'): EmailEventInput {
  return { messageId, at, touch: { prospectId, sequenceId: EXAMPLE_SEQUENCE_ID, run: 1, stepIndex: 0 }, event: e };
}

describe('handleEmailEvent', () => {
  it('delivery: touch delivered and counted once, however often the event comes; the prospect view shows it from the touch', async () => {
    const { t, enrollmentId, prospectId, messageId } = await afterFirstEmail();
    t.store.resetCalls();
    expect(await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'delivery' }))).toBe('recorded');
    // Two writes: the touch's status (its own guard) and the counter; no timeline row.
    expect(writes(t)).toEqual({ updateTouchStatus: 1, addToCounters: 1 });
    expect(await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'delivery' }))).toBe('duplicate');
    expect((await t.store.getEnrollment(enrollmentId))?.touches['intro']?.status).toBe('delivered');
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.delivered': 1 });
    const view = await getProspect(t.ctx, prospectId);
    expect(view.timeline.filter((e) => e.stepId === 'intro').map((e) => [e.type, e.detail])).toEqual([['sent', 'email delivered']]);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('open and click: the timeline entry is the replay guard (two writes, no idempotency record); a replay writes nothing', async () => {
    const { t, prospectId, messageId } = await afterFirstEmail();
    const click = event(messageId, prospectId, { type: 'click', link: 'https://northwind.example/a' });
    for (const e of [event(messageId, prospectId, { type: 'open' }), click]) {
      t.store.resetCalls();
      expect(await handleEmailEvent(t.ctx, e)).toBe('counted');
      expect(writes(t)).toEqual({ appendTimelineOnce: 1, addToCounters: 1 });
      t.store.resetCalls();
      expect(await handleEmailEvent(t.ctx, e)).toBe('duplicate');
      expect(writes(t)).toEqual({ appendTimelineOnce: 1 });
    }
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.map((e) => e.type).filter((type) => type === 'opened' || type === 'clicked')).toEqual(['opened', 'clicked']);
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.opened': 1, 'step.intro.clicked': 1 });
  });

  it('a replayed open, click, transient bounce or complaint counts once; another open or another link counts again', async () => {
    const { t, prospectId, messageId } = await afterFirstEmail();
    const click = (link: string, at?: string) => event(messageId, prospectId, { type: 'click', link }, at);
    for (let i = 0; i < 3; i++) {
      await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'open' }));
      await handleEmailEvent(t.ctx, click('https://northwind.example/a'));
      await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'bounce', bounceType: 'Transient', recipients: [ADA.email] }));
    }
    expect(await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'open' }))).toBe('duplicate');
    await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'open' }, '2025-06-02T15:00:00.000Z'));
    await handleEmailEvent(t.ctx, click('https://northwind.example/b'));
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.opened': 2, 'step.intro.clicked': 2, 'step.intro.transientBounce': 1 });
    for (let i = 0; i < 2; i++) await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'complaint', recipients: [ADA.email] }));
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.complained': 1 });
  });

  it('open and click: counters and timeline (link host only)', async () => {
    const { t, prospectId, messageId } = await afterFirstEmail();
    expect(await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'open' }))).toBe('counted');
    await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'click', link: 'https://northwind.example/pricing?email=ada@example.com' }));
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.opened': 1, 'step.intro.clicked': 1 });
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.find((e) => e.type === 'clicked')?.detail).toBe('link clicked: northwind.example');
    expect(JSON.stringify(timeline)).not.toContain('ada@example.com');
  });

  it('permanent bounce: suppressed, every running enrollment bounced, schedule gone, touch undelivered', async () => {
    const { t, enrollmentId, prospectId, messageId } = await afterFirstEmail();
    const outcome = await handleEmailEvent(
      t.ctx,
      event(messageId, prospectId, { type: 'bounce', bounceType: 'Permanent', bounceSubType: 'General', recipients: [ADA.email] }),
    );
    expect(outcome).toBe('suppressed');
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'bounce', source: 'ses:bounce:General', channel: 'email' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
    expect((await t.store.getEnrollment(enrollmentId))?.touches['intro']).toMatchObject({ status: 'undelivered', error: 'bounce: General' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'status.bounced': 1, 'step.intro.bounced': 1, 'step.intro.failed': 1 });
    await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
    expect(t.sms.sent).toEqual([]);
  });

  it('a hard bounce suppresses even without our tags', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await handleEmailEvent(t.ctx, {
      messageId: 'not-a-touch',
      at: '2025-06-02T14:01:00.000Z',
      event: { type: 'bounce', bounceType: 'Permanent', recipients: ['ADA@example.com'] },
    });
    expect(await t.store.getSuppression(ADA.email)).toBeDefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
  });

  it('transient bounce: counted only', async () => {
    const { t, enrollmentId, prospectId, messageId } = await afterFirstEmail();
    const outcome = await handleEmailEvent(
      t.ctx,
      event(messageId, prospectId, { type: 'bounce', bounceType: 'Transient', bounceSubType: 'MailboxFull', recipients: [ADA.email] }),
    );
    expect(outcome).toBe('counted');
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.transientBounce': 1 });
  });

  it('complaint: suppressed with reason complaint, enrollments bounced, timeline says complained', async () => {
    const { t, enrollmentId, prospectId, messageId } = await afterFirstEmail();
    await handleEmailEvent(t.ctx, event(messageId, prospectId, { type: 'complaint', feedbackType: 'abuse', recipients: [ADA.email] }));
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'complaint', source: 'ses:complaint:abuse' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
    expect((await t.store.listTimeline(prospectId)).some((e) => e.type === 'complained')).toBe(true);
  });

  it('an event whose message id does not match the recorded touch changes no touch', async () => {
    const { t, enrollmentId, prospectId } = await afterFirstEmail();
    expect(await handleEmailEvent(t.ctx, event('someone-elses-message', prospectId, { type: 'delivery' }))).toBe('unknown_touch');
    expect((await t.store.getEnrollment(enrollmentId))?.touches['intro']?.status).toBe('sent');
  });
});

describe('recordSmsStatus', () => {
  async function afterFirstSms() {
    const t = await createTestContext();
    const ids = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx); // intro email
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY); // check-in SMS
    const touch = (await t.store.getEnrollment(ids.enrollmentId))?.touches['check-in'];
    if (!touch?.providerMessageId) throw new Error('no SMS touch');
    const callback = new URL(t.sms.sent[0]?.statusCallbackUrl as string);
    return {
      t,
      ...ids,
      sid: touch.providerMessageId,
      query: { enrollmentId: callback.searchParams.get('e') as string, run: Number(callback.searchParams.get('r')), stepIndex: Number(callback.searchParams.get('s')) },
    };
  }

  it('delivered: recorded once, two writes; the prospect view shows it from the touch', async () => {
    const { t, enrollmentId, prospectId, sid, query } = await afterFirstSms();
    expect(query).toEqual({ enrollmentId, run: 1, stepIndex: 1 });
    t.store.resetCalls();
    expect(await recordSmsStatus(t.ctx, { ...query, messageSid: sid, status: 'delivered' })).toBe('recorded');
    expect(writes(t)).toEqual({ updateTouchStatus: 1, addToCounters: 1 });
    const view = await getProspect(t.ctx, prospectId);
    expect(view.timeline.filter((e) => e.stepId === 'check-in').map((e) => [e.type, e.detail])).toEqual([['sent', 'sms delivered']]);
    expect(await recordSmsStatus(t.ctx, { ...query, messageSid: sid, status: 'delivered' })).toBe('duplicate');
    expect((await t.store.getEnrollment(enrollmentId))?.touches['check-in']?.status).toBe('delivered');
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.check-in.delivered': 1 });
  });

  it('intermediate statuses change nothing and read nothing; a foreign SID changes nothing', async () => {
    const { t, enrollmentId, sid, query } = await afterFirstSms();
    t.store.resetCalls();
    for (const status of ['queued', 'sending', 'sent', 'accepted']) {
      expect(await recordSmsStatus(t.ctx, { ...query, messageSid: sid, status })).toBe('ignored');
    }
    expect(Object.values(t.store.calls).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await recordSmsStatus(t.ctx, { ...query, messageSid: 'SMforged', status: 'delivered' })).toBe('unknown_touch');
    expect((await t.store.getEnrollment(enrollmentId))?.touches['check-in']?.status).toBe('sent');
  });

  it('undelivered with 21610: touch undelivered, phone suppressed, enrollment opted_out', async () => {
    const { t, enrollmentId, sid, query } = await afterFirstSms();
    expect(await recordSmsStatus(t.ctx, { ...query, messageSid: sid, status: 'undelivered', errorCode: '21610', to: ADA.phone })).toBe('recorded');
    expect((await t.store.getEnrollment(enrollmentId))?.touches['check-in']).toMatchObject({ status: 'undelivered', error: 'Twilio 21610' });
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ reason: 'sms_stop', source: 'twilio:21610' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.check-in.failed': 1 });
  });

  it('failed with another code: recorded, nothing suppressed', async () => {
    const { t, enrollmentId, sid, query } = await afterFirstSms();
    await recordSmsStatus(t.ctx, { ...query, messageSid: sid, status: 'failed', errorCode: '30003' });
    expect((await t.store.getEnrollment(enrollmentId))?.touches['check-in']?.status).toBe('failed');
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });
});
