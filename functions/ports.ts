/**
 * Ports: the only things use cases know about the outside world.
 *
 * Adapters in `adapters/` implement them (DynamoDB, EventBridge Scheduler, SES v2,
 * Twilio, and the embedded runtime's own clock and scheduler). Use cases never import
 * an SDK; only handlers and `local/` pick concrete adapters.
 */
import type { Channel } from './domain/sequence.js';
import type { WebhookEndpoint, WebhookEvent } from './domain/webhook-events.js';
import type { ScheduledTouch } from './domain/touch-message.js';
import type { ImportMessage } from './domain/import-job.js';

/** Structured logging with ids only: never email bodies, addresses or phone numbers. */
export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/**
 * The IANA zones a phone number's prefix is used in (libphonenumber's time-zone map).
 * Only the enrollment path needs it, so only the API function loads its data.
 */
export interface PhoneTimeZones {
  /** Zones for an E.164 number, most specific prefix first; empty when the number maps to none. */
  zonesFor(e164: string): Promise<readonly string[]>;
}

/** Time as the process sees it: the wall clock in AWS, a virtual clock locally. */
export interface Clock {
  now(): Date;
}

// Touch messages are domain records (planning builds them); re-exported for the adapters.
export type { ScheduledTouch, TouchMessage } from './domain/touch-message.js';

/** One-time schedules for touches (EventBridge Scheduler in AWS, an in-process timer locally). */
export interface TouchScheduler {
  /** Creates the schedule; creating one that already exists under the same name is a no-op. */
  schedule(touch: ScheduledTouch): Promise<void>;
  /** Deletes a pending schedule; a schedule that is missing (already fired or deleted) is fine. */
  cancel(scheduleName: string): Promise<void>;
}

/** Result of a send, classified once by the adapter and handled with exhaustive switches. */
export type SendResult =
  | {
      kind: 'sent';
      providerMessageId: string;
      /** Email only: the Message-ID header the recipient sees, to thread follow-ups and match replies. */
      messageIdHeader?: string;
    }
  | { kind: 'retryable'; reason: string; retryAfterSeconds?: number }
  | { kind: 'permanent'; reason: string; code?: string };

export interface OutgoingEmail {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers: List-Unsubscribe, List-Unsubscribe-Post, In-Reply-To, References. */
  headers: Record<string, string>;
  /** Carried back in SES events (configuration set → EventBridge) to identify the touch. */
  tags: Record<string, string>;
  /** Which touch this is, for logs and the local outbox; adapters do not send it. */
  touch?: TouchIdentity;
}

export interface TouchIdentity {
  enrollmentId: string;
  stepId: string;
}

export interface EmailSender {
  send(email: OutgoingEmail): Promise<SendResult>;
}

export interface OutgoingSms {
  to: string;
  /** Either a sender number (E.164) or a Messaging Service SID. */
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallbackUrl?: string;
  /** Which touch this is, for logs and the local outbox; adapters do not send it. */
  touch?: TouchIdentity;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<SendResult>;
}

/** Twilio's call progress events a status callback may be asked for. */
export type CallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/**
 * An outgoing call. Twilio requests `twimlUrl` when it is answered (after answering machine
 * detection, with `machineDetection`), and posts the progress to `statusCallbackUrl`. Both
 * URLs carry only ids; the handlers read everything else from the store.
 */
export interface OutgoingCall {
  /** Click to call: the rep's phone; a voicemail drop: the prospect's. */
  to: string;
  /** Caller ID: a Twilio number (the sequence's `sender.voice.from` or SMS number). */
  from: string;
  twimlUrl: string;
  statusCallbackUrl: string;
  statusCallbackEvents: readonly CallProgressEvent[];
  /** `DetectMessageEnd`: the TwiML is requested only once a machine's greeting has ended. */
  machineDetection?: 'DetectMessageEnd';
  /** Seconds to let it ring (Twilio's default 60). */
  ringTimeoutSeconds?: number;
  /** Which call this is, for logs and the local outbox; adapters do not send it. */
  purpose: { kind: 'bridge'; taskId: string } | { kind: 'voicemail'; touch: TouchIdentity };
}

/** Twilio Voice (Calls API): `sent` carries the Call SID as `providerMessageId`. */
export interface VoiceCaller {
  placeCall(call: OutgoingCall): Promise<SendResult>;
}

/** Hands outbound webhook events to delivery (EventBridge in AWS, the in-process dispatcher locally). */
export interface WebhookPublisher {
  publish(events: readonly WebhookEvent[]): Promise<void>;
}

/** The HTTP POST of one signed delivery; resolves with the status, or undefined for no answer (timeout, network). */
export interface WebhookTransport {
  post(endpoint: WebhookEndpoint, body: string, headers: Record<string, string>): Promise<{ status?: number; error?: string }>;
}

/** Files: S3 in AWS, a folder locally. Keys are `/`-separated paths (domain/import-job.ts `importObjects`). */
export interface ObjectStore {
  /** Writes the whole object (a stream is written as it comes, never held whole). */
  put(key: string, body: string | Uint8Array | AsyncIterable<Uint8Array>, contentType?: string): Promise<void>;
  /** The object's bytes as they stream; undefined when there is no such object. */
  get(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Its size in bytes; undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
}

/** A time-limited URL a client uploads a file to without the API key (an S3 presigned PUT in AWS). */
export interface UploadUrls {
  uploadUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** Where import work is queued: SQS in AWS, an in-process pool locally. */
export interface ImportQueue {
  send(messages: readonly ImportMessage[]): Promise<void>;
}

export type { Channel };
export type * from './ports/store.js';
export type * from './ports/enrollment-store.js';
