/**
 * Ports: the only things use cases know about the outside world.
 *
 * Adapters in `adapters/` implement them (DynamoDB, EventBridge Scheduler, SES v2,
 * Twilio, and the embedded runtime's own clock and scheduler). Use cases never import
 * an SDK; only handlers and `local/` pick concrete adapters.
 */
import type { Channel, PublishedSequence } from './domain/sequence.js';
import type { Page } from './domain/page.js';
import type { ConsentChannel } from './domain/people-steps.js';
import type { UserSettings } from './domain/user-progress.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookEvent } from './domain/webhook-events.js';
import type {
  AnsweredBy,
  Enrollment,
  EnrollmentStatus,
  EnrollmentSummary,
  ConsentRecord,
  Prospect,
  ProspectSummary,
  ReplyRecord,
  Suppression,
  Task,
  TaskStatus,
  TimelineEvent,
  TouchClaim,
  TouchDay,
  TouchRecord,
  TouchStatus,
} from './domain/records.js';
import type { ScheduledTouch, TouchMessage } from './domain/touch-message.js';
import type { InboxItem } from './domain/inbox.js';
import type { InboxKind } from './domain/records.js';
import type { ImportChunkResult, ImportJob, ImportMessage, ImportStatus } from './domain/import-job.js';

/** Structured logging with ids only: never email bodies, addresses or phone numbers. */
export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** Time as the process sees it: the wall clock in AWS, a virtual clock locally. */
/**
 * The IANA zones a phone number's prefix is used in (libphonenumber's time-zone map).
 * Only the enrollment path needs it, so only the API function loads its data.
 */
export interface PhoneTimeZones {
  /** Zones for an E.164 number, most specific prefix first; empty when the number maps to none. */
  zonesFor(e164: string): Promise<readonly string[]>;
}

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

/** Sequence counters: atomic ADD updates, never scans. */
export interface SequenceCounterDelta {
  sequenceId: string;
  /** e.g. `{ 'status.active': 1, 'step.intro.sent': 1 }` */
  deltas: Record<string, number>;
  /**
   * When it happened (the caller's clock: the store has none). It decides the UTC day the
   * deltas count for in `getDailyCounters`.
   */
  at: Date;
}

/** One UTC day of a sequence's counters. */
export interface DailyCounters {
  /** `yyyy-mm-dd` (UTC). */
  day: string;
  counters: Record<string, number>;
}

export interface EnrollmentAdvance {
  enrollmentId: string;
  /** The state the caller read; the write fails if the item moved on meanwhile. */
  expected: { status: EnrollmentStatus; run: number; stepIndex: number };
  next: Pick<Enrollment, 'status' | 'stepIndex' | 'nextTouchAt' | 'pendingScheduleName' | 'updatedAt'> &
    Partial<Pick<Enrollment, 'thread' | 'endedAt' | 'endReason' | 'resumeAt' | 'awaitingTask' | 'lastTaskOutcome'>>;
  /**
   * A call or task step: the write applies only while the enrollment waits for exactly this
   * task attempt (so an outcome submitted twice moves it on once).
   */
  expectedTask?: { taskId: string; attempt: number };
  /** Message record for the step that was just executed, stored on the enrollment. */
  touch?: TouchRecord;
}

export type ConditionalWriteResult = 'ok' | 'conflict';

/** A provider's report on a message we sent (SES delivery/bounce event, Twilio status callback). */
export interface TouchStatusUpdate {
  enrollmentId: string;
  stepId: string;
  /** The SES MessageId / Twilio SID the report is about: a touch of another run is never changed. */
  providerMessageId: string;
  status: TouchStatus;
  /** Only a touch currently in one of these statuses changes (so a repeated or late report is a no-op). */
  from: readonly TouchStatus[];
  /** Short, non-personal detail, e.g. `30003: Unreachable destination handset`. */
  error?: string;
  /** Calls: who answered, and how long it lasted. */
  answeredBy?: AnsweredBy;
  durationSeconds?: number;
}

/*
 * The single DynamoDB table, as seen by use cases, one interface per aggregate; `Store`
 * is all of them. Every method is one request (or one batch); there are no transactions
 * anywhere. A use case may ask for only the part it needs.
 */

/** Sequences: immutable versions plus a pointer to the current one. */
export interface SequenceStore {
  putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult>;
  getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined>;
  getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined>;
  listSequences(): Promise<PublishedSequence[]>;
  /** Every published version of a sequence, oldest first, without its content (one paginated Query). */
  listSequenceVersions(sequenceId: string): Promise<SequenceVersionSummary[]>;
}

