import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { handleSmsInbound } from '../../../functions/use-cases/handle-sms-inbound.js';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { RecordingLogger } from '../../fakes/logger.js';
import { ADA, createTestContext, enrollOne, EXAMPLE_SEQUENCE_ID, type TestContext } from '../../fakes/test-context.js';

const OUR_NUMBER = '+15005550006';
let sid = 0;
const sms = (from: string, body: string, extra: { optOutType?: string } = {}) => ({
  from,
  to: OUR_NUMBER,
  body,
  messageSid: `SM${String(++sid).padStart(32, '0')}`,
  ...extra,
});

/** Ada enrolled in the example sequence, first email sent. */
async function adaAfterFirstEmail(options: Parameters<typeof createTestContext>[0] = {}) {
  const t = await createTestContext(options);
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  return { t, ...ids };
}

async function enrollmentOf(t: TestContext, id: string) {
  return t.store.getEnrollment(id);
}

describe('handleSmsInbound: STOP', () => {
  it('suppresses the phone, stops every running enrollment of the prospect as opted_out and deletes the pending schedule', async () => {
    const { t, enrollmentId, prospectId } = await adaAfterFirstEmail();
    const pending = t.scheduler.pendingFor(enrollmentId);
    expect(pending).toHaveLength(1);

    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, ' Stop '));

    expect(result).toMatchObject({ intent: 'opt_out', knownNumber: true, stopped: [enrollmentId] });
    expect(result.answer).toBeUndefined();
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ channel: 'sms', reason: 'sms_stop', source: 'twilio:STOP' });
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.map((e) => e.type)).toContain('opted_out');

    // A touch that was already queued (its schedule fired anyway) sends nothing.
    const { runTouch } = await import('../../../functions/use-cases/run-touch.js');
    const { messageOf } = await import('../../fakes/scheduler.js');
    const outcome = await runTouch(t.ctx, messageOf(pending[0]!));
    expect(outcome.kind).toBe('stale');
    await t.scheduler.advanceAndFire(t.ctx, 30 * 86_400_000);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toHaveLength(1);
  });

  it('stops the enrollments in every sequence', async () => {
    const t = await createTestContext();
    const second = structuredClone(t.sequence);
    second.id = 'second-sequence';
    second.version = 1;
    second.definition.allowConcurrent = true;
    await t.store.putSequenceVersion(second);
    await enrollOne(t);
    await enrollProspects(t.ctx, { sequenceId: 'second-sequence', rows: [{ row: 1, data: { ...ADA } }] });
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'STOPALL'));
    expect(result.stopped).toHaveLength(2);
    const enrollments = await t.store.listEnrollments((await t.store.findProspectIdsByAddress(ADA.phone))[0]!);
    expect(enrollments.map((e) => e.status)).toEqual(['opted_out', 'opted_out']);
  });

  it("honours Twilio's OptOutType for a custom keyword and suppresses unknown numbers too", async () => {
    const t = await createTestContext();
    const result = await handleSmsInbound(t.ctx, sms('+14155550999', 'arrêtez', { optOutType: 'STOP' }));
    expect(result).toMatchObject({ intent: 'opt_out', knownNumber: false });
    expect(await t.store.getSuppression('+14155550999')).toMatchObject({ reason: 'sms_stop', source: 'twilio:OptOutType=STOP' });
    // Enrolling that number later skips it.
    const [row] = await enrollProspects(t.ctx, { sequenceId: EXAMPLE_SEQUENCE_ID, rows: [{ row: 1, data: { phone: '+14155550999' } }] });
    expect(row?.status).toBe('skipped');
  });

  it('logs an unknown number by message SID only', async () => {
    const logger = new RecordingLogger();
    const t = await createTestContext({ logger });
    await handleSmsInbound(t.ctx, sms('+14155550998', 'who is this?'));
    const serialized = JSON.stringify(logger.entries);
    expect(serialized).not.toContain('4155550998');
    expect(serialized).not.toContain('who is this');
    expect(logger.entries.some((e) => e.message.includes('unknown number') && typeof e.attributes?.['messageSid'] === 'string')).toBe(true);
  });
});

