/**
 * SmsSender over Twilio's Programmable Messaging REST API, through the official
 * `twilio` client.
 *
 * The `twilio` package is large (every Twilio product, axios, its own agents); it is
 * imported on the first send only, so a Lambda that never sends SMS never pays for it
 * at cold start. Only type imports of it appear at module level.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type TwilioSDK from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { OutgoingSms, SendResult, SmsSender } from '../ports.js';
import { TRANSIENT_NETWORK_ERROR_CODES } from './network-errors.js';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Replaces `https://api.twilio.com` (the embedded runtime's local stub). */
  apiBaseUrl?: string;
}

/** In AWS the handler reads a Secrets Manager secret; locally it comes from config. */
export type TwilioCredentialsProvider = () => Promise<TwilioCredentials>;

export interface TwilioSmsSenderOptions {
  /** Per-request timeout. Twilio's default is 30 s, too long inside a queue worker. */
  requestTimeoutMs?: number;
}

interface LoadedClient {
  client: TwilioSDK.Twilio;
}

/**
 * The headers of the HTTP response a send got, captured per send. Twilio's exceptions
 * carry status and body but not headers, and one client serves concurrent sends, so the
 * client's own `lastResponse` could belong to another send.
 */
const responseContext = new AsyncLocalStorage<{ headers?: unknown }>();

export class TwilioSmsSender implements SmsSender {
  private loaded: Promise<LoadedClient> | undefined;

  constructor(
    private readonly credentials: TwilioCredentialsProvider,
    private readonly options: TwilioSmsSenderOptions = {},
  ) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    let client: TwilioSDK.Twilio;
    try {
      ({ client } = await this.loadClient());
    } catch (error) {
      // Secrets Manager hiccup or a bad secret: not the recipient's fault, so the touch
      // is retried (and ends in the DLQ for a redrive if the secret stays broken).
      this.loaded = undefined;
      return { kind: 'retryable', reason: `Twilio client unavailable: ${describe(error)}` };
    }

    const capture: { headers?: unknown } = {};
    try {
      const message = await responseContext.run(capture, () =>
        client.messages.create({
          to: sms.to,
          body: sms.body,
          ...(sms.messagingServiceSid ? { messagingServiceSid: sms.messagingServiceSid } : {}),
          ...(sms.from ? { from: sms.from } : {}),
          ...(sms.statusCallbackUrl ? { statusCallback: sms.statusCallbackUrl } : {}),
        }),
      );
      return { kind: 'sent', providerMessageId: message.sid };
    } catch (error) {
      const result = classifyTwilioError(error, headerValue(capture.headers, 'retry-after'));
      // Rotated or revoked credentials: read them again on the next send.
      if (statusOf(error) === 401) this.loaded = undefined;
      return result;
    }
  }

  private loadClient(): Promise<LoadedClient> {
    this.loaded ??= createClient(this.credentials, this.options);
    return this.loaded;
  }
}

async function createClient(
  provider: TwilioCredentialsProvider,
  options: TwilioSmsSenderOptions,
): Promise<LoadedClient> {
  const [credentials, module] = await Promise.all([provider(), import('twilio')]);
  const twilio = module.default;

  class HeaderCapturingRequestClient extends twilio.RequestClient {
    override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const response = await super.request(opts);
      const context = responseContext.getStore();
      if (context) context.headers = response.headers;
      return response;
    }
  }

  const client = twilio(credentials.accountSid, credentials.authToken, {
    // The touch queue already retries with backoff and a DLQ; retrying 429s inside the
    // client as well would hold the worker for seconds and multiply attempts. Off is
    // also the client's default — stated here so nobody turns it on by accident.
    autoRetry: false,
    httpClient: new HeaderCapturingRequestClient({
      autoRetry: false,
      timeout: options.requestTimeoutMs ?? 10_000,
      keepAlive: true,
    }),
  });
  if (credentials.apiBaseUrl) {
    // Every Messages call resolves its URL against the `api` domain's baseUrl at request
    // time (Domain.absoluteUrl), so replacing it redirects the real client, HTTP and all.
    client.api.baseUrl = credentials.apiBaseUrl;
  }
  return { client };
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

/** Twilio error codes (twilio.com/docs/api/errors) that a retry of the same request can fix. */
const RETRYABLE_CODES: Record<number, string> = {
  20429: 'too many requests',
  21611: "sender's queue is full", // "This 'From' number has exceeded the maximum number of queued messages"
};

/** Codes seen on message creation that mean this recipient or request will never work. */
export const PERMANENT_CODES: Record<number, string> = {
  21211: "invalid 'To' phone number",
  21408: 'sending to this region is not enabled',
  21602: 'message body is required',
  21603: "'From' or MessagingServiceSid is required",
  21604: "'To' phone number is required",
  21606: "'From' number is not SMS-capable on this account",
  21608: 'unverified number on a trial account',
  21610: 'recipient has unsubscribed (replied STOP)',
  21612: "'To' number cannot be reached by SMS",
  21614: "'To' number is not a mobile number",
  21617: 'message body exceeds 1600 characters',
};

/** Twilio's answer when the recipient texted STOP to this sender: suppress the phone. */
export const TWILIO_UNSUBSCRIBED_RECIPIENT_CODE = '21610';

/**
 * Classifies anything `client.messages.create` threw. Pure.
 * - 429, 5xx, codes 20429/21611, socket errors and timeouts → retryable, with the
 *   Retry-After header (seconds or HTTP date) as the hint when there is one.
 * - 401 → retryable: bad or rotated credentials fail every send alike; failing each
 *   prospect's enrollment for it would be irreversible, a redrive after the fix is not.
 * - any other 4xx → permanent, with Twilio's error code (21211 invalid To, 21610
 *   unsubscribed recipient, 21614 not a mobile, 21408 region not enabled…).
 */
export function classifyTwilioError(
  error: unknown,
  retryAfter?: string,
  now: Date = new Date(),
): Exclude<SendResult, { kind: 'sent' }> {
  const status = statusOf(error);
  const code = twilioCodeOf(error);
  const message = describe(error);
  const reason =
    code !== undefined ? `Twilio ${code}: ${message}` : status !== undefined ? `HTTP ${status}: ${message}` : message;
  const retryAfterSeconds = parseRetryAfter(retryAfter, now);
  const retryable = (): Exclude<SendResult, { kind: 'sent' }> =>
    retryAfterSeconds === undefined ? { kind: 'retryable', reason } : { kind: 'retryable', reason, retryAfterSeconds };

  if (status === undefined) {
    const errno = errnoOf(error);
    // No HTTP answer: connection refused/reset, DNS, timeout. Nothing was accepted.
    if (errno !== undefined && TRANSIENT_NETWORK_ERROR_CODES.has(errno)) {
      return { kind: 'retryable', reason: `${errno}: ${message}` };
    }
    return { kind: 'retryable', reason };
  }
  if (status === 429 || status >= 500 || (code !== undefined && code in RETRYABLE_CODES)) return retryable();
  if (status === 401) return retryable();
  return code !== undefined ? { kind: 'permanent', reason, code: String(code) } : { kind: 'permanent', reason };
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

/** Twilio's numeric error code (RestException and RFC 9457 TwilioServiceException both carry `code`). */
function twilioCodeOf(error: unknown): number | undefined {
  // Only HTTP errors carry Twilio's numeric code; socket errors carry string errnos in `code`.
  if (statusOf(error) === undefined || typeof error !== 'object' || error === null) return undefined;
  return 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

/** Node/axios error code ('ECONNRESET', 'ECONNABORTED'…), also when wrapped in `cause`. */
function errnoOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
