/**
 * The enrollment side of the store: enrollments with their touch records, the batched reads
 * and writes of enrolling, and the claims that make a touch exactly-once. Part of `Store`
 * (ports/store.ts); split from it only to keep each file readable.
 */
import type { Page } from '../domain/page.js';
import type { Channel } from '../domain/sequence.js';
import type {
  AnsweredBy,
  Enrollment,
  EnrollmentStatus,
  EnrollmentSummary,
  Prospect,
  ReplyRecord,
  Suppression,
  TimelineEvent,
  TouchClaim,
  TouchDay,
  TouchRecord,
  TouchStatus,
} from '../domain/records.js';
import type { TouchMessage } from '../domain/touch-message.js';
import type { ConditionalWriteResult } from './store.js';

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

/** A page of a sequence's enrollments (`GET /sequences/{id}/enrollments`). */
export interface SequenceEnrollmentsQuery {
  sequenceId: string;
  status?: EnrollmentStatus;
  stepIndex?: number;
  /** 1 to 100. */
  limit: number;
  cursor?: string;
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
   * ONE Query of the by-sequence index: a sequence's enrollments ordered by status, then by
   * the step and next touch time (soonest first) each had when it took its status, then
   * prospect: an advance within a status keeps an enrollment's place (keys.ts,
   * "bySequence"); the summaries are current. `status` narrows the key range. `stepIndex`
   * is a filter on the current step applied after the page was read: such pages may hold
   * fewer than `limit` items (even none) and still have a `nextCursor`. A cursor of another
   * list is an `InvalidCursorError`. Eventually consistent (index).
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

