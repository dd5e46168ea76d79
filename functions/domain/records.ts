/** The records Followup keeps: prospects, enrollments, touches, suppressions, timeline, tasks. */
import type { ConsentChannel, Outcome } from './people-steps.js';
import type { Actor } from './roles.js';
import type { Channel } from './sequence.js';

export type TimezoneSource = 'given' | 'phone' | 'default';

export interface Prospect {
  id: string;
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  /** ISO 3166-1 alpha-2 region the row gave (national phone numbers are read in it). */
  country?: string;
  /**
   * IANA zone: as given, or inferred from the phone number. Unset when neither is known,
   * so the default zone of whichever sequence schedules a touch applies.
   */
  timezone?: string;
  /** Where `timezone` came from; `default` means no zone is known (see README "Time zones"). */
  timezoneSource?: TimezoneSource;
  /** Every zone the phone number's prefix is used in, when more than one: touches respect all of them. */
  timezoneCandidates?: string[];
  /** Attribute names are any text (even `constructor` or `__proto__`): read them with Object.hasOwn. */
  attributes: Record<string, string>;
  /**
   * Every sequence this prospect was ever enrolled in (kept by imports), so an import
   * reads the person's other enrollments by key (README "Enrollment rules").
   */
  sequenceIds?: string[];
  /**
   * Set by an import that left the person with more than one running enrollment: their
   * touches then claim the channel's local day (at most N per person per channel per day).
   */
  concurrentEnrollments?: boolean;
  /**
   * Per channel, the prospect-local day the last touches went out on and which enrollments
   * sent them (written by the touch worker, only while `concurrentEnrollments`).
   */
  touchDays?: Partial<Record<Channel, TouchDay>>;
  createdAt: string;
  updatedAt: string;
}

/** The touches of one local day on one channel: the claims of `ClaimStore.claimTouchDay`. */
export interface TouchDay {
  /** `yyyy-mm-dd` in the prospect's zone. */
  day: string;
  enrollmentIds: string[];
}

export type EnrollmentStatus =
  | 'active'
  | 'paused'
  | 'completed'
  | 'replied'
  | 'opted_out'
  | 'bounced'
  | 'stopped'
  | 'failed'
  /** An outside event the sequence exits on (`exitOn`), or a call's `meeting_booked`: the goal was reached. */
  | 'converted';

export const ENROLLMENT_STATUSES: readonly EnrollmentStatus[] = [
  'active',
  'paused',
  'completed',
  'replied',
  'opted_out',
  'bounced',
  'stopped',
  'failed',
  'converted',
];

/** Statuses from which nothing is ever sent again for this run. */
export const ENDED_STATUSES: readonly EnrollmentStatus[] = [
  'completed',
  'replied',
  'opted_out',
  'bounced',
  'stopped',
  'failed',
  'converted',
];

/** `done`: a person did the step (a call or a task, with an outcome). */
export type TouchStatus = 'sent' | 'delivered' | 'undelivered' | 'failed' | 'skipped' | 'done';

/**
 * What answered a call, as Twilio's answering machine detection says (`AnsweredBy`):
 * with `DetectMessageEnd`, `machine_end_*` once the greeting ended.
 */
export const ANSWERED_BY = ['human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'] as const;
export type AnsweredBy = (typeof ANSWERED_BY)[number];

/** What one executed step produced. Stored on the enrollment, keyed by step id. */
export interface TouchRecord {
  stepId: string;
  stepIndex: number;
  channel: Channel;
  status: TouchStatus;
  at: string;
  providerMessageId?: string;
  /** Email only: the Message-ID header the provider gave it, for threading and reply matching. */
  messageIdHeader?: string;
  /** Email only: the subject as sent (a later step may need it to continue the thread). */
  subject?: string;
  error?: string;
  /** Voicemail drops: who answered (Twilio's answering machine detection). */
  answeredBy?: AnsweredBy;
  /** Voicemail drops: how long the call lasted, from the final status callback. */
  durationSeconds?: number;
  /** Call and task steps: the outcome the rep logged, and the task it was logged on. */
  outcome?: Outcome;
  taskId?: string;
}

