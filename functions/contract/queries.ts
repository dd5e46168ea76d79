/**
 * The console's queries (README "Queries"): prospect search, a sequence's enrollments, the
 * inbox, stats, versions and previews. Query-string schemas coerce what API Gateway hands
 * over (strings); a bad value is a 400 naming the parameter (`field`).
 */
import * as z from '../zod.js';
import { ENROLLMENT_STATUSES, INBOX_KINDS, type EnrollmentStatus } from '../domain/records.js';
import { CHANNELS, type Channel } from '../domain/sequence.js';
import { cursorParam, instant, limitParam, localTime, pageOf } from './common.js';

export const enrollmentStatus = z.enum(ENROLLMENT_STATUSES as readonly EnrollmentStatus[] as [EnrollmentStatus, ...EnrollmentStatus[]], {
  error: `status must be one of ${ENROLLMENT_STATUSES.join(', ')}`,
});
export const channel = z.enum(CHANNELS as readonly Channel[] as [Channel, ...Channel[]]);

export { INBOX_KINDS, type InboxKind } from '../domain/records.js';
export const inboxKind = z.enum(INBOX_KINDS, { error: `kind must be one of ${INBOX_KINDS.join(', ')}` });

// ----- GET /prospects ------------------------------------------------------------------

export const prospectsQuery = z.object({
  q: z.optional(z.string().check(z.trim(), z.maxLength(200, { error: 'q must be at most 200 characters' }))),
  status: z.optional(enrollmentStatus),
  sequence: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,47}$/, { error: 'sequence must be a sequence id' }))),
  limit: limitParam,
  cursor: cursorParam,
});
export type ProspectsQuery = z.infer<typeof prospectsQuery>;

export const prospectSummary = z.object({
  id: z.string(),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  company: z.optional(z.string()),
  timezone: z.optional(z.string()),
  updatedAt: instant,
  enrollments: z.optional(z.array(z.object({ sequenceId: z.string(), status: enrollmentStatus }))),
});
export type ProspectSummaryItem = z.infer<typeof prospectSummary>;
export const prospectsPage = pageOf(prospectSummary);
export type ProspectsPage = z.infer<typeof prospectsPage>;

// ----- GET /sequences/{id}/enrollments (+ .csv) -----------------------------------------

export const enrollmentsQuery = z.object({
  status: z.optional(enrollmentStatus),
  /** A step id of the sequence, or its index (0 = first step). */
  step: z.optional(z.string().check(z.minLength(1), z.maxLength(48))),
  limit: limitParam,
  cursor: cursorParam,
});
export type EnrollmentsQuery = z.infer<typeof enrollmentsQuery>;

export const enrollmentSummary = z.object({
  id: z.string(),
  prospectId: z.string(),
  prospect: z.optional(
    z.object({
      firstName: z.optional(z.string()),
      lastName: z.optional(z.string()),
      company: z.optional(z.string()),
      email: z.optional(z.string()),
      phone: z.optional(z.string()),
    }),
  ),
  status: enrollmentStatus,
  stepIndex: z.number(),
  stepId: z.optional(z.string()),
  version: z.number(),
  run: z.number(),
  nextTouchAt: z.optional(instant),
  nextTouchLocal: z.optional(localTime),
  timezone: z.optional(z.string()),
  updatedAt: instant,
  endedAt: z.optional(instant),
  endReason: z.optional(z.string()),
});
export type EnrollmentSummaryItem = z.infer<typeof enrollmentSummary>;
export const enrollmentsPage = pageOf(enrollmentSummary);
export type EnrollmentsPage = z.infer<typeof enrollmentsPage>;

/** The columns of `GET /sequences/{id}/enrollments.csv`, in order. */
export const ENROLLMENT_CSV_COLUMNS = [
  'id',
  'prospectId',
  'firstName',
  'lastName',
  'company',
  'email',
  'phone',
  'status',
  'stepIndex',
  'stepId',
  'version',
  'run',
  'nextTouchAt',
  'nextTouchLocal',
  'timezone',
  'updatedAt',
  'endedAt',
  'endReason',
] as const;

// ----- GET /inbox (+ .csv), POST /inbox/{id}/handled ------------------------------------

export const inboxQuery = z.object({
  kind: z.optional(inboxKind),
  /** Only items at or after this instant (ISO 8601 with a zone). */
  since: z.optional(z.iso.datetime({ offset: true, error: 'since must be an ISO 8601 time with a zone, e.g. 2026-11-23T00:00:00Z' })),
  limit: limitParam,
  cursor: cursorParam,
});
export type InboxQuery = z.infer<typeof inboxQuery>;

export const inboxItem = z.object({
  id: z.string(),
  kind: inboxKind,
  at: instant,
  atLocal: z.optional(localTime),
  timezone: z.optional(z.string()),
  prospectId: z.string(),
  enrollmentId: z.optional(z.string()),
  sequenceId: z.optional(z.string()),
  stepId: z.optional(z.string()),
  channel,
  text: z.optional(z.string()),
  subject: z.optional(z.string()),
  handled: z.boolean(),
  handledBy: z.optional(z.string()),
  handledAt: z.optional(instant),
});
export type InboxItemView = z.infer<typeof inboxItem>;
export const inboxPage = pageOf(inboxItem);
export type InboxPage = z.infer<typeof inboxPage>;

export const setHandledRequest = z.strictObject({ handled: z.boolean({ error: 'handled must be true or false' }) });
export type SetHandledRequest = z.infer<typeof setHandledRequest>;
export const setHandledResponse = z.object({ item: inboxItem });