export type SequenceVersionSummary = Pick<PublishedSequence, 'version' | 'publishedAt' | 'hash'>;

/** A page of the inbox (`GET /inbox`), newest first. */
export interface InboxQuery {
  kind?: InboxKind;
  /** Only items at or after this instant. */
  since?: Date;
  /** 1 to 100. */
  limit: number;
  cursor?: string;
}

/** The inbox (domain/inbox.ts): one item per inbound message and prospect. */
export interface InboxStore {
  /** Writes the item unless one with its id exists ('conflict': a redelivery; the stored one is kept as it is). */
  putInboxItem(item: InboxItem): Promise<ConditionalWriteResult>;
  getInboxItem(id: string): Promise<InboxItem | undefined>;
  /**
   * ONE Query per page, newest first, of all kinds or one, from `since` on. A cursor of
   * another query (kind or since) is an `InvalidCursorError`. Eventually consistent (index).
   */
  listInbox(query: InboxQuery): Promise<Page<InboxItem>>;
  /** Marks an item handled (by whom, when) or not: ONE conditional write; undefined when there is no such item. */
  setInboxHandled(update: { id: string; handled: boolean; by: string; at: string }): Promise<InboxItem | undefined>;
}

/** A page of a prospect search (`GET /prospects?q=`). */
export interface ProspectSearch {
  /**
   * With `@`: an exact email. A phone in international format (`+1 415 555 0123`): an
   * exact phone; pass what the user typed through `normalizeSearchQuery`
   * (domain/search-query.ts) first, so a local format finds it too. Otherwise a prefix of
   * the name ("first last") or the company, case- and accent-insensitive.
   */
  q: string;
  /** 1 to 100. */
  limit: number;
  /** `nextCursor` of the previous page of the same search. */
  cursor?: string;
}

/** A page of a sequence's enrollments (`GET /sequences/{id}/enrollments`). */
export interface SequenceEnrollmentsQuery {
  sequenceId: string;
  status?: EnrollmentStatus;
  stepIndex?: number;
  /** 1 to 100. */
  limit: number;
  cursor?: string;
}

/** Prospect profiles, search, and the lookups by address. */
export interface ProspectStore {
  getProspect(prospectId: string): Promise<Prospect | undefined>;
  /**
   * Replaces one profile (with its address and search index keys), unconditionally like the
   * enrollment batch: the caller holds the prospect's enrollment lane lease (domain/lanes.ts)
   * from the read it merged into until this returns, so no import interleaves.
   */
  putProspect(prospect: Prospect): Promise<void>;
  /** The prospects with this address: an address with `@` is an email, any other a phone. */
  findProspectIdsByAddress(address: string): Promise<string[]>;
  /**
   * At most 2 requests per page (an exact address: the index, then the profiles; a prefix:
   * the name and company indexes at once, merged by their sort text, each prospect once).
   * A cursor of another search is an `InvalidCursorError`. Eventually consistent (indexes).
   */
  searchProspects(search: ProspectSearch): Promise<Page<ProspectSummary>>;
  /**
   * GDPR erasure: deletes every item of the prospect (profile, address index entries,
   * enrollments, touch claims, timeline). Suppressions are global and are NOT touched:
   * the caller replaces them by hashed `erased` entries. Idempotent.
   */
  deleteProspectData(prospectId: string): Promise<void>;
}

/** What enrolling reads in one batch; maps are keyed by what was asked for (ledger entries by the address as passed in). */
export interface EnrollmentReads {
  enrollments: Map<string, Enrollment>;
  suppressions: Map<string, Suppression>;
  /** The consent ledger's reply entries of the addresses. */
  replies: Map<string, ReplyRecord>;
  prospects: Map<string, Prospect>;
  /**
   * Per phone asked for: the prospect ids its phone holders item lists (keys.ts, "phone
   * holders"), possibly with ids whose profile has another phone by now. Empty when none.
   */
  phoneHolders: Map<string, string[]>;
  /**
   * Whether every profile with a phone is listed in its phone's holders item. False for a
   * table whose profiles were written before holders items existed (and not backfilled):
   * then a phone's other holders are only found by `findProspectIdsByAddress`.
   */
  phoneHoldersComplete: boolean;
}

/** A phone's holders item as enrolling writes it: the whole list (the caller holds the phone's lane). */
export interface PhoneHolders {
  phone: string;
  prospectIds: string[];
}

