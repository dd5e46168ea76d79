/**
 * SmsSender over Twilio's Programmable Messaging REST API, through the official
 * `twilio` client.
 *
 * The `twilio` package is large (every Twilio product, axios, its own agents); it is
 * imported on the first send only, so a Lambda that never sends SMS never pays for it
 * at cold start. Only type imports of it appear at module level.
 */
import type TwilioSDK from 'twilio';
import type { OutgoingSms, SendResult, SmsSender } from '../ports.js';
import { TRANSIENT_NETWORK_ERROR_CODES } from './network-errors.js';
import { createTwilioClient, responseContext, type LoadedClient, type TwilioClientOptions, type TwilioCredentialsProvider } from './twilio-client.js';

export type { TwilioCredentials, TwilioCredentialsProvider } from './twilio-client.js';
export type TwilioSmsSenderOptions = TwilioClientOptions;

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
    this.loaded ??= createTwilioClient(this.credentials, this.options);
    return this.loaded;
  }
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

export function statusOf(error: unknown): number | undefined {
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

export function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