export interface Enrollment {
  /** `${prospectId}.${sequenceId}`: one enrollment item per prospect and sequence, re-used by later runs. */
  id: string;
  prospectId: string;
  sequenceId: string;
  version: number;
  run: number;
  status: EnrollmentStatus;
  /** Index of the next step to execute (equal to steps.length once completed). */
  stepIndex: number;
  nextTouchAt?: string;
  pendingScheduleName?: string;
  /** Email threading: the first email's Message-ID and subject. */
  thread?: { messageIdHeader: string; subject: string };
  touches: Record<string, TouchRecord>;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  endReason?: string;
  /** Paused by an auto-reply or a call back: when to resume. */
  resumeAt?: string;
  /**
   * At a call or task step: the enrollment waits (status stays `active`) for the outcome of
   * this task. `touchDueAt` is the due time of the touch message that created it (so its
   * redelivery is recognised); `deadlineAt` is when the step is skipped (`dueWithin`), also
   * `nextTouchAt` while it waits.
   */
  awaitingTask?: { taskId: string; attempt: number; touchDueAt: string; deadlineAt?: string };
  /**
   * The last task outcome carried out on this enrollment, written by the same conditional
   * write: a request that died after it is finished by the next submission of that outcome.
   */
  lastTaskOutcome?: { taskId: string; attempt: number; outcome: Outcome; at: string };
  /**
   * The prospect's company email domain, kept only when the sequence says
   * `stopOnReplyFrom: account` (free-mail domains never): colleagues are found by it.
   */
  accountDomain?: string;
  /**
   * The import (an import job, or an enrollment request) that started this run, and the
   * row it came from: a chunk of that import run again finds its own rows enrolled and
   * answers them as it did the first time (use-cases/enroll-chunk.ts).
   */
  importId?: string;
  importRow?: number;
  /**
   * This run's `enrolled` timeline event rides on the item (one item less per enrolled
   * row): who enrolled it; its time, version, run and import are the enrollment's own
   * (domain/enrollment-history.ts tells it). Absent on enrollments written before: their
   * `enrolled` event is a timeline item.
   */
  enrolledEvent?: { actor?: TimelineEvent['actor'] };
  /** The run in which the person replied while the enrollment kept going (`stopOnReply: false`): counted once in the funnel. */
  repliedRun?: number;
}

/** A claim on one touch: whoever holds it is the only one allowed to send it. */
export interface TouchClaim {
  enrollmentId: string;
  prospectId: string;
  sequenceId: string;
  run: number;
  stepIndex: number;
  /** Until then the claim is held; after it, a retry may take it over (its worker died). */
  leaseUntil: string;
}

export type SuppressionReason = 'unsubscribe' | 'sms_stop' | 'bounce' | 'complaint' | 'manual' | 'erased';

export interface Suppression {
  /** Normalised address (lower-case email or E.164 phone). Absent once erased: only the hash remains. */
  address?: string;
  addressHash: string;
  /** The ledger channel it blocks (domain/people-steps.ts BLOCKING_CONSENT says which steps that keeps out). */
  channel: ConsentChannel;
  reason: SuppressionReason;
  source: string;
  createdAt: string;
}

/**
 * A human reply, in the consent ledger under the address that replied (its hash only).
 * It blocks imports (README "Enrollment rules"), never the touches of running sequences.
 */
export interface ReplyRecord {
  addressHash: string;
  /** The channel the reply came by. */
  channel: Channel;
  at: string;
  sequenceId: string;
  prospectId: string;
  enrollmentId?: string;
}

/** The ledger channels (domain/people-steps.ts); a consent is given for one (`POST /prospects/{id}/consent`). */
export type { ConsentChannel };

/** An explicit, audited consent that lifted the ledger's entries of one address. */
export interface ConsentRecord {
  addressHash: string;
  channel: ConsentChannel;
  /** Where the consent comes from, as the user typed it ("re-subscribed by phone, ticket 123"). */
  source: string;
  actor: Actor;
  at: string;
  /** What it lifted: `reply`, or the suppression's reason. */
  lifted: string[];
}

