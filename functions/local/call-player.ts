/**
 * Plays the callee's side of a call placed through the local Twilio stub, as Twilio
 * would (`POST /dev/calls/{sid} {answeredBy, status}`): when the call is answered it asks
 * the call's TwiML URL for instructions (with `AnsweredBy` when answering machine
 * detection was on, `machine_end_beep` for a machine with DetectMessageEnd), follows a
 * `<Dial><Number>` (its `url`, the recording notice, and the bridged leg's callbacks), and
 * posts the status callbacks the call asked for. Every request is signed with the auth
 * token exactly as Twilio signs (X-Twilio-Signature), so the engine's own webhook code
 * checks it. What was served and played is recorded on the outbox entry of the call.
 */
import { randomBytes } from 'node:crypto';
import { spokenParts } from '../domain/twiml.js';
import type { Clock } from '../ports.js';
import type { Outbox } from './outbox.js';
import { signTwilioRequest, type StubCall, type TwilioStub } from './twilio-stub.js';

export const CALL_ANSWERS = ['human', 'machine'] as const;
export const CALL_RESULTS = ['completed', 'busy', 'no-answer', 'failed'] as const;

export interface CallPlay {
  answeredBy?: (typeof CALL_ANSWERS)[number];
  /** How the call ends; `completed` (answered) by default. */
  status?: (typeof CALL_RESULTS)[number];
  /** How long the answered call lasted (default 30 s). */
  durationSeconds?: number;
}

export interface CallPlayResult {
  callSid: string;
  status: string;
  answeredBy?: string;
  /** The TwiML the engine served for the answered call. */
  twiml?: string;
  /** What it said (`<Say>`) or played (`<Play>`), in order, the recording notice included. */
  played: string[];
  /** `<Dial><Number>`: where the call was bridged to. */
  bridgedTo?: string;
  /** Every callback posted: its path and query, the status reported, the engine's answer. */
  callbacks: { url: string; status: string; httpStatus: number }[];
}

export class UnknownCallError extends Error {
  override name = 'UnknownCallError';
}

export async function playCall(
  deps: { twilio: TwilioStub; outbox: Outbox; clock: Clock; authToken: string },
  callSid: string,
  play: CallPlay,
): Promise<CallPlayResult> {
  const call = deps.twilio.calls().find((c) => c.sid === callSid);
  if (!call) throw new UnknownCallError(`no call ${callSid} was placed (see /dev/outbox)`);
  const status = play.status ?? 'completed';
  const answered = status === 'completed';
  const duration = answered ? (play.durationSeconds ?? 30) : 0;
  const answeredBy = answered && call.machineDetection ? answeredByParam(call, play.answeredBy ?? 'human') : undefined;
  const base = { CallSid: call.sid, AccountSid: call.accountSid, From: call.from, To: call.to, Direction: 'outbound-api', ApiVersion: '2010-04-01' };
  const result: CallPlayResult = { callSid: call.sid, status, ...(answeredBy ? { answeredBy } : {}), played: [], callbacks: [] };
  const post = async (url: string, params: Record<string, string>): Promise<{ status: number; text: string }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url, params, deps.authToken) },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, text: await response.text() };
  };
  const callback = async (url: string | undefined, params: Record<string, string>, afterSeconds = 0) => {
    if (!url) return;
    // Twilio stamps each callback (RFC 2822, to the second); a call ends `afterSeconds` after it was answered.
    const stamp = new Date(deps.clock.now().getTime() + afterSeconds * 1000).toUTCString();
    const answer = await post(url, { ...params, Timestamp: stamp, CallbackSource: 'call-progress-events' });
    const shown = new URL(url);
    result.callbacks.push({ url: `${shown.pathname}${shown.search}`, status: params['CallStatus'] ?? '', httpStatus: answer.status });
  };
  const wanted = call.statusCallbackEvents.length > 0 ? call.statusCallbackEvents : ['completed'];
  if (wanted.includes('initiated')) await callback(call.statusCallback, { ...base, CallStatus: 'initiated' });
  if (wanted.includes('ringing')) await callback(call.statusCallback, { ...base, CallStatus: 'ringing' });

  if (answered) {
    if (wanted.includes('answered')) await callback(call.statusCallback, { ...base, CallStatus: 'in-progress', ...(answeredBy ? { AnsweredBy: answeredBy } : {}) });
    const twiml = call.twiml ?? (call.url ? (await post(call.url, { ...base, CallStatus: 'in-progress', ...(answeredBy ? { AnsweredBy: answeredBy } : {}) })).text : '');
    result.twiml = twiml;
    result.played.push(...spokenParts(twiml));
    await followDial(twiml, call, result, post, callback, duration);
  }
  const final = { ...base, CallStatus: status, ...(answered ? { CallDuration: String(duration), Duration: String(Math.ceil(duration / 60)) } : {}), ...(answeredBy ? { AnsweredBy: answeredBy } : {}) };
  if (wanted.includes('completed')) await callback(call.statusCallback, final, duration + 1);
  deps.twilio.setCallStatus(call.sid, status);
  await deps.outbox.updateCall(call.sid, {
    status,
    ...(answeredBy ? { answeredBy } : {}),
    ...(result.twiml !== undefined ? { twiml: result.twiml } : {}),
    played: result.played,
    text: result.played.join('\n'),
    ...(result.bridgedTo ? { bridgedTo: result.bridgedTo } : {}),
  });
  return result;
}

/** What Twilio's detection answers for the callee we play: with DetectMessageEnd, a machine is reported once its greeting ended. */
function answeredByParam(call: StubCall, who: 'human' | 'machine'): string {
  if (who === 'human') return 'human';
  return call.machineDetection === 'DetectMessageEnd' ? 'machine_end_beep' : 'machine_start';
}

/** A `<Dial><Number>` in the TwiML: the bridged leg answers, hears its `url` TwiML first, and its callbacks are posted. */
async function followDial(
  twiml: string,
  parent: StubCall,
  result: CallPlayResult,
  post: (url: string, params: Record<string, string>) => Promise<{ status: number; text: string }>,
  callback: (url: string | undefined, params: Record<string, string>, afterSeconds?: number) => Promise<void>,
  duration: number,
): Promise<void> {
  const number = /<Number([^>]*)>([^<]+)<\/Number>/.exec(twiml);
  if (!number) return;
  const attribute = (name: string) => decode(new RegExp(`\\s${name}="([^"]*)"`).exec(number[1] ?? '')?.[1]);
  const to = decode(number[2]) ?? '';
  result.bridgedTo = to;
  const child = { CallSid: `CA${randomBytes(16).toString('hex')}`, ParentCallSid: parent.sid, AccountSid: parent.accountSid, From: parent.from, To: to, Direction: 'outbound-dial', ApiVersion: '2010-04-01' };
  const events = (attribute('statusCallbackEvent') ?? 'completed').split(' ');
  const statusCallback = attribute('statusCallback');
  if (events.includes('initiated')) await callback(statusCallback, { ...child, CallStatus: 'initiated' });
  if (events.includes('ringing')) await callback(statusCallback, { ...child, CallStatus: 'ringing' });
  if (events.includes('answered')) await callback(statusCallback, { ...child, CallStatus: 'in-progress' });
  const url = attribute('url');
  if (url) result.played.push(...spokenParts((await post(url, { ...child, CallStatus: 'in-progress' })).text));
  if (events.includes('completed')) await callback(statusCallback, { ...child, CallStatus: 'completed', CallDuration: String(Math.max(0, duration - 5)) }, duration);
}

function decode(value: string | undefined): string | undefined {
  return value?.replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] as string);
}