/** Enrollments, the touches recorded on them, and the reads enrolling and touching need. */
export interface EnrollmentStore {
  getEnrollment(enrollmentId: string): Promise<Enrollment | undefined>;
  listEnrollments(prospectId: string): Promise<Enrollment[]>;
  /**
   * ONE Query of the by-sequence index: a sequence's enrollments ordered by status, then
   * step, then next touch time (soonest first), then prospect. `status` (and `stepIndex`
   * with it) narrow the key range. `stepIndex` WITHOUT `status` is a filter applied after
   * the page was read: such pages may hold fewer than `limit` items (even none) and still
   * have a `nextCursor`. A cursor of another list is an `InvalidCursorError`. Eventually
   * consistent (index).
   */
  listEnrollmentsBySequence(query: SequenceEnrollmentsQuery): Promise<Page<EnrollmentSummary>>;
  /**
   * For enrollment: reads many enrollments (by id), suppressions (by address) and stored
   * profiles (by prospect id) in one batched read (few round trips). Maps are keyed by what
   * was asked for (suppressions by the address string as passed in), and the holders
   * items of `phones` (with whether holders items are complete) in the same batch.
   */
  getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
    prospectIds?: string[],
    phones?: string[],
  ): Promise<EnrollmentReads>;
  /**
   * Writes an enrollment chunk with batched, UNCONDITIONAL writes (a BatchWriteItem cannot
   * be conditional, and a conditional put per enrollment is several times slower): the
   * profiles first, then the enrollments and their timeline entries, so a crash never
   * leaves an enrollment without its profile. Whatever is stored under the same keys is
   * replaced (last writer wins).
   *
   * So the caller must make sure nobody else decides these enrollments at the same time:
   * it holds the enrollment lane lease (`LeaseStore`, domain/lanes.ts) of every prospect in
   * the batch from the read that decided them until this call returns.
   *
   * `phoneHolders` replace those phones' holders items, written with the profiles (before
   * any enrollment), so an enrollment's phone always lists its prospect.
   */
  putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
    phoneHolders?: PhoneHolders[];
  }): Promise<void>;
  /** Records that every profile with a phone is listed in its holders item (`phoneHoldersComplete`). */
  markPhoneHoldersComplete(): Promise<void>;
  /** Whether the layout marker is there (one consistent read): `phoneHoldersComplete` without a batch. */
  arePhoneHoldersComplete(): Promise<boolean>;
  /**
   * The enrollments of a sequence whose `accountDomain` is `domain` (colleagues at one
   * company), with their status: one Query of an index (paginated), eventually consistent.
   */
  listAccountEnrollments(sequenceId: string, domain: string): Promise<Pick<Enrollment, 'id' | 'prospectId' | 'status'>[]>;
  /** Replaces an ended enrollment by a new run, conditional on the old run still being ended. */
  restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult>;
  /**
   * Everything the touch worker needs, in one consistent round trip (when the message
   * carries `addressHashes` that still match the profile). `suppressions` are the entries
   * of the prospect's CURRENT email and phone (either channel; the caller picks the one of
   * the step's channel); without a profile, those of the message's hashes.
   */
  loadTouchContext(message: TouchMessage): Promise<{
    enrollment?: Enrollment;
    prospect?: Prospect;
    suppressions: Suppression[];
  }>;
  advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult>;
  /**
   * Records a touch on the enrollment whatever its status, and drops the claim: used when a
   * claimed send went out but the enrollment was stopped meanwhile, so the send is still on record.
   */
  recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void>;
  /**
   * Sets the delivery status of a recorded touch: ONE conditional write on the enrollment
   * item, conditional on the touch of `stepId` being `providerMessageId` and in one of the
   * `from` statuses. 'conflict' when it is not (unknown message, a later run's touch,
   * already updated), so callers bump counters only on 'ok' and repeats stay idempotent.
   */
  updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult>;
  /**
   * Marks that the person replied during `run` while the enrollment kept going (a sequence
   * with `stopOnReply: false`): ONE conditional write on the enrollment item (`repliedRun`).
   * 'ok' the first time in that run, 'conflict' after (or for another run, or no
   * enrollment), so the funnel counts each run that got a reply once.
   */
  markReplied(enrollmentId: string, run: number): Promise<ConditionalWriteResult>;
}

/** Exactly-once touches. */
export interface ClaimStore {
  /**
   * Claims a touch with ONE conditional write ON THE ENROLLMENT ITEM (attribute `claim`):
   * it succeeds only while the enrollment is `active` at this run and step and nobody
   * holds an unexpired lease. Because a stop writes the same item, a stop and a claim are
   * strictly ordered: a touch claimed after a reply or opt-out is impossible.
   * `advanceEnrollment` removes the claim.
   */
  claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult>;
  /** Gives a claim back (after a retryable send failure) so the retry need not wait for the lease. */
  releaseTouchClaim(claim: TouchClaim): Promise<void>;
  /**
   * Claims one of the `limit` touches a person may get on `channel` on their local `day`,
   * for `enrollmentId`: ONE conditional UpdateItem on the profile on the happy path
   * (`seen`, the profile's claims as the caller read them, picks the write), a re-read
   * and a retry under contention. 'full' when `limit` other enrollments hold that day;
   * claiming again for the same enrollment is 'ok'. A missing profile is 'ok' (nothing to
   * count on; the touch is stale anyway). Only for people with concurrent enrollments.
   */
  claimTouchDay(claim: TouchDayClaim, seen?: TouchDay): Promise<'ok' | 'full'>;
}

