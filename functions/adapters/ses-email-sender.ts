/**
 * EmailSender over Amazon SES v2 `SendEmail` with Simple content.
 *
 * SES builds the MIME message itself; we add only the extra headers (List-Unsubscribe,
 * List-Unsubscribe-Post, In-Reply-To, References) and email tags, which SES copies
 * into its events so the events handler can tell which touch a bounce belongs to.
 */
import type { MessageTag, SESv2Client, SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { EmailSender, OutgoingEmail, SendResult } from '../ports.js';
import { TRANSIENT_NETWORK_ERROR_CODES } from './network-errors.js';
import { encodeEmailTagValue } from './email-tags.js';
import { lazy } from '../async/lazy.js';

export { decodeEmailTagValue, encodeEmailTagValue } from './email-tags.js';

/** Imported by the first send, not with this module (see `sdk` in dynamodb-store.ts). */
const sdk = lazy(() => import('@aws-sdk/client-sesv2'));

export interface SesEmailSenderOptions {
  /** Routes events (delivery, bounce, complaint, open, click) to EventBridge. */
  configurationSetName?: string;
  /** Domain of the Message-ID SES assigns (config SES_MESSAGE_ID_DOMAIN); `email.amazonses.com` by default. */
  messageIdDomain?: string;
}

export const DEFAULT_MESSAGE_ID_DOMAIN = 'email.amazonses.com';

export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesEmailSenderOptions = {},
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    const { SendEmailCommand } = await sdk();
    try {
      const output = await this.client.send(new SendEmailCommand(sendEmailInput(email, this.options)));
      if (!output.MessageId) {
        // SES always returns an id on success; without one nothing can be threaded or matched.
        return { kind: 'retryable', reason: 'SES answered without a MessageId' };
      }
      return {
        kind: 'sent',
        providerMessageId: output.MessageId,
        messageIdHeader: messageIdHeaderFor(output.MessageId, this.options.messageIdDomain ?? DEFAULT_MESSAGE_ID_DOMAIN),
      };
    } catch (error) {
      return classifySesError(error);
    }
  }
}

/** The SendEmail request for one email; exported so the request shape is unit-testable. */
export function sendEmailInput(email: OutgoingEmail, options: SesEmailSenderOptions = {}): SendEmailCommandInput {
  const headers = messageHeaders(email.headers);
  const tags = emailTags(email.tags);
  return {
    FromEmailAddress: email.from,
    Destination: { ToAddresses: [email.to] },
    ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: {
          Html: { Data: email.html, Charset: 'UTF-8' },
          Text: { Data: email.text, Charset: 'UTF-8' },
        },
        ...(headers.length > 0 ? { Headers: headers } : {}),
      },
    },
    ...(options.configurationSetName ? { ConfigurationSetName: options.configurationSetName } : {}),
    ...(tags.length > 0 ? { EmailTags: tags } : {}),
  };
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

/**
 * Headers SES writes itself from the Simple content fields (or overrides, like
 * Message-ID and Date). Passing them again would duplicate a header that may occur
 * only once, which SES rejects, so they are dropped: `replyTo` is the way to set Reply-To.
 */
const SES_OWNED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'reply-to',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

/** RFC 5322 field name: printable US-ASCII except colon. */
const FIELD_NAME = /^[!-9;-~]+$/;

function messageHeaders(headers: Record<string, string>): { Name: string; Value: string }[] {
  const result: { Name: string; Value: string }[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name) || SES_OWNED_HEADERS.has(name.toLowerCase())) continue;
    // A CR or LF in a value would let template data inject headers; unfold to one line.
    result.push({ Name: name, Value: value.replace(/[\r\n]+[\t ]*/g, ' ').trim() });
  }
  return result;
}

// ---------------------------------------------------------------------------
// Email tags
// ---------------------------------------------------------------------------

/** SES accepts tag names and values of 1–256 characters from `[A-Za-z0-9_-]`. */
const TAG_MAX_LENGTH = 256;

