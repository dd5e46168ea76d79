/**
 * A local stand-in for Twilio's Messages and Calls APIs, for the embedded runtime and tests.
 *
 * It speaks the real wire format (form-encoded POST, basic auth, Twilio's JSON message and
 * call resources and error bodies), so the real `twilio` client is pointed at it unchanged
 * via `TwilioCredentials.apiBaseUrl`. Twilio's magic test numbers fail the way
 * Twilio's test credentials make them fail; `failNext` injects any other failure.
 *
 * A call stays `queued` until something plays the callee's side: `answer(sid, …)` (behind
 * `POST /dev/calls/{sid}`, local/call-player.ts) asks the call's TwiML URL for
 * instructions, signed like Twilio, and posts the signed status callbacks.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export interface TwilioStubOptions {
  accountSid: string;
  authToken: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface StubMessage {
  sid: string;
  accountSid: string;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback?: string;
  /** All form parameters as received. */
  params: Record<string, string>;
  createdAt: string;
}

export interface StubCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  /** Where Twilio would ask for TwiML when the call is answered. */
  url?: string;
  twiml?: string;
  statusCallback?: string;
  /** `initiated`, `ringing`, `answered`, `completed` (Twilio's default: `completed`). */
  statusCallbackEvents: string[];
  machineDetection?: string;
  timeoutSeconds?: number;
  status: string;
  createdAt: string;
}

export interface InjectedFailure {
  status: number;
  /** Twilio error code for the body (e.g. 21211); defaults by status. */
  code?: number;
  message?: string;
  /** How many following requests fail this way (default 1). */
  times?: number;
  /** Sent as the Retry-After header. */
  retryAfterSeconds?: number;
}