describe('handleSmsInbound: START and HELP', () => {
  it('START lifts an SMS opt-out but does not re-enroll', async () => {
    const { t, enrollmentId, prospectId } = await adaAfterFirstEmail();
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'STOP'));
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'unstop'));
    expect(result.intent).toBe('opt_in');
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect((await t.store.listTimeline(prospectId)).map((e) => e.type)).toContain('opted_in');
  });

  it('START never lifts a suppression the person did not make by SMS', async () => {
    const t = await createTestContext();
    await t.store.putSuppression({
      address: ADA.phone,
      addressHash: addressHash(ADA.phone),
      channel: 'sms',
      reason: 'manual',
      source: 'team',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'START'));
    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({ reason: 'manual' });
  });

  it('HELP answers with a text naming the sender; nothing stops', async () => {
    const { t, enrollmentId } = await adaAfterFirstEmail();
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'help'));
    expect(result.answer).toContain('Dana Whitfield at Northwind Analytics');
    expect(result.answer).toContain('Reply STOP');
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('HELP from an unknown number, or already answered by Twilio, gets an empty answer', async () => {
    const { t } = await adaAfterFirstEmail();
    expect((await handleSmsInbound(t.ctx, sms('+14155550997', 'INFO'))).answer).toBeUndefined();
    expect((await handleSmsInbound(t.ctx, sms(ADA.phone, 'HELP', { optOutType: 'HELP' }))).answer).toBeUndefined();
  });
});

describe('handleSmsInbound: replies', () => {
  it('stops as replied, records the text and attributes it to the last step, and notifies the owner', async () => {
    const { t, enrollmentId, prospectId } = await adaAfterFirstEmail();
    t.email.clear();
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'Sounds good — call me tomorrow at 10?'));

    expect(result).toMatchObject({ intent: 'reply', knownNumber: true, stopped: [enrollmentId] });
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'replied' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    const replied = (await t.store.listTimeline(prospectId)).find((e) => e.type === 'replied');
    expect(replied?.detail).toBe('SMS: Sounds good — call me tomorrow at 10?');
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.replied': 1, 'status.replied': 1, 'status.active': 0 });
    // No suppression: a reply is not an opt-out.
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();

    expect(t.email.sent).toHaveLength(1);
    const notification = t.email.sent[0]!;
    expect(notification).toMatchObject({
      to: 'sales@northwind.example',
      from: 'dana@northwind.example',
      replyTo: ADA.email,
      tags: {},
    });
    expect(notification.subject).toContain('SMS reply from Ada Lovelace');
    expect(notification.text).toContain('Sounds good — call me tomorrow at 10?');
    expect(notification.text).toContain(ADA.phone);
    expect(notification.headers['Auto-Submitted']).toBe('auto-generated');
    expect(notification.touch).toBeUndefined();

    await t.scheduler.advanceAndFire(t.ctx, 30 * 86_400_000);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toEqual([]);
  });

  it('a sequence with stopOnReply: false keeps going, but the reply is recorded and forwarded', async () => {
    const t = await createTestContext({ tweak: (s) => void (s.definition.stopOnReply = false) });
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'Thanks, reading it now'));
    expect(result.stopped).toEqual([]);
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'active' });
    expect((await t.store.listTimeline(prospectId)).some((e) => e.type === 'replied')).toBe(true);
    expect(t.email.sent.filter((m) => m.to === 'sales@northwind.example')).toHaveLength(1);
    expect(t.email.sent.find((m) => m.to === 'sales@northwind.example')?.text).not.toContain('stopped');
  });

  it('a reply after the sequence ended is still recorded and forwarded', async () => {
    const { t, enrollmentId, prospectId } = await adaAfterFirstEmail();
    await handleSmsInbound(t.ctx, sms(ADA.phone, 'first reply'));
    t.clock.advance({ minutes: 5 });
    t.email.clear();
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'second reply'));
    expect(result.stopped).toEqual([]);
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'replied' });
    expect((await t.store.listTimeline(prospectId)).filter((e) => e.type === 'replied').map((e) => e.detail)).toEqual([
      'SMS: first reply',
      'SMS: second reply',
    ]);
    expect(t.email.sent).toHaveLength(1);
  });

  it('a failed owner notification never undoes the stop', async () => {
    const { t, enrollmentId } = await adaAfterFirstEmail();
    t.email.failNext({ kind: 'permanent', reason: 'MessageRejected', code: 'MessageRejected' });
    const result = await handleSmsInbound(t.ctx, sms(ADA.phone, 'call me'));
    expect(result.stopped).toEqual([enrollmentId]);
    expect(await enrollmentOf(t, enrollmentId)).toMatchObject({ status: 'replied' });
  });
});