export interface TouchDayClaim {
  prospectId: string;
  channel: Channel;
  day: string;
  enrollmentId: string;
  limit: number;
}

/**
 * The consent ledger, keyed by address hash and global to every sequence: suppressions
 * (every touch is checked against them), reply entries (imports are), and the consents
 * that lifted entries (the audit of `POST /prospects/{id}/consent`). Suppressions are one
 * entry per address and ledger channel: `channel` defaults to the address's own (email
 * for an email, SMS for a phone); a phone's `call` entry is separate from its SMS one (a
 * STOP by text and a "do not call me" are two decisions).
 */
export interface ConsentStore {
  getSuppression(address: string, channel?: ConsentChannel): Promise<Suppression | undefined>;
  putSuppression(suppression: Suppression): Promise<void>;
  deleteSuppression(address: string, channel?: ConsentChannel): Promise<void>;
  /** Records (or replaces with a later one) the reply entry of `reply.addressHash`. Idempotent. */
  putReplyRecord(reply: ReplyRecord): Promise<void>;
  getReplyRecord(address: string): Promise<ReplyRecord | undefined>;
  deleteReplyRecord(address: string): Promise<void>;
  /** Keeps the latest consent given for the address. */
  putConsentRecord(consent: ConsentRecord): Promise<void>;
  getConsentRecord(address: string): Promise<ConsentRecord | undefined>;
}

export interface TimelineStore {
  appendTimeline(events: TimelineEvent[]): Promise<void>;
  /**
   * Appends `event` once per `onceKey` (the provider's id of the event it tells, 1 to 512
   * characters): ONE conditional PutItem at a key derived from `onceKey` and `event.at`, so
   * the entry is also the event's replay guard. 'conflict' when an entry with this key and
   * time exists (a redelivery): nothing is written. Unlike an idempotency record it never
   * expires; it goes with the prospect's data.
   */
  appendTimelineOnce(event: TimelineEvent, onceKey: string): Promise<ConditionalWriteResult>;
  /** Oldest first; with `newest`, only the newest `newest` events (newest first): one Query page. */
  listTimeline(prospectId: string, options?: { newest?: number }): Promise<TimelineEvent[]>;
}

/** A page of tasks (`GET /tasks`), ordered by due time. */
export interface TaskQuery {
  /** A user's (lower-case) email; everyone's tasks when unset. */
  assignee?: string;
  status: TaskStatus;
  /** Only tasks due before this instant (ISO 8601 UTC). */
  dueBefore?: string;
  /** 1 to 100. */
  limit: number;
  cursor?: string;
}

/** Tasks for reps: one item per enrollment run and step, listed by assignee and due time through an index. */
export interface TaskStore {
  /** ONE conditional put: 'conflict' when a task with this id exists (a redelivery creates nothing twice). */
  createTask(task: Task): Promise<ConditionalWriteResult>;
  getTask(taskId: string): Promise<Task | undefined>;
  /**
   * Replaces the task by `next` with ONE conditional write, only while it is still in the
   * `expected` status and attempt ('conflict' otherwise): completing, skipping, re-opening.
   */
  replaceTask(next: Task, expected: { status: TaskStatus; attempt: number }): Promise<ConditionalWriteResult>;
  /**
   * ONE Query of the by-assignee index (or, for everyone, of the task listing), due time
   * first. A cursor of another list is an `InvalidCursorError`. Eventually consistent.
   */
  listTasks(query: TaskQuery): Promise<Page<Task>>;
}

/** Per-user settings and progress (goals, streaks): one item per user. */
export interface UserStore {
  getUser(email: string): Promise<UserSettings | undefined>;
  /**
   * Writes the user with ONE conditional put: only while the stored version is
   * `expectedVersion` (absent when undefined). 'conflict' when someone wrote it meanwhile.
   */
  putUser(user: UserSettings, expectedVersion: number | undefined): Promise<ConditionalWriteResult>;
  /** Every user, by email: one Query of the listing index per page. */
  listUsers(query: { limit: number; cursor?: string }): Promise<Page<UserSettings>>;
}

