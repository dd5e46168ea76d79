/**
 * Ports: the only things use cases know about the outside world.
 *
 * Adapters in `adapters/` implement them (DynamoDB, EventBridge Scheduler, SES v2,
 * Twilio, and the embedded runtime's own clock and scheduler). Use cases never import
 * an SDK; only handlers and `local/` pick concrete adapters.
 */
import type { Channel, PublishedSequence } from './domain/sequence.js';
import type {
  Enrollment,
  EnrollmentStatus,
  Prospect,
  Suppression,
  TimelineEvent,
  TouchClaim,
  TouchRecord,
  TouchStatus,
} from './domain/records.js';

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

/** The body of a touch message: what a fired schedule puts on the touch queue. */
export interface TouchMessage {
  enrollmentId: string;
  prospectId: string;
  sequenceId: string;
  /** Which enrollment run of this prospect in this sequence (re-enrolling starts a new run). */
  run: number;
  stepIndex: number;
  /** When the touch was due (ISO 8601, UTC). */
  dueAt: string;
  /**
   * `addressHash()` (domain/address-hash.ts) of the prospect's email and phone, as known
   * when the touch was scheduled. With them `Store.loadTouchContext` reads the enrollment,
   * the profile AND the suppressions in ONE consistent batch read. Optional: without them,
   * or when the prospect's address changed since scheduling, the store spends one more
   * read on the current address's suppression (correctness first).
   */
  addressHashes?: { email?: string; phone?: string };
  /** The request that enrolled the prospect (API Gateway request id), carried into every log line of its touches. */
  correlationId?: string;
  /**
   * The channel of the step at `stepIndex`: the schedule delivers the message to that
   * channel's touch queue, so email and SMS drain at their own providers' rates.
   * Optional: messages scheduled before the queues were split lack it (they arrive on
   * the email queue, and the worker still sends on the step's channel).
   */
  channel?: Channel;
}

export interface ScheduledTouch extends TouchMessage {
  /** Deterministic schedule name, so a retry can never create a second schedule. */
  scheduleName: string;
}

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

/** Sequence counters: atomic ADD updates, never scans. */
export interface SequenceCounterDelta {
  sequenceId: string;
  /** e.g. `{ 'status.active': 1, 'step.intro.sent': 1 }` */
  deltas: Record<string, number>;
}

export interface EnrollmentAdvance {
  enrollmentId: string;
  /** The state the caller read; the write fails if the item moved on meanwhile. */
  expected: { status: EnrollmentStatus; run: number; stepIndex: number };
  next: Pick<Enrollment, 'status' | 'stepIndex' | 'nextTouchAt' | 'pendingScheduleName' | 'updatedAt'> &
    Partial<Pick<Enrollment, 'thread' | 'endedAt' | 'endReason' | 'resumeAt'>>;
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
}

/**
 * The single DynamoDB table, as seen by use cases. Every method is one request
 * (or one batch); there are no transactions anywhere.
 */
export interface Store {
  // Sequences (immutable versions plus a pointer to the current one).
  putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult>;
  getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined>;
  getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined>;
  listSequences(): Promise<PublishedSequence[]>;

  // Prospects and enrollments.
  getProspect(prospectId: string): Promise<Prospect | undefined>;
  findProspectIdsByAddress(address: string): Promise<string[]>;
  getEnrollment(enrollmentId: string): Promise<Enrollment | undefined>;
  listEnrollments(prospectId: string): Promise<Enrollment[]>;
  /** For enrollment: reads many enrollments (by id) and suppressions (by address) in few round trips. */
  getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
  ): Promise<{ enrollments: Map<string, Enrollment>; suppressions: Map<string, Suppression> }>;
  /**
   * Writes prospects (batched upserts), then creates the new enrollments, each with a
   * conditional put that fails when the enrollment already exists (two requests enrolling
   * the same prospect at once: only one wins), then the timeline entries of the created
   * ones. Returns the ids of the enrollments that already existed.
   */
  putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
  }): Promise<{ conflicts: Set<string> }>;
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
   * GDPR erasure: deletes every item of the prospect (profile, address index entries,
   * enrollments, touch claims, timeline). Suppressions are global and are NOT touched:
   * the caller replaces them by hashed `erased` entries. Idempotent.
   */
  deleteProspectData(prospectId: string): Promise<void>;
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

  // Exactly-once touches.
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

  // Consent ledger.
  getSuppression(address: string): Promise<Suppression | undefined>;
  putSuppression(suppression: Suppression): Promise<void>;
  deleteSuppression(address: string): Promise<void>;

  // Timeline and counters.
  appendTimeline(events: TimelineEvent[]): Promise<void>;
  listTimeline(prospectId: string): Promise<TimelineEvent[]>;
  addToCounters(delta: SequenceCounterDelta): Promise<void>;
  getCounters(sequenceId: string): Promise<Record<string, number>>;
}

export type { Channel };
