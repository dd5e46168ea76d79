/**
 * What every use case receives: ports plus the few settings they need. Handlers and the
 * embedded runtime build one of these per container (clients created once).
 */
import type { Clock, EmailSender, Logger, PhoneTimeZones, SmsSender, Store, TouchScheduler, VoiceCaller, WebhookPublisher } from '../ports.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { LruCache } from '../domain/lru-cache.js';
import type { Actor } from '../domain/roles.js';

export interface UseCaseSettings {
  /** Base URL of the public routes (unsubscribe links, Twilio status callbacks). */
  publicUrl: string;
  /**
   * Where Twilio posts the delivery status of an SMS touch: in AWS the Twilio webhook
   * function's own URL (no API Gateway request per callback); default
   * `<publicUrl>/webhooks/twilio/status`.
   */
  smsStatusCallbackUrl?: string;
  /** Signs unsubscribe and reply tokens. */
  signingSecret: string;
  /** Replies come back to reply+<token>@replyDomain when set. */
  replyDomain?: string;
  defaultPhoneRegion: string;
  claimLeaseSeconds: number;
  /** The zone of a user's day (goals, "due today") when they set none (DEFAULT_TIMEZONE); UTC when unset. */
  defaultTimezone?: string;
  /**
   * Touches one person may get per channel and local day across all their sequences
   * (only people with concurrent enrollments are counted). Default 1.
   */
  touchesPerPersonPerDay?: number;
}

export interface UseCaseContext {
  store: Store;
  scheduler: TouchScheduler;
  clock: Clock;
  logger: Logger;
  settings: UseCaseSettings;
  /** Published versions are immutable, so a container may keep them (`createSequenceCache`). */
  sequenceCache?: SequenceCache;
  /** Where replies, opt-outs, bounces, conversions and task outcomes are announced; none when unset. */
  webhooks?: WebhookPublisher;
  /**
   * Who is acting, for a request of the API (`{...ctx, actor}` per request): every timeline
   * entry the use case writes records it (`actedBy`). Absent for providers and the engine itself.
   */
  actor?: Actor;
}

/** The `actor` field of a timeline entry written for this context (nothing when nobody acted). */
export function actedBy(ctx: Pick<UseCaseContext, 'actor'>): { actor?: Actor } {
  return ctx.actor ? { actor: ctx.actor } : {};
}

/** Enrolling: rows without a usable zone get one from their phone number. */
export interface EnrollingContext extends UseCaseContext {
  phoneTimeZones: PhoneTimeZones;
}

/** Use cases that email the team (forwarded replies, notifications) but never text. */
export interface NotifyingContext extends UseCaseContext {
  email: EmailSender;
}

/** Places calls through Twilio Voice (click to call, voicemail drops): loads the Twilio client. */
export interface CallingContext extends UseCaseContext {
  voice: VoiceCaller;
}

/** The touch worker: sends SMS and drops voicemails, so only it (and click to call) loads the Twilio client. */
export interface SendingContext extends NotifyingContext {
  sms: SmsSender;
  voice: VoiceCaller;
}

export class SequenceNotFoundError extends Error {
  override name = 'SequenceNotFoundError';
  constructor(readonly sequenceId: string) {
    super(`Sequence "${sequenceId}" does not exist`);
  }
}

export class EnrollmentNotFoundError extends Error {
  override name = 'EnrollmentNotFoundError';
  constructor(readonly enrollmentId: string) {
    super(`Enrollment "${enrollmentId}" does not exist`);
  }
}

export class ImportNotFoundError extends Error {
  override name = 'ImportNotFoundError';
  constructor(readonly importId: string) {
    super(`Import "${importId}" does not exist`);
  }
}

/** A change an import job's status does not allow (cancelling a finished job…): a 409. */
export class ImportStateError extends Error {
  override name = 'ImportStateError';
}

export class ProspectNotFoundError extends Error {
  override name = 'ProspectNotFoundError';
  constructor(readonly prospectId: string) {
    super(`Prospect "${prospectId}" does not exist`);
  }
}

export class SequenceVersionNotFoundError extends Error {
  override name = 'SequenceVersionNotFoundError';
  constructor(
    readonly sequenceId: string,
    readonly version: number,
  ) {
    super(`Sequence "${sequenceId}" has no version ${version}`);
  }
}

export class InboxItemNotFoundError extends Error {
  override name = 'InboxItemNotFoundError';
  constructor(readonly id: string) {
    super(`Inbox item "${id}" does not exist`);
  }
}

/** A consent that cannot be recorded as asked (HTTP 409, naming the field at fault): use-cases/record-consent.ts. */
export class ConsentRefusedError extends Error {
  override name = 'ConsentRefusedError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export { EnrollmentStateError } from '../domain/enrollment.js';
import { EnrollmentStateError } from '../domain/enrollment.js';

export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(readonly taskId: string) {
    super(`Task "${taskId}" does not exist`);
  }
}

/** The task cannot take this now (HTTP 409): done otherwise, skipped, or its enrollment moved on. */
export class TaskStateError extends EnrollmentStateError {
  override name = 'TaskStateError';
}

/** A call that cannot be placed now (HTTP 409); the message says why (quiet hours, suppressed, no phone…). */
export class CallNotPossibleError extends EnrollmentStateError {
  override name = 'CallNotPossibleError';
}

/** A provider (Twilio) could not take the request right now (HTTP 503: try again). */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** A request value a use case refuses (HTTP 400, naming the field). */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Someone else is working on the same item right now (HTTP 409: try again shortly). */
export class BusyError extends EnrollmentStateError {
  override name = 'BusyError';
}

/** What `loadSequenceVersion` needs of a cache: a Map does, so does an LruCache. */
export interface SequenceCache {
  get(key: string): PublishedSequence | undefined;
  set(key: string, sequence: PublishedSequence): unknown;
}

/** A container reads few sequences; the bound keeps a long-lived one from keeping every version ever read. */
export const SEQUENCE_CACHE_LIMIT = 100;

export function createSequenceCache(): LruCache<string, PublishedSequence> {
  return new LruCache(SEQUENCE_CACHE_LIMIT);
}

/** Reads a published version, from the container's cache when it has it. */
export async function loadSequenceVersion(
  ctx: UseCaseContext,
  sequenceId: string,
  version: number,
): Promise<PublishedSequence | undefined> {
  const key = `${sequenceId}@${version}`;
  const cached = ctx.sequenceCache?.get(key);
  if (cached) return cached;
  const sequence = await ctx.store.getSequenceVersion(sequenceId, version);
  if (sequence) ctx.sequenceCache?.set(key, sequence);
  return sequence;
}