export interface TwilioStub {
  /** Base URL to use as the client's `apiBaseUrl`, e.g. `http://127.0.0.1:43121`. */
  url: string;
  port: number;
  /** Messages accepted so far, in order (copies). */
  messages(): StubMessage[];
  /** Calls placed so far, in order (copies). */
  calls(): StubCall[];
  /** Sets a call's status (when its callee's side was played). */
  setCallStatus(sid: string, status: string): void;
  failNext(failure: InjectedFailure): void;
  /** Forgets messages and pending failures. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Twilio's magic "To" numbers for test credentials and the error each produces
 * (twilio.com/docs/iam/test-credentials).
 */
const MAGIC_TO_NUMBERS: Record<string, { code: number; message: string }> = {
  '+15005550001': { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." },
  '+15005550002': { code: 21612, message: "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS." },
  '+15005550003': { code: 21408, message: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number: +15005550003.' },
  '+15005550004': { code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, message: "'To' number is not a valid mobile number" },
};

const DEFAULT_CODES: Record<number, number> = { 400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503 };

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const CALLS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export async function startTwilioStub(options: TwilioStubOptions): Promise<TwilioStub> {
  const accepted: StubMessage[] = [];
  const placed: StubCall[] = [];
  const failures: (InjectedFailure & { times: number })[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 20500, `stub failure: ${String(error)}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const match = MESSAGES_PATH.exec(url.pathname) ?? CALLS_PATH.exec(url.pathname);
    if (!match) return sendError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    const isCall = CALLS_PATH.test(url.pathname);
    if (req.method !== 'POST') return sendError(res, 405, 20004, 'Method not allowed');

    const auth = parseBasicAuth(req.headers.authorization);
    if (!auth || auth.username !== options.accountSid || auth.password !== options.authToken) {
      return sendError(res, 401, 20003, 'Authenticate');
    }
    if (decodeURIComponent(match[1] as string) !== options.accountSid) {
      return sendError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }

    const injected = failures[0];
    if (injected) {
      injected.times -= 1;
      if (injected.times <= 0) failures.shift();
      const headers: Record<string, string> =
        injected.retryAfterSeconds !== undefined ? { 'Retry-After': String(injected.retryAfterSeconds) } : {};
      return sendError(
        res,
        injected.status,
        injected.code ?? DEFAULT_CODES[injected.status] ?? 20001,
        injected.message ?? `Injected failure (HTTP ${injected.status})`,
        headers,
      );
    }

    const form = new URLSearchParams(await readBody(req));
    if (isCall) {
      createCall(res, form);
      return;
    }
    const params = Object.fromEntries(form);
    const to = params.To;
    const from = params.From;
    const messagingServiceSid = params.MessagingServiceSid;
    const body = params.Body ?? '';
    if (!to) return sendError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !messagingServiceSid) {
      return sendError(res, 400, 21603, "A 'From' phone number or a MessagingServiceSid is required.");
    }
    if (body.length === 0 && !params.MediaUrl && !params.ContentSid) {
      return sendError(res, 400, 21602, 'Message body is required.');
    }
    if (body.length > 1600) {
      return sendError(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    const magic = MAGIC_TO_NUMBERS[to];
    if (magic) return sendError(res, 400, magic.code, magic.message);
    if (!E164.test(to)) return sendError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);

    const now = new Date();
    const message: StubMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid: options.accountSid,
      to,
      ...(from ? { from } : {}),
      ...(messagingServiceSid ? { messagingServiceSid } : {}),
      body,
      ...(params.StatusCallback ? { statusCallback: params.StatusCallback } : {}),
      params,
      createdAt: now.toISOString(),
    };
    accepted.push(message);
    sendJson(res, 201, messageResource(message, now));
  }

  /** POST …/Calls.json: Twilio's Call resource; the callee's side is played later (`answer`). */
  function createCall(res: ServerResponse, form: URLSearchParams): void {
    const refused = createCallProblem(form);
    if (refused) {
      sendError(res, 400, refused.code, refused.message);
      return;
    }
    const to = form.get('To') as string;
    const from = form.get('From') as string;
    const now = new Date();
    const call: StubCall = {
      sid: `CA${randomBytes(16).toString('hex')}`,
      accountSid: options.accountSid,
      to,
      from,
      ...(form.get('Url') ? { url: form.get('Url') as string } : {}),
      ...(form.get('Twiml') ? { twiml: form.get('Twiml') as string } : {}),
      ...(form.get('StatusCallback') ? { statusCallback: form.get('StatusCallback') as string } : {}),
      // The client sends one StatusCallbackEvent parameter per event.
      statusCallbackEvents: form.getAll('StatusCallbackEvent').flatMap((value) => value.split(' ')).filter(Boolean),
      ...(form.get('MachineDetection') ? { machineDetection: form.get('MachineDetection') as string } : {}),
      ...(form.get('Timeout') ? { timeoutSeconds: Number(form.get('Timeout')) } : {}),
      status: 'queued',
      createdAt: now.toISOString(),
    };
    placed.push(call);
    sendJson(res, 201, callResource(call, now));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    messages: () => accepted.map((m) => ({ ...m, params: { ...m.params } })),
    calls: () => placed.map((c) => ({ ...c, statusCallbackEvents: [...c.statusCallbackEvents] })),
    setCallStatus: (sid, status) => {
      const call = placed.find((c) => c.sid === sid);
      if (call) call.status = status;
    },
    failNext: (failure) => {
      const times = failure.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
      failures.push({ ...failure, times });
    },
    reset: () => {
      accepted.length = 0;
      placed.length = 0;
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from the twilio client would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** Twilio's Message resource (API 2010-04-01) as the create call returns it. */
function messageResource(message: StubMessage, now: Date): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}.json`;
  return {
    account_sid: message.accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: now.toUTCString().replace('GMT', '+0000'),
    date_sent: null,
    date_updated: now.toUTCString().replace('GMT', '+0000'),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from ?? null,
    messaging_service_sid: message.messagingServiceSid ?? null,
    num_media: '0',
    // GSM-7 only: 160 characters fit one segment, longer bodies split into 153-character parts.
    num_segments: String(message.body.length <= 160 ? 1 : Math.ceil(message.body.length / 153)),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    // With only a Messaging Service, Twilio answers `accepted` until it picks a sender.
    status: message.from ? 'queued' : 'accepted',
    subresource_uris: { media: uri.replace('.json', '/Media.json') },
    to: message.to,
    uri,
  };
}

/** Why Twilio would refuse to create this call, if it would. */
function createCallProblem(form: URLSearchParams): { code: number; message: string } | undefined {
  const to = form.get('To');
  const from = form.get('From');
  if (!to) return { code: 21201, message: "No 'To' number is specified" };
  if (!from) return { code: 21213, message: "No 'From' number is specified" };
  if (!form.get('Url') && !form.get('Twiml') && !form.get('ApplicationSid')) return { code: 21205, message: 'Url parameter is required.' };
  if (!E164.test(to) || MAGIC_TO_NUMBERS[to]?.code === 21211) return { code: 21211, message: `Invalid 'To' Phone Number: ${to}` };
  if (!E164.test(from)) return { code: 21212, message: `Invalid 'From' Phone Number: ${from}` };
  return undefined;
}

/** Twilio's Call resource (API 2010-04-01) as the create call returns it. */
function callResource(call: StubCall, now: Date): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`;
  const date = now.toUTCString().replace('GMT', '+0000');
  return {
    account_sid: call.accountSid,
    annotation: null,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: date,
    date_updated: date,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: null,
    status: 'queued',
    subresource_uris: { recordings: uri.replace('.json', '/Recordings.json') },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Twilio's legacy error body, which the client turns into a RestException. */
function sendError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The `X-Twilio-Signature` Twilio would send for a webhook POST of `params` to `url`,
 * computed by the twilio library itself, so tests and dev tooling sign exactly the way
 * the webhook handlers' `validateRequest` checks.
 */
export function signTwilioRequest(url: string, params: Record<string, string>, authToken: string): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