/** The record of outbound webhook deliveries (kept 30 days). */
export interface WebhookDeliveryStore {
  recordWebhookDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  listWebhookDeliveries(query: { limit: number; cursor?: string }): Promise<Page<WebhookDelivery>>;
}

export interface CounterStore {
  /** Adds atomically; a throttled write is retried, not lost. */
  addToCounters(delta: SequenceCounterDelta): Promise<void>;
  /** Every counter of the sequence, summed over all days. */
  getCounters(sequenceId: string): Promise<Record<string, number>>;
  /** The sums per UTC day from `fromDay` to `toDay` (`yyyy-mm-dd`, both included), oldest first; days without counts are absent. */
  getDailyCounters(sequenceId: string, fromDay: string, toDay: string): Promise<DailyCounters[]>;
}

/** A named lease: whoever holds it (`owner`) until `until` (ISO 8601) may do the work it guards. */
export interface Lease {
  name: string;
  owner: string;
  until: string;
}

/** Leases, e.g. on enrollment lanes (domain/lanes.ts): ONE conditional write each. */
export interface LeaseStore {
  /**
   * Takes the lease when nobody holds it, when its holder's lease expired by `now` (the
   * holder died), or when `owner` already holds it (then it is extended to `until`).
   */
  acquireLease(lease: Lease, now: Date): Promise<ConditionalWriteResult>;
  /**
   * Extends a lease only while `owner` still holds it (expired or not, as long as nobody
   * took it over): 'conflict' when someone else acquired it or it was released meanwhile.
   * A holder that was slow calls it before acting on what it read under the lease.
   */
  renewLease(lease: Lease): Promise<ConditionalWriteResult>;
  /** Frees the lease if `owner` holds it; a lease someone else holds now stays theirs. */
  releaseLease(name: string, owner: string): Promise<void>;
}

/**
 * Idempotency records: "this inbound message was handled", so a replayed webhook (the
 * same Twilio MessageSid, the same SES event) has no second effect.
 */
export interface IdempotencyStore {
  /**
   * ONE conditional PutItem of the record `key` (e.g. `twilio:<MessageSid>`), kept until
   * `expiresAt` (DynamoDB's TTL removes it later): 'ok' for the first claim, 'conflict'
   * while an unexpired record exists. An expired record not yet removed is claimed again.
   */
  claimIdempotencyKey(key: string, expiresAt: Date, now: Date): Promise<ConditionalWriteResult>;
  /**
   * Removes the record `key` (ONE DeleteItem; nothing when there is none), so the message's
   * retry claims it again: for an effect that failed and asked its sender to retry.
   */
  releaseIdempotencyKey(key: string): Promise<void>;
}

export interface Store
  extends SequenceStore,
    ProspectStore,
    EnrollmentStore,
    ClaimStore,
    ConsentStore,
    TimelineStore,
    CounterStore,
    LeaseStore,
    TaskStore,
    UserStore,
    WebhookDeliveryStore,
    InboxStore,
    IdempotencyStore {}

/**
 * Import jobs (domain/import-job.ts): the job item and one result item per chunk. Not part
 * of `Store`: only the API and the import worker use it.
 */
export interface ImportStore {
  /** ONE conditional put: 'conflict' when a job with this id exists. */
  createImport(job: ImportJob): Promise<ConditionalWriteResult>;
  getImport(importId: string): Promise<ImportJob | undefined>;
  /**
   * ONE conditional update: sets `set` (a new status and/or fields) only while the job's
   * status is one of `from`; the job as written, or 'conflict' (missing, or another status).
   */
  updateImport(importId: string, change: { from: readonly ImportStatus[]; set: Partial<Omit<ImportJob, 'id'>> }): Promise<ImportJob | 'conflict'>;
  /** ONE conditional put per chunk: 'conflict' when that chunk's result is already stored (a rerun). */
  putChunkResult(result: ImportChunkResult): Promise<ConditionalWriteResult>;
  /** Whether the chunk's result is stored (ONE GetItem): a redelivered chunk is not enrolled again. */
  hasChunkResult(importId: string, index: number): Promise<boolean>;
  /**
   * Adds 1 to the job's `chunksDone` (ONE UpdateItem, answering the job as written): only
   * after `putChunkResult` said 'ok', so each chunk adds once; it only tells when the job is
   * complete (progress is the sum of the chunk results). Undefined when there is no job.
   */
  addChunkDone(importId: string): Promise<ImportJob | undefined>;
  /** Every chunk result of the job, by index (one paginated Query). */
  listChunkResults(importId: string): Promise<ImportChunkResult[]>;
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
