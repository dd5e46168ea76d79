/**
 * Next-touch math: when may the next touch go out?
 *
 * 1. The wait is applied from `from`: minutes and hours are absolute durations;
 *    days keep the local wall-clock time across DST changes; business days do the
 *    same but skip Saturdays and Sundays.
 * 2. The result is pushed into the send window in the prospect's zone. SMS are
 *    further restricted to 08:00–21:00 local (quiet hours, TCPA-style), whatever
 *    the sequence window says; so are calls and voicemail drops (CALL_HOURS, the same
 *    hours, in domain/people-steps.ts). A task (a LinkedIn message) has no quiet hours.
 * 3. A prospect may have several candidate zones (a phone prefix used in more than one
 *    zone, see README "Time zones"). Then a touch goes out only at an instant that is
 *    inside the window in EVERY candidate zone, for email as for SMS: one rule for both
 *    channels, and the worker's "still in the window?" check below applies the same one.
 *    When the candidates share no hour at all (Tokyo and New York, 09–17), there is no
 *    safe instant; the window is then applied in a single zone: the sequence's default
 *    zone when it is a candidate (the sequence owner's market), else the first candidate.
 *
 * Pure: luxon only reads the process' time zone database, nothing else.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Channel, SendWindow, Wait, Weekday } from './sequence.js';
import { CALL_HOURS } from './people-steps.js';

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
  /**
   * The prospect's zone, or its candidate zones (see the file comment); missing or
   * unknown zones fall back to `defaultTimezone`.
   */
  timezone: ProspectZones;
  defaultTimezone: string;
}

/** One IANA zone, or several candidates of which the touch must respect all. */
export type ProspectZones = string | readonly string[] | undefined;

