/**
 * The rep's work (contract "The rep's work"): tasks of call and task steps, their
 * outcomes, click to call. zod/mini, free of Node-only imports, shared by the handlers,
 * the console and the CLI.
 */
import * as z from '../zod.js';
import { OUTCOMES } from '../domain/people-steps.js';
import { TASK_STATUSES } from '../domain/records.js';
import { cursorParam, instant, limitParam, localTime, pageOf } from './common.js';
import { prospectSummary } from './queries.js';

export const DUE_FILTERS = ['today', 'overdue', 'all'] as const;

/** `GET /tasks?assignee=me|<email>|all&due=today|overdue|all&limit=&cursor=` */
export const listTasksQuery = z.object({
  assignee: z._default(
    z.union([z.literal('me'), z.literal('all'), z.email({ error: 'assignee must be me, all or an email' })], { error: 'assignee must be me, all or an email' }),
    'me',
  ),
  /** `today`: due by the end of the user's day (overdue ones included); `overdue`: due before now. */
  due: z._default(z.enum(DUE_FILTERS, { error: `due must be one of ${DUE_FILTERS.join(', ')}` }), 'today'),
  limit: limitParam,
  cursor: cursorParam,
});
export type ListTasksQuery = z.infer<typeof listTasksQuery>;

/** Who a task is about: the search result's fields without its list-only ones. */
export const taskProspect = z.omit(prospectSummary, { updatedAt: true, enrollments: true });

/** One task as `GET /tasks` lists it. */
export const task = z.object({
  id: z.string(),
  kind: z.enum(['call', 'voicemail', 'task']),
  status: z.enum(TASK_STATUSES),
  prospectId: z.string(),
  prospect: taskProspect,
  enrollmentId: z.string(),
  sequenceId: z.string(),
  stepId: z.string(),
  purpose: z.string(),
  /** The step's script, rendered for this prospect. */
  script: z.string(),
  dueAt: instant,
  dueLocal: localTime,
  timezone: z.string(),
  /** The prospect's local time now. */
  prospectNowLocal: localTime,
  assignee: z.string(),
  attempt: z.number(),
  deadlineAt: z.optional(instant),
  callable: z.boolean(),
  notCallableReason: z.optional(z.string()),
  collect: z.array(z.string()),
  lastTouches: z.array(z.object({ at: instant, channel: z.string(), stepId: z.string() })),
  lastReplies: z.array(z.object({ at: instant, channel: z.string(), text: z.string() })),
});
export type TaskItem = z.infer<typeof task>;

export const taskPage = pageOf(task);
export type TaskPage = z.infer<typeof taskPage>;

/** `POST /tasks/{id}/outcome` */
export const outcomeRequest = z.strictObject({
  outcome: z.enum(OUTCOMES, { error: `outcome must be one of ${OUTCOMES.join(', ')}` }),
  note: z.optional(z.string().check(z.maxLength(2_000, { error: 'note: at most 2,000 characters' }))),
  /** The step's `collect` fields: stored as prospect attributes. */
  fields: z.optional(z.record(z.string(), z.string({ error: 'fields: every value must be text' }))),
  /** `call_back`: when (ISO 8601 with an offset or Z); the task comes back then. */
  callBackAt: z.optional(z.iso.datetime({ offset: true, error: 'callBackAt must be an ISO 8601 time, e.g. 2026-12-01T15:00:00Z' })),
});
export type OutcomeRequest = z.infer<typeof outcomeRequest>;

/** The task as stored after an outcome (its history fields included). */
export const storedTask = z.object({
  id: z.string(),
  kind: z.enum(['call', 'voicemail', 'task']),
  status: z.enum(TASK_STATUSES),
  prospectId: z.string(),
  enrollmentId: z.string(),
  sequenceId: z.string(),
  stepId: z.string(),
  assignee: z.string(),
  dueAt: instant,
  attempt: z.number(),
  outcome: z.optional(z.enum(OUTCOMES)),
  note: z.optional(z.string()),
  fields: z.optional(z.record(z.string(), z.string())),
  callBackAt: z.optional(instant),
  completedAt: z.optional(instant),
  completedBy: z.optional(z.string()),
  skippedReason: z.optional(z.string()),
});

export const outcomeResponse = z.object({
  task: storedTask,
  /** The enrollment after the outcome (status, step, next touch). */
  enrollment: z.object({ id: z.string(), status: z.string(), stepIndex: z.number(), nextTouchAt: z.optional(instant) }),
  changed: z.boolean(),
});
export type OutcomeResponse = z.infer<typeof outcomeResponse>;

/** `POST /tasks/{id}/call` */
export const callResponse = z.object({ callSid: z.string() });
export type CallResponse = z.infer<typeof callResponse>;
