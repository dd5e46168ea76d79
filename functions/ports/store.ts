/**
 * The single DynamoDB table, as seen by use cases, one interface per aggregate; `Store`
 * is all of them. Every method is one request (or one batch); there are no transactions
 * anywhere. A use case may ask for only the part it needs. The enrollment side
 * (enrollments, enrolling's batches, claims) is in ports/enrollment-store.ts.
 */
import type { Page } from '../domain/page.js';
import type { ConsentChannel } from '../domain/people-steps.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { UserSettings } from '../domain/user-progress.js';
import type { WebhookDelivery } from '../domain/webhook-events.js';
import type { ConsentRecord, Prospect, ProspectSummary, ReplyRecord, Suppression, Task, TaskStatus, TimelineEvent } from '../domain/records.js';
import type { InboxItem } from '../domain/inbox.js';
import type { InboxKind } from '../domain/records.js';
import type { ImportChunkResult, ImportJob, ImportStatus } from '../domain/import-job.js';
import type { ClaimStore, EnrollmentStore } from './enrollment-store.js';

export type ConditionalWriteResult = 'ok' | 'conflict';

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