export const INBOX_CSV_COLUMNS = [
  'id',
  'kind',
  'at',
  'atLocal',
  'prospectId',
  'enrollmentId',
  'sequenceId',
  'stepId',
  'channel',
  'subject',
  'text',
  'handled',
  'handledBy',
  'handledAt',
] as const;

// ----- GET /sequences/{id}/stats -------------------------------------------------------

const count = z.number();
export const stepStats = z.object({
  stepId: z.string(),
  channel,
  sent: count,
  delivered: count,
  failed: count,
  skipped: count,
  /** Same as `replied` (kept for clients of the first API). */
  replies: count,
  replied: count,
  optedOut: count,
  opened: count,
  clicked: count,
  bounced: count,
  complained: count,
  /** replied ÷ sent; null when nothing was sent. */
  replyRate: z.nullable(z.number()),
  /** Conversions credited to this step (the last one that reached the prospect before it). */
  converted: count,
  /** Call and task steps: tasks made (re-opened ones included) and outcomes logged. */
  tasks: count,
  done: count,
});
export const dailyStats = z.object({
  day: z.string(),
  sent: count,
  delivered: count,
  opened: count,
  clicked: count,
  replied: count,
  optedOut: count,
  bounced: count,
  failed: count,
});
export type DailyStats = z.infer<typeof dailyStats>;
export const funnel = z.object({
  enrolled: count,
  touched: count,
  replied: count,
  optedOut: count,
  bounced: count,
  completed: count,
  converted: count,
});
export type Funnel = z.infer<typeof funnel>;
export const sequenceStats = z.object({
  sequenceId: z.string(),
  version: z.number(),
  enrolled: count,
  enrollments: z.record(z.string(), count),
  steps: z.array(stepStats),
  /** The last 90 UTC days, oldest first, every day present. */
  daily: z.array(dailyStats),
  funnel,
  replyRate: z.nullable(z.number()),
});
export type SequenceStatsView = z.infer<typeof sequenceStats>;

// ----- Versions and preview -----------------------------------------------------------

export const versionSummary = z.object({
  version: z.number(),
  publishedAt: instant,
  hash: z.string(),
  /** Enrollments started on this version (runs), when counted. */
  enrollments: z.optional(count),
});
export const versionsList = z.object({ items: z.array(versionSummary) });
export type VersionsList = z.infer<typeof versionsList>;

export const previewRequest = z.strictObject({
  stepId: z.string({ error: 'stepId is required' }).check(z.minLength(1), z.maxLength(48)),
  prospectId: z.optional(z.string().check(z.regex(/^p_[A-Za-z0-9_-]{1,64}$/, { error: 'prospectId must be a prospect id' }))),
  prospect: z.optional(
    z.strictObject({
      email: z.optional(z.string().check(z.maxLength(254))),
      phone: z.optional(z.string().check(z.maxLength(32))),
      firstName: z.optional(z.string().check(z.maxLength(100))),
      lastName: z.optional(z.string().check(z.maxLength(100))),
      company: z.optional(z.string().check(z.maxLength(200))),
      timezone: z.optional(z.string().check(z.maxLength(64))),
      attributes: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});
export type PreviewRequest = z.infer<typeof previewRequest>;

export const previewResponse = z.object({
  channel,
  subject: z.optional(z.string()),
  html: z.optional(z.string()),
  text: z.string(),
  segments: z.optional(z.object({ count: z.number(), encoding: z.enum(['GSM-7', 'UCS-2']) })),
  /** Whose data was used: the sample prospect, a stored one, or the one given. */
  prospect: z.enum(['sample', 'stored', 'given']),
});
export type PreviewResponse = z.infer<typeof previewResponse>;

/** `GET /sequences/{id}/versions/{version}`: the version as published (definition and templates, for export to files). */
export const publishedVersion = z.object({
  sequence: z.object({
    id: z.string(),
    version: z.number(),
    hash: z.string(),
    publishedAt: instant,
    definition: z.record(z.string(), z.unknown()),
    templates: z.record(z.string(), z.record(z.string(), z.unknown())),
    warnings: z.array(z.string()),
  }),
});
export type PublishedVersionView = z.infer<typeof publishedVersion>;

// ----- GET /prospects/{id} -------------------------------------------------------------

export const timelineEntry = z.object({
  prospectId: z.string(),
  at: instant,
  atLocal: z.optional(localTime),
  type: z.string(),
  sequenceId: z.optional(z.string()),
  enrollmentId: z.optional(z.string()),
  stepId: z.optional(z.string()),
  detail: z.optional(z.string()),
  /** `user:<email>` or `apiKey`: who did it through the API. */
  actor: z.optional(z.string()),
  /** Structured detail: a task's outcome, note and collected fields; an outside event's data; a call's status. */
  data: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});
export const prospectView = z.object({
  prospect: z.object({
    id: z.string(),
    email: z.optional(z.string()),
    phone: z.optional(z.string()),
    firstName: z.optional(z.string()),
    lastName: z.optional(z.string()),
    company: z.optional(z.string()),
    timezone: z.optional(z.string()),
    timezoneSource: z.optional(z.enum(['given', 'phone', 'default'])),
    attributes: z.record(z.string(), z.string()),
    createdAt: instant,
    updatedAt: instant,
  }),
  enrollments: z.array(
    z.object({
      id: z.string(),
      sequenceId: z.string(),
      status: enrollmentStatus,
      stepIndex: z.number(),
      version: z.number(),
      run: z.number(),
      nextTouchAt: z.optional(instant),
      nextTouchLocal: z.optional(localTime),
      endedAt: z.optional(instant),
      endReason: z.optional(z.string()),
    }),
  ),
  timeline: z.array(timelineEntry),
  timezone: z.optional(z.string()),
});
export type ProspectView = z.infer<typeof prospectView>;
