/**
 * Twilio Voice's webhooks through the Twilio webhook handler (the same body cap and
 * signature check as the SMS webhook) over the DynamoDB store on dynalite: the TwiML of a
 * voicemail drop and of a click-to-call bridge, and call status callbacks. A forged request
 * answers 403 and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSequenceFromDirectory } from '../../../functions/adapters/sequence-files.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import type { CompiledSequence } from '../../../functions/domain/sequence-definition.js';
import { createTwilioWebhookHandler } from '../../../functions/handlers/twilio-webhook.js';
import { signTwilioRequest } from '../../../functions/local/twilio-stub.js';
import { completeTask } from '../../../functions/use-cases/complete-task.js';
import { publishSequence } from '../../../functions/use-cases/publish-sequence.js';
import { createDynamoInboundContext, type DynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';
import { ADA, enrollOne } from '../../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

const AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
const PUBLIC_URL = 'https://followup.test';
const OWNER = 'sales@northwind.example';

let db: RunningDynalite;
let phoneFirst: CompiledSequence;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
  phoneFirst = await loadSequenceFromDirectory('templates/phone-first-follow-up');
});
afterAll(async () => {
  await db?.close();
});

function post(t: DynamoInboundContext, route: 'twiml' | 'status', query: string, params: Record<string, string>, options: { signature?: string | null; body?: string } = {}) {
  const handler = createTwilioWebhookHandler({ context: async () => t.ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => PUBLIC_URL });
  const path = `/webhooks/twilio/voice/${route}`;
  const signature = options.signature === undefined ? signTwilioRequest(`${PUBLIC_URL}${path}?${query}`, params, AUTH_TOKEN) : options.signature;
  return handler(
    httpEvent({
      routeKey: `POST ${path}`,
      path,
      query,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature !== null ? { 'x-twilio-signature': signature } : {}) },
      body: options.body ?? new URLSearchParams(params).toString(),
    }),
    lambdaContext,
  );
}

/** Ada in the phone-first sequence; the first call logged no_answer; the voicemail drop placed. */
async function afterVoicemailPlaced(tweak?: (sequence: CompiledSequence) => void) {
  const t = await createDynamoInboundContext(db);
  const compiled = structuredClone(phoneFirst);
  tweak?.(compiled);
  const { sequence } = await publishSequence(t.ctx, compiled);
  const ids = await enrollOne({ ctx: t.ctx, sequence });
  await t.scheduler.fireDue(t.ctx);
  await t.scheduler.advanceAndFire(t.ctx, 3_600_000);
  const [task] = (await t.store.listTasks({ status: 'open', limit: 5 })).items;
  await completeTask(t.ctx, { taskId: task!.id, outcome: 'no_answer' });
  await t.scheduler.advanceAndFire(t.ctx, 10 * 60_000);
  const callSid = (await t.store.getEnrollment(ids.enrollmentId))?.touches['voicemail']?.providerMessageId as string;
  expect(callSid).toMatch(/^CA/);
  return { t, ...ids, callSid, query: `k=vm&e=${encodeURIComponent(ids.enrollmentId)}&r=1&s=2` };
}

