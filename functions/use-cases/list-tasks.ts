/**
 * A rep's list (`GET /tasks`): open tasks by due time, each with what the rep needs to make
 * the call well: the prospect, their local time, the step's purpose and rendered script,
 * whether calling is allowed right now (and why not), the fields to collect, the last
 * touches and replies.
 *
 * Requests per page: ONE Query of the task index, ONE BatchGetItem of the tasks'
 * enrollments and profiles, then per task (in parallel, at most 10 at a time) the phone's
 * `call` ledger entry (GetItem) and the newest timeline entries (one Query page). A task
 * whose enrollment no longer waits for it (the enrollment ended, or a crash between two
 * writes left it behind) is left out.
 */
import type { Page } from '../domain/page.js';
import type { Enrollment, Prospect, Task, TimelineEvent } from '../domain/records.js';
import { zonesOf } from '../domain/schedule.js';
import { callAvailability, dayBounds, localIso } from '../domain/task.js';
import { isScriptTemplate, RenderError, renderScript, templateVarsFor } from '../domain/templates.js';
import { suppressionCheck } from '../domain/touch-decision.js';
import { mapWithConcurrency } from '../async/concurrency.js';
import { loadSequenceVersion, type UseCaseContext } from './context.js';

export type DueFilter = 'today' | 'overdue' | 'all';

export interface ListTasksInput {
  /** A user's email; everyone's tasks when unset. */
  assignee?: string;
  due: DueFilter;
  /** The zone of "today" (the user's). */
  timezone: string;
  limit: number;
  cursor?: string;
}

export interface TaskView {
  id: string;
  kind: Task['kind'];
  status: Task['status'];
  prospectId: string;
  prospect: { id: string; email?: string; phone?: string; firstName?: string; lastName?: string; company?: string; timezone?: string };
  enrollmentId: string;
  sequenceId: string;
  stepId: string;
  purpose: string;
  script: string;
  dueAt: string;
  dueLocal: string;
  timezone: string;
  /** The prospect's time right now, for the rep about to call. */
  prospectNowLocal: string;
  assignee: string;
  attempt: number;
  deadlineAt?: string;
  callable: boolean;
  notCallableReason?: string;
  collect: string[];
  lastTouches: { at: string; channel: string; stepId: string }[];
  lastReplies: { at: string; channel: string; text: string }[];
}

const RECENT_TIMELINE = 30;
const LAST_TOUCHES = 5;
const LAST_REPLIES = 3;

/** The `dueBefore` bound of a filter: the end of the user's day for `today` (overdue ones included), now for `overdue`. */
export function dueBeforeFor(due: DueFilter, now: Date, timezone: string): string | undefined {
  switch (due) {
    case 'today':
      return dayBounds(now, timezone).end;
    case 'overdue':
      return now.toISOString();
    case 'all':
      return undefined;
  }
}

