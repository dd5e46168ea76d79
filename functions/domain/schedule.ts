/**
 * Next-touch math: when may the next touch go out?
 *
 * 1. The wait is applied from `from`: minutes and hours are absolute durations;
 *    days keep the local wall-clock time across DST changes; business days do the
 *    same but skip Saturdays and Sundays.
 * 2. The result is pushed into the send window in the prospect's zone. SMS are
 *    further restricted to 08:00–21:00 local (quiet hours, TCPA-style), whatever
 *    the sequence window says.
 *
 * Pure: luxon only reads the process' time zone database, nothing else.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Channel, SendWindow, Wait, Weekday } from './sequence.js';

/** SMS may only go out within these local hours (minutes since midnight, end exclusive). */
export const SMS_QUIET_HOURS_START = '08:00';
export const SMS_QUIET_HOURS_END = '21:00';

export const DEFAULT_WINDOW: SendWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '17:00',
};

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface NextTouchInput {
  from: Date;
  wait: Wait;
  window: SendWindow;
  channel: Channel;
  /** The prospect's zone; missing or unknown falls back to `defaultTimezone`. */
  timezone: string | undefined;
  defaultTimezone: string;
}

export interface NextTouch {
  at: Date;
  /** The zone the window was applied in (the prospect's, or the fallback). */
  timezone: string;
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

/** "HH:mm" (or "24:00" as an end) → minutes since midnight; undefined when malformed. */
export function parseClockTime(value: string): number | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23) return undefined;
  return hours * 60 + minutes;
}

function formatClockTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** The prospect's zone when the runtime knows it, else the fallback (else UTC, never throws). */
export function resolveTimezone(timezone: string | undefined, defaultTimezone: string): string {
  return (timezone && knownZone(timezone)) || knownZone(defaultTimezone) || 'UTC';
}

/**
 * Zone checks build an Intl.DateTimeFormat, which costs far more than the date math
 * itself; enrolling 10,000 prospects would otherwise build 40,000 of them. Zone names
 * are few, so the answers are kept for the life of the process.
 */
const zoneCache = new Map<string, string | undefined>();
/** The canonical spelling of a valid IANA zone, or undefined for an unknown one. */
export function knownZone(zone: string): string | undefined {
  if (!zoneCache.has(zone)) zoneCache.set(zone, IANAZone.isValidZone(zone) ? canonicalZone(zone) : undefined);
  return zoneCache.get(zone);
}

/** Zone names are case-insensitive in Intl; store the canonical spelling. */
export function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

interface MinuteWindow {
  days: ReadonlySet<number>;
  start: number;
  end: number;
}

/**
 * The window a channel actually uses: for SMS the intersection with quiet hours.
 * Returns undefined when the intersection is empty (compileSequence rejects that).
 */
export function effectiveWindow(window: SendWindow, channel: Channel): SendWindow | undefined {
  const minutes = toMinuteWindow(window, channel);
  if (!minutes) return undefined;
  return { days: window.days, start: formatClockTime(minutes.start), end: formatClockTime(minutes.end) };
}

function toMinuteWindow(window: SendWindow, channel: Channel): MinuteWindow | undefined {
  let start = parseClockTime(window.start);
  let end = parseClockTime(window.end);
  if (start === undefined || end === undefined) {
    throw new ScheduleError(`Invalid send window ${window.start}–${window.end}: times must be "HH:mm"`);
  }
  if (channel === 'sms') {
    start = Math.max(start, parseClockTime(SMS_QUIET_HOURS_START) ?? 0);
    end = Math.min(end, parseClockTime(SMS_QUIET_HOURS_END) ?? 24 * 60);
  }
  const days = new Set(window.days.map((day) => WEEKDAYS.indexOf(day) + 1).filter((d) => d > 0));
  if (start >= end || days.size === 0) return undefined;
  return { days, start, end };
}

function minuteWindowOrThrow(window: SendWindow, channel: Channel): MinuteWindow {
  const minutes = toMinuteWindow(window, channel);
  if (!minutes) {
    throw new ScheduleError(
      `Send window ${window.days.join(',')} ${window.start}–${window.end} leaves no time to send ${channel === 'sms' ? 'SMS (allowed 08:00–21:00 local)' : 'email'}`,
    );
  }
  return minutes;
}