describe('voicemail drops: the TwiML after answering machine detection', () => {
  it('a machine whose greeting ended gets the message read out, then the call hangs up; the touch says who answered', async () => {
    const { t, enrollmentId, prospectId, callSid, query } = await afterVoicemailPlaced();
    const answer = await post(t, 'twiml', query, { CallSid: callSid, CallStatus: 'in-progress', AnsweredBy: 'machine_end_beep' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['content-type']).toMatch(/^text\/xml/);
    expect(answer.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Hi Ada, this is Dana Whitfield from Northwind Analytics. The reason I&apos;m calling is the demo you asked for: I&apos;d like to set it up around your own numbers. I&apos;ll send you a short text with my details. Talk soon.</Say><Hangup/></Response>',
    );
    expect((await t.store.getEnrollment(enrollmentId))?.touches['voicemail']).toMatchObject({ status: 'sent', answeredBy: 'machine_end_beep' });
    expect((await t.store.listTimeline(prospectId)).some((e) => e.type === 'call' && e.detail === 'voicemail left (machine_end_beep)')).toBe(true);

    const completed = await post(t, 'status', query, { CallSid: callSid, CallStatus: 'completed', CallDuration: '27', AnsweredBy: 'machine_end_beep', Timestamp: 'Mon, 02 Jun 2025 16:20:00 +0000' });
    expect(completed.statusCode).toBe(200);
    expect((await t.store.getEnrollment(enrollmentId))?.touches['voicemail']).toMatchObject({ status: 'delivered', durationSeconds: 27 });
    // A repeated callback changes nothing.
    await post(t, 'status', query, { CallSid: callSid, CallStatus: 'completed', CallDuration: '27', Timestamp: 'Mon, 02 Jun 2025 16:20:00 +0000' });
    const counters = await t.store.getCounters('phone-first-follow-up');
    expect(counters).toMatchObject({ 'step.voicemail.delivered': 1, 'step.voicemail.answeredByMachine': 1 });
  });

  it('a recording URL is played instead; a fax is hung up on; an unknown call gets nothing', async () => {
    const { t, callSid, query } = await afterVoicemailPlaced((sequence) => {
      const step = sequence.definition.steps[2];
      if (step) step.voicemail = { onHuman: 'short_message', recordingUrl: 'https://cdn.example.com/vm.mp3?a=1&b=2' };
    });
    expect((await post(t, 'twiml', query, { CallSid: callSid, AnsweredBy: 'machine_end_silence' })).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Play>https://cdn.example.com/vm.mp3?a=1&amp;b=2</Play><Hangup/></Response>',
    );
    expect((await post(t, 'twiml', query, { CallSid: callSid, AnsweredBy: 'fax' })).body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect((await post(t, 'twiml', query, { CallSid: `CA${'f'.repeat(32)}`, AnsweredBy: 'machine_end_beep' })).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>',
    );
  });

  it('a human: connected to the owner when the owner has a phone, else a short message', async () => {
    const { t, callSid, query } = await afterVoicemailPlaced();
    expect((await post(t, 'twiml', query, { CallSid: callSid, AnsweredBy: 'human' })).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Hi Ada, this is Dana Whitfield from Northwind Analytics. Sorry I missed you; I will try you again another time. Goodbye.</Say><Hangup/></Response>',
    );
    await t.store.putUser({ email: OWNER, phone: '+14155550100', version: 1, updatedAt: t.clock.now().toISOString() }, undefined);
    expect((await post(t, 'twiml', query, { CallSid: callSid, AnsweredBy: 'human' })).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Hello, please hold for a moment while I connect you.</Say><Dial callerId="+15005550006" timeout="30"><Number>+14155550100</Number></Dial></Response>',
    );
  });
});

describe('signatures and limits (the SMS webhook code path)', () => {
  it('a forged, missing or re-targeted signature answers 403 and changes nothing', async () => {
    const { t, enrollmentId, prospectId, callSid, query } = await afterVoicemailPlaced();
    const before = { enrollment: await t.store.getEnrollment(enrollmentId), timeline: await t.store.listTimeline(prospectId) };
    const params = { CallSid: callSid, CallStatus: 'completed', CallDuration: '27', AnsweredBy: 'machine_end_beep' };
    const forged = signTwilioRequest(`${PUBLIC_URL}/webhooks/twilio/voice/status?${query}`, params, 'not-the-auth-token');
    for (const answer of [
      await post(t, 'status', query, params, { signature: forged }),
      await post(t, 'status', query, params, { signature: null }),
      // Signed for another enrollment's query, replayed against this one.
      await post(t, 'status', query, params, { signature: signTwilioRequest(`${PUBLIC_URL}/webhooks/twilio/voice/status?k=vm&e=p_x.other&r=1&s=2`, params, AUTH_TOKEN) }),
      await post(t, 'twiml', query, { CallSid: callSid, AnsweredBy: 'machine_end_beep' }, { signature: forged }),
    ]) {
      expect(answer.statusCode).toBe(403);
    }
    expect(await t.store.getEnrollment(enrollmentId)).toEqual(before.enrollment);
    expect(await t.store.listTimeline(prospectId)).toEqual(before.timeline);
  });

  it('refuses a body over 64 KB before reading it, and parameters out of bounds with their name', async () => {
    const { t, callSid, query } = await afterVoicemailPlaced();
    expect((await post(t, 'status', query, {}, { body: `CallSid=${callSid}&x=${'a'.repeat(70_000)}` })).statusCode).toBe(413);
    const bad = await post(t, 'status', 'k=vm&e=nope&r=1&s=2', { CallSid: callSid, CallStatus: 'completed' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '{}')).toMatchObject({ field: 'k' });
    const noSid = await post(t, 'status', query, { CallSid: 'not a sid', CallStatus: 'completed' });
    expect(JSON.parse(noSid.body ?? '{}')).toMatchObject({ field: 'CallSid' });
  });
});

describe('click to call: the bridge TwiML', () => {
  async function withOpenTask(tweak?: (sequence: CompiledSequence) => void, prospect: Record<string, unknown> = { ...ADA }) {
    const t = await createDynamoInboundContext(db);
    const compiled = structuredClone(phoneFirst);
    tweak?.(compiled);
    const { sequence } = await publishSequence(t.ctx, compiled);
    await enrollOne({ ctx: t.ctx, sequence }, prospect);
    await t.scheduler.fireDue(t.ctx);
    await t.scheduler.advanceAndFire(t.ctx, 3_600_000);
    const [task] = (await t.store.listTasks({ status: 'open', limit: 5 })).items;
    return { t, task: task! };
  }
  const bridge = (t: DynamoInboundContext, taskId: string) => post(t, 'twiml', `k=bridge&t=${encodeURIComponent(taskId)}`, { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'in-progress' });

  it("dials the prospect with the sequence's caller ID, the dialled leg reporting to the status webhook", async () => {
    const { t, task } = await withOpenTask();
    const answer = await bridge(t, task.id);
    const status = `${PUBLIC_URL}/webhooks/twilio/voice/status?k=bridge&amp;t=${encodeURIComponent(task.id)}&amp;leg=prospect`;
    expect(answer.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Connecting you to Ada Lovelace.</Say><Dial callerId="+15005550006" timeout="30"><Number statusCallback="${status}" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">${ADA.phone}</Number></Dial></Response>`,
    );
    const prospectLeg = await post(t, 'status', `k=bridge&t=${encodeURIComponent(task.id)}&leg=prospect`, { CallSid: `CA${'2'.repeat(32)}`, CallStatus: 'completed', CallDuration: '95', Timestamp: 'Mon, 02 Jun 2025 15:10:00 +0000' });
    expect(prospectLeg.statusCode).toBe(200);
    expect((await t.store.listTimeline(task.prospectId)).filter((e) => e.type === 'call').map((e) => e.detail)).toEqual([
      'the rep answered; calling the prospect',
      'the prospect: completed, 95 s',
    ]);
  });

  it('records only when the sequence says so, after its consent notice is played to the prospect', async () => {
    const { t, task } = await withOpenTask((sequence) => {
      sequence.definition.recording = { enabled: true, consentNotice: 'This call may be recorded for training.' };
    });
    const answer = await bridge(t, task.id);
    expect(answer.body).toContain('<Dial callerId="+15005550006" timeout="30" record="record-from-answer-dual">');
    expect(answer.body).toContain(`url="${PUBLIC_URL}/webhooks/twilio/voice/twiml?k=notice&amp;t=${encodeURIComponent(task.id)}" method="POST"`);
    const notice = await post(t, 'twiml', `k=notice&t=${encodeURIComponent(task.id)}`, { CallSid: `CA${'2'.repeat(32)}` });
    expect(notice.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">This call may be recorded for training.</Say></Response>');
  });

  it('refuses to connect outside 08:00–21:00 in the prospect zone, or to a number suppressed for calls', async () => {
    const { t, task } = await withOpenTask(undefined, { ...ADA, timezone: 'America/New_York' });
    t.clock.set('2025-06-03T01:30:00Z'); // 21:30 in New York
    expect((await bridge(t, task.id)).body).toMatch(/<Say language="en-US">This call cannot go through: outside 08:00–21:00 in the prospect&apos;s time zone; calls open at 2025-06-03T12:00:00.000Z.<\/Say><Hangup\/>/);
    t.clock.set('2025-06-03T15:00:00Z');
    await t.store.putSuppression({ address: ADA.phone, addressHash: addressHash(ADA.phone), channel: 'call', reason: 'manual', source: 'test', createdAt: t.clock.now().toISOString() });
    expect((await bridge(t, task.id)).body).toContain('This call cannot go through: the number asked not to be called (suppressed for calls).');
  });
});
