/**
 * TwilioVoiceCaller with the real twilio client against the local stub's Calls API, and the
 * stub playing the callee's side: it asks our TwiML URL for instructions (signed like
 * Twilio, with AnsweredBy from answering machine detection) and posts signed status
 * callbacks. The TwiML server here checks the signatures with twilio's own validator.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwilioVoiceCaller } from '../../functions/adapters/twilio-voice-caller.js';
import { dial, hangup, response, say } from '../../functions/domain/twiml.js';
import { playCall } from '../../functions/local/call-player.js';
import { Outbox } from '../../functions/local/outbox.js';
import { startTwilioStub, type TwilioStub } from '../../functions/local/twilio-stub.js';
import type { OutgoingCall } from '../../functions/ports.js';
import { FakeClock } from '../fakes/clock.js';
import { silentLogger } from '../fakes/logger.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'local-auth-token-0123456789';

describe('TwilioVoiceCaller against the local stub', () => {
  let stub: TwilioStub;
  let caller: TwilioVoiceCaller;
  let base: string;
  let closeServer: () => Promise<void>;
  const requests: { path: string; params: Record<string, string>; valid: boolean }[] = [];

  beforeAll(async () => {
    stub = await startTwilioStub({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    // Our side: TwiML for answered calls, 200 for callbacks; every request's signature checked.
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `${base}${req.url}`;
      const valid = validateRequest(AUTH_TOKEN, String(req.headers['x-twilio-signature'] ?? ''), url, params);
      requests.push({ path: req.url ?? '', params, valid });
      if (!req.url?.startsWith('/twiml')) return res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response/>');
      const twiml =
        params['AnsweredBy'] === 'human'
          ? response(say('Connecting you.'), dial({ callerId: '+15005550006' }, { number: '+14155550199', statusCallback: `${base}/status?leg=prospect`, statusCallbackEvent: 'completed', url: `${base}/twiml/notice` }))
          : response(say('Hi Ada, this is Dana & co.'), hangup());
      res.writeHead(200, { 'content-type': 'text/xml' }).end(req.url.startsWith('/twiml/notice') ? response(say('This call may be recorded.')) : twiml);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await stub.close();
    await closeServer();
  });
  beforeEach(() => {
    stub.reset();
    requests.length = 0;
    caller = new TwilioVoiceCaller(async () => ({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: stub.url }));
  });

  const voicemail = (fields: Partial<OutgoingCall> = {}): OutgoingCall => ({
    to: '+14155550123',
    from: '+15005550006',
    twimlUrl: `${base}/twiml?k=vm&e=p_1.seq&r=1&s=2`,
    statusCallbackUrl: `${base}/status?k=vm&e=p_1.seq&r=1&s=2`,
    statusCallbackEvents: ['completed'],
    machineDetection: 'DetectMessageEnd',
    ringTimeoutSeconds: 30,
    purpose: { kind: 'voicemail', touch: { enrollmentId: 'p_1.seq', stepId: 'voicemail' } },
    ...fields,
  });

  it('places the call through the Calls API with the TwiML URL, callbacks and answering machine detection', async () => {
    const result = await caller.placeCall(voicemail({ statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'] }));
    const [call, ...others] = stub.calls();
    expect(others).toEqual([]);
    expect(result).toEqual({ kind: 'sent', providerMessageId: call?.sid });
    expect(call).toMatchObject({
      to: '+14155550123',
      from: '+15005550006',
      url: `${base}/twiml?k=vm&e=p_1.seq&r=1&s=2`,
      statusCallback: `${base}/status?k=vm&e=p_1.seq&r=1&s=2`,
      statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
      machineDetection: 'DetectMessageEnd',
      timeoutSeconds: 30,
      status: 'queued',
    });
  });

  it('classifies failures like SMS sends: an invalid number is permanent, a 429 retryable with its Retry-After', async () => {
    expect(await caller.placeCall(voicemail({ to: '+15005550001' }))).toMatchObject({ kind: 'permanent', code: '21211' });
    expect(await caller.placeCall(voicemail({ to: '555-1234' }))).toMatchObject({ kind: 'permanent', code: '21211' });
    stub.failNext({ status: 429, retryAfterSeconds: 7 });
    expect(await caller.placeCall(voicemail())).toMatchObject({ kind: 'retryable', retryAfterSeconds: 7 });
    const wrong = new TwilioVoiceCaller(async () => ({ accountSid: ACCOUNT_SID, authToken: 'wrong-token', apiBaseUrl: stub.url }));
    expect(await wrong.placeCall(voicemail())).toMatchObject({ kind: 'retryable' });
    expect(stub.calls()).toEqual([]);
  });

  it("a machine's greeting ends: the TwiML is asked for with AnsweredBy=machine_end_beep, signed, and what it says is recorded", async () => {
    const clock = new FakeClock('2026-11-23T15:00:00Z');
    const outbox = new Outbox({ clock, logger: silentLogger });
    const recording = outbox.recordingVoiceCaller(caller);
    const placed = await recording.placeCall(voicemail());
    const sid = placed.kind === 'sent' ? placed.providerMessageId : '';
    const played = await playCall({ twilio: stub, outbox, clock, authToken: AUTH_TOKEN }, sid, { answeredBy: 'machine', durationSeconds: 21 });
    expect(played).toMatchObject({ status: 'completed', answeredBy: 'machine_end_beep', played: ['Hi Ada, this is Dana & co.'] });
    expect(played.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Hi Ada, this is Dana &amp; co.</Say><Hangup/></Response>');
    expect(requests.every((r) => r.valid)).toBe(true);
    const [twimlRequest, completed] = requests;
    expect(twimlRequest).toMatchObject({ path: '/twiml?k=vm&e=p_1.seq&r=1&s=2', params: { CallSid: sid, AnsweredBy: 'machine_end_beep', CallStatus: 'in-progress' } });
    expect(completed).toMatchObject({ path: '/status?k=vm&e=p_1.seq&r=1&s=2', params: { CallStatus: 'completed', CallDuration: '21', AnsweredBy: 'machine_end_beep' } });
    expect(outbox.findCall(sid)).toMatchObject({ channel: 'voicemail', status: 'completed', answeredBy: 'machine_end_beep', text: 'Hi Ada, this is Dana & co.' });
  });

  it('a human answers a bridge: the dialled leg hears its notice and reports its own progress', async () => {
    const clock = new FakeClock('2026-11-23T15:00:00Z');
    const outbox = new Outbox({ clock, logger: silentLogger });
    const placed = await outbox.recordingVoiceCaller(caller).placeCall(voicemail({ twimlUrl: `${base}/twiml?k=bridge`, purpose: { kind: 'bridge', taskId: 't' } }));
    const sid = placed.kind === 'sent' ? placed.providerMessageId : '';
    const played = await playCall({ twilio: stub, outbox, clock, authToken: AUTH_TOKEN }, sid, { answeredBy: 'human' });
    expect(played).toMatchObject({ answeredBy: 'human', bridgedTo: '+14155550199', played: ['Connecting you.', 'This call may be recorded.'] });
    expect(requests.map((r) => r.path)).toEqual(['/twiml?k=bridge', '/twiml/notice', '/status?leg=prospect', '/status?k=vm&e=p_1.seq&r=1&s=2']);
    expect(requests.every((r) => r.valid)).toBe(true);
    expect(outbox.findCall(sid)).toMatchObject({ channel: 'call', bridgedTo: '+14155550199' });
  });

  it('an unanswered call reports its final status and asks for no TwiML', async () => {
    const placed = await caller.placeCall(voicemail());
    const sid = placed.kind === 'sent' ? placed.providerMessageId : '';
    const played = await playCall({ twilio: stub, outbox: new Outbox({ clock: new FakeClock(), logger: silentLogger }), clock: new FakeClock(), authToken: AUTH_TOKEN }, sid, { status: 'no-answer' });
    expect(played).toMatchObject({ status: 'no-answer', played: [] });
    expect(played.twiml).toBeUndefined();
    expect(requests.map((r) => r.params['CallStatus'])).toEqual(['no-answer']);
  });
});