export type TimelineEventType =
  | 'enrolled'
  | 'profile_updated'
  | 'step_skipped'
  | 'sent'
  | 'send_failed'
  | 'delivered'
  | 'undelivered'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'auto_replied'
  | 'opted_out'
  | 'opted_in'
  | 'bounced'
  | 'complained'
  | 'paused'
  | 'resumed'
  | 'stopped'
  | 'completed'
  | 'failed'
  | 'converted'
  /** A call or task step made a task for a rep (or re-opened it after a call back). */
  | 'task_created'
  /** A rep logged the outcome of a task: `data` holds the outcome, the note and the collected fields. */
  | 'task_completed'
  /** A task's step was skipped (`dueWithin` elapsed, or the enrollment ended first). */
  | 'task_skipped'
  /** A call's progress (click to call, a voicemail drop): status and duration. */
  | 'call'
  /** An outside event (`POST /prospects/{id}/events`). */
  | 'event';

export interface TimelineEvent {
  prospectId: string;
  at: string;
  type: TimelineEventType;
  sequenceId?: string;
  enrollmentId?: string;
  stepId?: string;
  /**
   * Short detail: reason codes; a reply's text for `replied`; the changed values for
   * `profile_updated` (the timeline is where personal data may be shown; logs never).
   */
  detail?: string;
  /** Who did it, when a person or a machine did it through the API: `user:<email>` or `apiKey`. */
  actor?: Actor;
  /** Structured detail the team reads (a task's outcome, note and fields; an outside event's data). */
  data?: Record<string, string | number | boolean>;
  /** Entries written by an import: which one (the import id, or the enrollment request's id). */
  importId?: string;
  /** `profile_updated`: the fields that changed, old → new. */
  changes?: ProfileChange[];
}

export type TaskKind = Extract<Channel, 'call' | 'voicemail' | 'task'>;
export type TaskStatus = 'open' | 'done' | 'skipped';
export const TASK_STATUSES: readonly TaskStatus[] = ['open', 'done', 'skipped'];

/**
 * Work for a rep: one per enrollment run and call/task step (`taskIdFor` in domain/task.ts).
 * A call back re-opens the same task (a new `attempt`), so one step has one task.
 */
export interface Task {
  id: string;
  kind: TaskKind;
  status: TaskStatus;
  prospectId: string;
  enrollmentId: string;
  sequenceId: string;
  version: number;
  run: number;
  stepIndex: number;
  stepId: string;
  /** Lower-case email of the user who should do it. */
  assignee: string;
  /** When it is due (inside the prospect's send window), ISO 8601 UTC. */
  dueAt: string;
  /** When the step is skipped if nobody did it (`dueWithin`). */
  deadlineAt?: string;
  /** 1, then +1 each time a call back re-opens it. */
  attempt: number;
  createdAt: string;
  updatedAt: string;
  outcome?: Outcome;
  note?: string;
  /** The collected fields as entered (also merged into the prospect's attributes). */
  fields?: Record<string, string>;
  callBackAt?: string;
  completedAt?: string;
  /** `user:<email>` or `apiKey`. */
  completedBy?: string;
  /** Why it was skipped (deadline passed, enrollment ended). */
  skippedReason?: string;
  /** The last click-to-call of this task. */
  lastCall?: { callSid: string; at: string; status: string; durationSeconds?: number };
}

/** One changed profile field (`attributes.<name>` for an attribute); `from`/`to` absent = no value. */
export interface ProfileChange {
  field: string;
  from?: string;
  to?: string;
}

/** What the inbox lists (domain/inbox.ts): a person's reply, opt-out, bounce or auto-reply. */
export const INBOX_KINDS = ['reply', 'opt_out', 'bounce', 'auto_reply'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** The fields a list of prospects shows (search results); the by-name and by-company indexes carry them. */
export const PROSPECT_SUMMARY_FIELDS = ['firstName', 'lastName', 'company', 'email', 'phone', 'timezone', 'updatedAt'] as const;
export type ProspectSummary = Pick<Prospect, 'id' | (typeof PROSPECT_SUMMARY_FIELDS)[number]>;

/** The fields a list of enrollments shows; the by-sequence index carries them. */
export const ENROLLMENT_SUMMARY_FIELDS = [
  'prospectId',
  'sequenceId',
  'status',
  'stepIndex',
  'nextTouchAt',
  'version',
  'run',
  'createdAt',
  'updatedAt',
  'endedAt',
  'endReason',
] as const;
export type EnrollmentSummary = Pick<Enrollment, 'id' | (typeof ENROLLMENT_SUMMARY_FIELDS)[number]>;