function isInside(local: DateTime, window: MinuteWindow): boolean {
  const minute = local.hour * 60 + local.minute;
  return window.days.has(local.weekday) && minute >= window.start && minute < window.end;
}

/** Applies the wait in `zone`; see the file comment for the unit semantics. */
export function applyWait(from: Date, wait: Wait, zone: string): DateTime {
  const start = DateTime.fromJSDate(from, { zone });
  switch (wait.unit) {
    case 'minutes':
      return start.plus({ milliseconds: wait.amount * 60_000 });
    case 'hours':
      return start.plus({ milliseconds: wait.amount * 3_600_000 });
    case 'days':
      // Calendar days: luxon keeps the wall-clock time and moves forward out of a DST gap.
      return start.plus({ days: wait.amount });
    case 'businessDays': {
      let day = start;
      let remaining = wait.amount;
      while (remaining > 0) {
        day = day.plus({ days: 1 });
        if (day.weekday <= 5) remaining -= 1;
      }
      return day;
    }
  }
}

/** `local` if it is inside the window, else the first instant the window opens after it. */
function pushIntoWindow(local: DateTime, window: MinuteWindow): DateTime {
  if (isInside(local, window)) return local;
  // Eight days always reaches an allowed day; the extra ones absorb days whose
  // opening falls entirely into a DST gap.
  for (let offset = 0; offset < 10; offset += 1) {
    const day = local.startOf('day').plus({ days: offset });
    if (!window.days.has(day.weekday)) continue;
    // In a DST gap luxon moves a non-existent opening forward by the gap (02:30 → 03:30).
    const opening = day.set({ hour: Math.floor(window.start / 60), minute: window.start % 60, second: 0, millisecond: 0 });
    if (opening <= local) continue;
    if (isInside(opening, window)) return opening;
  }
  throw new ScheduleError('No send window opening found within ten days');
}

/** When the next touch goes out: wait applied, then pushed into the (channel's) window in the prospect's zone. */
export function computeNextTouchAt(input: NextTouchInput): NextTouch {
  const zone = resolveTimezone(input.timezone, input.defaultTimezone);
  const window = minuteWindowOrThrow(input.window, input.channel);
  const waited = applyWait(input.from, input.wait, zone);
  return { at: pushIntoWindow(waited, window).toJSDate(), timezone: zone };
}

/**
 * Whether `at` is inside the channel's window in the given zone (an unknown zone
 * falls back to `defaultTimezone`). Used by the worker for late deliveries.
 */
export function isWithinWindow(
  at: Date,
  window: SendWindow,
  channel: Channel,
  timezone: string | undefined,
  defaultTimezone = 'UTC',
): boolean {
  const zone = resolveTimezone(timezone, defaultTimezone);
  return isInside(DateTime.fromJSDate(at, { zone }), minuteWindowOrThrow(window, channel));
}

/** `at` itself when inside the window, else the window's next opening (same zone rules as isWithinWindow). */
export function nextWindowOpening(
  at: Date,
  window: SendWindow,
  channel: Channel,
  timezone: string | undefined,
  defaultTimezone = 'UTC',
): Date {
  const zone = resolveTimezone(timezone, defaultTimezone);
  return pushIntoWindow(DateTime.fromJSDate(at, { zone }), minuteWindowOrThrow(window, channel)).toJSDate();
}

/**
 * `computeNextTouchAt` remembering its answers: a list enrolled at one instant has a few
 * distinct (zone, step) pairs, so 10,000 prospects need a handful of date computations.
 * Use one per request, not per process: the answers depend on `from`.
 */
export function memoizedNextTouchAt(): typeof computeNextTouchAt {
  const answers = new Map<string, NextTouch>();
  return (input) => {
    const key = JSON.stringify([input.from.getTime(), input.wait, input.window, input.channel, input.timezone, input.defaultTimezone]);
    let answer = answers.get(key);
    if (!answer) {
      answer = computeNextTouchAt(input);
      answers.set(key, answer);
    }
    return answer;
  };
}