/** Tag names are our own identifiers (`enrollmentId`, `stepId`…); anything else is replaced, not encoded. */
function sanitiseTagName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, TAG_MAX_LENGTH) || '_';
}

function emailTags(tags: Record<string, string>): MessageTag[] {
  const result: MessageTag[] = [];
  for (const [name, value] of Object.entries(tags)) {
    const encoded = encodeEmailTagValue(value);
    // Over-long values are dropped rather than truncated: a cut id would point at the wrong touch.
    if (encoded.length > TAG_MAX_LENGTH) continue;
    result.push({ Name: sanitiseTagName(name), Value: encoded });
  }
  return result;
}

// ---------------------------------------------------------------------------
// Message-ID
// ---------------------------------------------------------------------------

/**
 * The Message-ID header SES gives a message: `<MessageId@domain>`, where the domain
 * is `email.amazonses.com` in us-east-1 and `<region>.amazonses.com` elsewhere
 * (config `SES_MESSAGE_ID_DOMAIN`). Follow-ups put it into In-Reply-To/References so
 * they thread under the first email, and replies are matched back through it.
 */
export function messageIdHeaderFor(providerMessageId: string, domain: string): string {
  const id = providerMessageId.trim().replace(/^<|>$/g, '');
  return `<${id}@${domain}>`;
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

/**
 * SendEmail error names (SES v2 API reference) and what a retry can achieve:
 * - TooManyRequestsException (429, "Maximum sending rate exceeded"): retry soon.
 * - LimitExceededException (400; for SendEmail the 24-hour sending quota): retry
 *   later — the quota is a rolling window, so the hint is 15 minutes, not seconds.
 * - SendingPausedException: the account's (or configuration set's) sending is paused,
 *   by the operator or by SES review. Temporary by definition; retrying keeps the
 *   touch alive (ending in the DLQ for a redrive) instead of failing every enrollment
 *   for an account-level pause.
 * - InternalServiceErrorException and any 5xx: retry.
 * - MessageRejected (content, sandbox recipient not verified), BadRequestException
 *   (invalid input, e.g. a malformed address), MailFromDomainNotVerifiedException,
 *   NotFoundException (e.g. missing configuration set), AccountSuspendedException
 *   ("permanently restricted"): the same request can never succeed → permanent.
 */
const SES_RETRYABLE: Record<string, number | undefined> = {
  TooManyRequestsException: undefined,
  ThrottlingException: undefined,
  LimitExceededException: 900,
  SendingPausedException: 900,
  InternalServiceErrorException: undefined,
  ServiceUnavailable: undefined,
  RequestTimeout: undefined,
  RequestTimeoutException: undefined,
  TimeoutError: undefined,
};

const SES_PERMANENT = new Set([
  'MessageRejected',
  'BadRequestException',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  'AccountSuspendedException',
]);

interface AwsErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** Classifies anything `SESv2Client.send(SendEmailCommand)` threw. Pure. */
export function classifySesError(error: unknown): Exclude<SendResult, { kind: 'sent' }> {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'UnknownError';
  const message = typeof e.message === 'string' && e.message.length > 0 ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const reason = `${name}: ${message}`;

  if (name in SES_RETRYABLE) {
    const retryAfterSeconds = SES_RETRYABLE[name];
    return retryAfterSeconds === undefined
      ? { kind: 'retryable', reason }
      : { kind: 'retryable', reason, retryAfterSeconds };
  }
  if (SES_PERMANENT.has(name)) return { kind: 'permanent', reason, code: name };
  if (status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server') {
    return { kind: 'retryable', reason };
  }
  if (typeof e.code === 'string' && TRANSIENT_NETWORK_ERROR_CODES.has(e.code)) return { kind: 'retryable', reason };
  if (status !== undefined && status >= 400) return { kind: 'permanent', reason, code: name };
  // No HTTP answer at all (aborted, socket error without a code, SDK bug): the message
  // was most likely not accepted, and a retry ends in the DLQ at worst.
  return { kind: 'retryable', reason };
}