export interface NextTouch {
  at: Date;
  /** The zone the window was applied in (the prospect's first candidate, or the fallback). */
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

/** The zones a prospect's touches must respect: its candidates when it has several, else its zone. */
export function zonesOf(prospect: { timezone?: string; timezoneCandidates?: readonly string[] }): ProspectZones {
  return prospect.timezoneCandidates && prospect.timezoneCandidates.length > 0 ? prospect.timezoneCandidates : prospect.timezone;
}

/** The prospect's known candidate zones (deduplicated, in order), else the fallback alone. */
export function resolveTimezones(timezone: ProspectZones, defaultTimezone: string): string[] {
  const given = typeof timezone === 'string' ? [timezone] : (timezone ?? []);
  const known = [...new Set(given.map((zone) => knownZone(zone)).filter((zone): zone is string => zone !== undefined))];
  return known.length > 0 ? known : [resolveTimezone(undefined, defaultTimezone)];
}

/**
 * Zone checks build an Intl.DateTimeFormat, which costs far more than the date math
 * itself; enrolling 10,000 prospects would otherwise build 40,000 of them. Real zone
 * names are few (about 600), but rows can carry any text, so the answers live in a
 * small LRU and a string that cannot be a zone name is refused before Intl sees it
 * (an unbounded cache grew by every unique invalid zone in every request). luxon's own
 * zone caches only ever see names that passed this check.
 */
export const ZONE_CACHE_LIMIT = 500;
const zoneCache = new Map<string, string | undefined>();
/** IANA names: letters, digits, `/`, `_`, `-`, `+` (Etc/GMT+5), at most a few dozen characters. */
const ZONE_NAME_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The canonical spelling of a valid IANA zone, or undefined for an unknown one. */
export function knownZone(zone: string): string | undefined {
  if (!ZONE_NAME_SHAPE.test(zone)) return undefined;
  if (zoneCache.has(zone)) {
    const answer = zoneCache.get(zone);
    // Refresh: the Map's insertion order is the recency order.
    zoneCache.delete(zone);
    zoneCache.set(zone, answer);
    return answer;
  }
  const answer = IANAZone.isValidZone(zone) ? canonicalZone(zone) : undefined;
  zoneCache.set(zone, answer);
  if (zoneCache.size > ZONE_CACHE_LIMIT) zoneCache.delete(zoneCache.keys().next().value as string);
  return answer;
}

/** How many zone names are cached (bounded by ZONE_CACHE_LIMIT). */
export function zoneCacheSize(): number {
  return zoneCache.size;
}

/** Zone names are case-insensitive in Intl; store the canonical spelling. */
export function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

/** The local hours a channel is held to whatever the window says: SMS, calls and voicemail drops. */
export function quietHoursOf(channel: Channel): { start: string; end: string } | undefined {
  switch (channel) {
    case 'sms':
      return { start: SMS_QUIET_HOURS_START, end: SMS_QUIET_HOURS_END };
    case 'call':
    case 'voicemail':
      return CALL_HOURS;
    case 'email':
    case 'task':
      return undefined;
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
  const quiet = quietHoursOf(channel);
  if (quiet) {
    start = Math.max(start, parseClockTime(quiet.start) ?? 0);
    end = Math.min(end, parseClockTime(quiet.end) ?? 24 * 60);
  }
  const days = new Set(window.days.map((day) => WEEKDAYS.indexOf(day) + 1).filter((d) => d > 0));
  if (start >= end || days.size === 0) return undefined;
  return { days, start, end };
}

function minuteWindowOrThrow(window: SendWindow, channel: Channel): MinuteWindow {
  const minutes = toMinuteWindow(window, channel);
  if (!minutes) {
    throw new ScheduleError(
      `Send window ${window.days.join(',')} ${window.start}–${window.end} leaves no time for ${channel}${quietHoursOf(channel) ? ` (allowed ${quietHoursOf(channel)?.start}–${quietHoursOf(channel)?.end} local)` : ''}`,
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

/** How far ahead a common opening of several zones is looked for (a week always has one if any). */
const COMMON_OPENING_HORIZON_MS = 15 * 24 * 3_600_000;

/**
 * The first instant at or after `from` that is inside the window in every zone, or
 * undefined when there is none within the horizon. Each zone pushes the instant to its
 * own next opening until all of them agree; every push is a lower bound for the answer,
 * so the first instant they agree on is the earliest common one.
 */
function commonOpening(from: number, zones: readonly string[], window: MinuteWindow): number | undefined {
  const horizon = from + COMMON_OPENING_HORIZON_MS;
  let at = from;
  for (let round = 0; round < 100; round += 1) {
    let moved = false;
    for (const zone of zones) {
      const local = DateTime.fromMillis(at, { zone });
      if (isInside(local, window)) continue;
      at = pushIntoWindow(local, window).toMillis();
      moved = true;
      if (at > horizon) return undefined;
    }
    if (!moved) return at;
  }
  return undefined;
}

/** The zones the window is applied in from `at` on: all candidates, or one when they share no hour (file comment). */
function zonesToRespect(at: number, zones: readonly string[], window: MinuteWindow, defaultTimezone: string): readonly string[] {
  if (zones.length === 1) return zones;
  if (commonOpening(at, zones, window) !== undefined) return zones;
  const fallback = knownZone(defaultTimezone);
  return [fallback && zones.includes(fallback) ? fallback : (zones[0] as string)];
}

/** `at` when it is inside the window in every zone, else the next instant that is. */
function openingInZones(at: number, zones: readonly string[], window: MinuteWindow, defaultTimezone: string): { at: Date; timezone: string } {
  const respected = zonesToRespect(at, zones, window, defaultTimezone);
  const first = respected[0] as string;
  if (respected.length === 1) return { at: pushIntoWindow(DateTime.fromMillis(at, { zone: first }), window).toJSDate(), timezone: first };
  return { at: new Date(commonOpening(at, respected, window) as number), timezone: first };
}

/** When the next touch goes out: wait applied, then pushed into the (channel's) window in the prospect's zone(s). */
export function computeNextTouchAt(input: NextTouchInput): NextTouch {
  const zones = resolveTimezones(input.timezone, input.defaultTimezone);
  const window = minuteWindowOrThrow(input.window, input.channel);
  // Calendar waits keep the wall-clock time of the first candidate zone.
  const waited = applyWait(input.from, input.wait, zones[0] as string);
  return openingInZones(waited.toMillis(), zones, window, input.defaultTimezone);
}

/**
 * Whether `at` is inside the channel's window in the given zone(s) (unknown zones fall
 * back to `defaultTimezone`). Used by the worker for late deliveries; applies exactly
 * the rule computeNextTouchAt plans with.
 */
export function isWithinWindow(
  at: Date,
  window: SendWindow,
  channel: Channel,
  timezone: ProspectZones,
  defaultTimezone = 'UTC',
): boolean {
  const minutes = minuteWindowOrThrow(window, channel);
  const zones = zonesToRespect(at.getTime(), resolveTimezones(timezone, defaultTimezone), minutes, defaultTimezone);
  return zones.every((zone) => isInside(DateTime.fromJSDate(at, { zone }), minutes));
}

/** `at` itself when inside the window, else the window's next opening (same zone rules as isWithinWindow). */
export function nextWindowOpening(
  at: Date,
  window: SendWindow,
  channel: Channel,
  timezone: ProspectZones,
  defaultTimezone = 'UTC',
): Date {
  const zones = resolveTimezones(timezone, defaultTimezone);
  return openingInZones(at.getTime(), zones, minuteWindowOrThrow(window, channel), defaultTimezone).at;
}

/** The prospect's local day (`yyyy-mm-dd`) of an instant: in its first known zone, else the fallback. */
export function localDay(at: Date, timezone: ProspectZones, defaultTimezone: string): string {
  const zone = resolveTimezones(timezone, defaultTimezone)[0] as string;
  return DateTime.fromJSDate(at, { zone }).toISODate() as string;
}

/** The window's first opening on a later local day than `at` (a day's touches are used up). */
export function nextDayOpening(at: Date, window: SendWindow, channel: Channel, timezone: ProspectZones, defaultTimezone: string): Date {
  const zone = resolveTimezones(timezone, defaultTimezone)[0] as string;
  const tomorrow = DateTime.fromJSDate(at, { zone }).startOf('day').plus({ days: 1 }).toJSDate();
  return nextWindowOpening(tomorrow, window, channel, timezone, defaultTimezone);
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
