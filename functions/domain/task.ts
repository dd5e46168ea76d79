/**
 * Tasks for reps: their ids, when they are due, and whether the prospect may be called
 * right now. Pure. The touch worker creates them (use-cases/assign-task.ts), reps list
 * them (`GET /tasks`) and log outcomes (use-cases/complete-task.ts).
 */
import { DateTime } from 'luxon';
import { canReach, type SuppressionLookup } from './enrollment.js';
import { CALL_HOURS } from './people-steps.js';
import type { Prospect, Task } from './records.js';
import { applyWait, isWithinWindow, nextWindowOpening, resolveTimezones, type ProspectZones } from './schedule.js';
import type { SendWindow, Wait } from './sequence.js';

const ALL_WEEK: SendWindow['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * `<enrollmentId>.<run>.<stepId>`: one task per enrollment run and step, so a redelivered
 * touch message finds the task it already created (a conditional put refuses a second).
 * Prospect, sequence and step ids contain no `.`, so the id splits back unambiguously.
 */
export function taskIdFor(enrollmentId: string, run: number, stepId: string): string {
  return `${enrollmentId}.${run}.${stepId}`;
}

export interface TaskIdParts {
  prospectId: string;
  sequenceId: string;
  enrollmentId: string;
  run: number;
  stepId: string;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;
const PROSPECT_ID = /^p_[A-Za-z0-9_-]{1,64}$/;

export function parseTaskId(taskId: string): TaskIdParts | undefined {
  const parts = taskId.split('.');
  if (parts.length !== 4) return undefined;
  const [prospectId, sequenceId, runText, stepId] = parts as [string, string, string, string];
  if (!PROSPECT_ID.test(prospectId) || !SLUG.test(sequenceId) || !SLUG.test(stepId) || !/^[1-9]\d{0,6}$/.test(runText)) return undefined;
  return { prospectId, sequenceId, enrollmentId: `${prospectId}.${sequenceId}`, run: Number(runText), stepId };
}

export interface TaskDueInput {
  /** When the touch worker reached the step (inside the step's window: it checked). */
  now: Date;
  window: SendWindow;
  channel: 'call' | 'task';
  zones: ProspectZones;
  defaultTimezone: string;
  dueWithin?: Wait;
}

/**
 * When a task is due and, with `dueWithin`, when its step is skipped. Due: now, pushed into
 * the step's window (calls: also 08:00–21:00) in the prospect's zone(s). The deadline counts
 * `dueWithin` from the due time in the prospect's zone, as a wait does (business days skip
 * Saturdays and Sundays, days keep the local time across DST).
 */
export function planTaskDue(input: TaskDueInput): { dueAt: Date; deadlineAt?: Date } {
  const dueAt = nextWindowOpening(input.now, input.window, input.channel, input.zones, input.defaultTimezone);
  if (!input.dueWithin) return { dueAt };
  const zone = resolveTimezones(input.zones, input.defaultTimezone)[0] as string;
  const deadline = applyWait(dueAt, input.dueWithin, zone).toJSDate();
  return { dueAt, deadlineAt: deadline > dueAt ? deadline : new Date(dueAt.getTime() + 60_000) };
}

export type CallAvailability = { callable: true } | { callable: false; reason: string };

/**
 * Whether a rep may call the prospect now: a phone, no `call` suppression for it, and
 * 08:00–21:00 in every one of the prospect's candidate zones (the same quiet-hours rule
 * as SMS, from domain/schedule.ts).
 */
export function callAvailability(input: {
  prospect: Pick<Prospect, 'phone' | 'email' | 'timezone' | 'timezoneCandidates'>;
  isSuppressed: SuppressionLookup;
  now: Date;
  defaultTimezone: string;
}): CallAvailability {
  const { prospect } = input;
  if (!prospect.phone) return { callable: false, reason: 'the prospect has no phone number' };
  if (!canReach(prospect, 'call', input.isSuppressed)) return { callable: false, reason: 'the number asked not to be called (suppressed for calls)' };
  const zones = prospect.timezoneCandidates && prospect.timezoneCandidates.length > 0 ? prospect.timezoneCandidates : prospect.timezone;
  const hours: SendWindow = { days: ALL_WEEK, start: CALL_HOURS.start, end: CALL_HOURS.end };
  if (!isWithinWindow(input.now, hours, 'call', zones, input.defaultTimezone)) {
    const opens = nextWindowOpening(input.now, hours, 'call', zones, input.defaultTimezone);
    return {
      callable: false,
      reason: `outside ${CALL_HOURS.start}–${CALL_HOURS.end} in the prospect's time zone; calls open at ${opens.toISOString()}`,
    };
  }
  return { callable: true };
}

/** A time as the prospect reads it: ISO 8601 with the offset of their (first known) zone. */
export function localIso(at: string | Date, zones: ProspectZones, defaultTimezone: string): { local: string; timezone: string } {
  const timezone = resolveTimezones(zones, defaultTimezone)[0] as string;
  const instant = typeof at === 'string' ? DateTime.fromISO(at, { zone: timezone }) : DateTime.fromJSDate(at, { zone: timezone });
  return { local: instant.toISO({ suppressMilliseconds: true }) ?? String(at), timezone };
}

/** The bounds of "today" in a zone, as UTC instants: `[start, end)`. */
export function dayBounds(now: Date, timezone: string): { start: string; end: string; day: string } {
  const local = DateTime.fromJSDate(now, { zone: timezone }).startOf('day');
  return {
    start: local.toJSDate().toISOString(),
    end: local.plus({ days: 1 }).toJSDate().toISOString(),
    day: local.toISODate() as string,
  };
}

/** Whether a task is due by `before` and still open. */
export function isOpenAndDue(task: Pick<Task, 'status' | 'dueAt'>, before: string): boolean {
  return task.status === 'open' && task.dueAt < before;
}