export async function listTasks(ctx: UseCaseContext, input: ListTasksInput): Promise<Page<TaskView>> {
  const now = ctx.clock.now();
  const dueBefore = dueBeforeFor(input.due, now, input.timezone);
  const page = await ctx.store.listTasks({
    ...(input.assignee ? { assignee: input.assignee.toLowerCase() } : {}),
    status: 'open',
    ...(dueBefore ? { dueBefore } : {}),
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  if (page.items.length === 0) return page.nextCursor ? { items: [], nextCursor: page.nextCursor } : { items: [] };
  const { enrollments, prospects } = await ctx.store.getEnrollmentsAndSuppressions(
    [...new Set(page.items.map((task) => task.enrollmentId))],
    [],
    [...new Set(page.items.map((task) => task.prospectId))],
  );
  const current = page.items.filter((task) => stillAwaited(task, enrollments.get(task.enrollmentId)) && prospects.has(task.prospectId));
  const items = await mapWithConcurrency(current, 10, (task) =>
    viewOf(ctx, task, enrollments.get(task.enrollmentId) as Enrollment, prospects.get(task.prospectId) as Prospect, now),
  );
  return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

function stillAwaited(task: Task, enrollment: Enrollment | undefined): boolean {
  const waiting = enrollment?.awaitingTask;
  return enrollment?.status === 'active' && waiting?.taskId === task.id && waiting.attempt === task.attempt;
}

/** One task as the rep sees it (also the answer of an outcome: `viewOf` of the task after it). */
export async function viewOf(ctx: UseCaseContext, task: Task, enrollment: Enrollment | undefined, prospect: Prospect, now: Date): Promise<TaskView> {
  const [sequence, callSuppression, recent] = await Promise.all([
    loadSequenceVersion(ctx, task.sequenceId, task.version),
    prospect.phone ? ctx.store.getSuppression(prospect.phone, 'call') : undefined,
    ctx.store.listTimeline(prospect.id, { newest: RECENT_TIMELINE }),
  ]);
  const step = sequence?.definition.steps[task.stepIndex];
  const defaultTimezone = sequence?.definition.defaultTimezone ?? ctx.settings.defaultTimezone ?? 'UTC';
  const zones = zonesOf(prospect);
  const due = localIso(task.dueAt, zones, defaultTimezone);
  const availability = callAvailability({ prospect, isSuppressed: suppressionCheck(callSuppression ? [callSuppression] : []), now, defaultTimezone });
  return {
    id: task.id,
    kind: task.kind,
    status: task.status,
    prospectId: prospect.id,
    prospect: summaryOf(prospect),
    enrollmentId: task.enrollmentId,
    sequenceId: task.sequenceId,
    stepId: task.stepId,
    purpose: step?.purpose ?? '',
    script: sequence && step ? scriptOf(sequence.templates[step.id], prospect, sequence.definition.sender, due.timezone) : '',
    dueAt: task.dueAt,
    dueLocal: due.local,
    timezone: due.timezone,
    prospectNowLocal: localIso(now, zones, defaultTimezone).local,
    assignee: task.assignee,
    attempt: task.attempt,
    ...(task.deadlineAt ? { deadlineAt: task.deadlineAt } : {}),
    callable: availability.callable,
    ...(availability.callable ? {} : { notCallableReason: availability.reason }),
    collect: step?.collect ?? [],
    lastTouches: lastTouchesOf(enrollment),
    lastReplies: lastRepliesOf(recent),
  };
}

function scriptOf(
  template: Parameters<typeof isScriptTemplate>[0] | undefined,
  prospect: Prospect,
  sender: Parameters<typeof templateVarsFor>[0]['sender'],
  timezone: string,
): string {
  if (!template || !isScriptTemplate(template)) return '';
  try {
    return renderScript(template, templateVarsFor({ prospect, sender, timezone }));
  } catch (error) {
    // A value the prospect lacks at run time: say so instead of failing the whole list.
    return error instanceof RenderError ? `(the script could not be rendered: ${error.message})` : '(the script could not be rendered)';
  }
}

function summaryOf(prospect: Prospect): TaskView['prospect'] {
  const { id, email, phone, firstName, lastName, company, timezone } = prospect;
  return { id, ...compact({ email, phone, firstName, lastName, company, timezone }) };
}

function compact<T extends Record<string, string | undefined>>(values: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<Record<keyof T, string>>;
}

function lastTouchesOf(enrollment: Enrollment | undefined): TaskView['lastTouches'] {
  return Object.values(enrollment?.touches ?? {})
    .filter((touch) => touch.status !== 'skipped' && touch.status !== 'failed')
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, LAST_TOUCHES)
    .map((touch) => ({ at: touch.at, channel: touch.channel, stepId: touch.stepId }));
}

/** Replies as the timeline has them: `detail` is "SMS: <text>" or "email: <text>". */
function lastRepliesOf(events: TimelineEvent[]): TaskView['lastReplies'] {
  return events
    .filter((event) => event.type === 'replied' && event.detail)
    .slice(0, LAST_REPLIES)
    .map((event) => {
      const match = /^(SMS|email|call): ?(.*)$/s.exec(event.detail ?? '');
      return { at: event.at, channel: match ? (match[1] === 'SMS' ? 'sms' : (match[1] as string)) : 'email', text: match ? (match[2] as string) : (event.detail as string) };
    });
}

