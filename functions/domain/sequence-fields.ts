/**
 * Parsers for the human-friendly fields of sequence.yaml. Each returns the parsed
 * value or, on failure, a message that says what was wrong and what would work.
 */
import { IANAZone } from 'luxon';
import { DEFAULT_WINDOW, parseClockTime } from './schedule.js';
import type { SendWindow, Wait, WaitUnit, Weekday } from './sequence.js';

export function isValidZone(value: string): boolean {
  return IANAZone.isValidZone(value);
}

const UNIT_ALIASES: Record<string, { unit: WaitUnit; factor: number }> = {};
const alias = (names: string[], unit: WaitUnit, factor = 1) => {
  for (const name of names) UNIT_ALIASES[name] = { unit, factor };
};
alias(['m', 'min', 'mins', 'minute', 'minutes'], 'minutes');
alias(['h', 'hr', 'hrs', 'hour', 'hours'], 'hours');
alias(['d', 'day', 'days'], 'days');
alias(['w', 'week', 'weeks'], 'days', 7);
alias(
  ['bd', 'bds', 'business day', 'business days', 'businessday', 'businessdays', 'working day', 'working days', 'weekday', 'weekdays'],
  'businessDays',
);

// About a year: a longer wait is almost certainly a typo (e.g. minutes meant as days).
const MAX_AMOUNT: Record<WaitUnit, number> = { minutes: 525_600, hours: 8_760, days: 366, businessDays: 261 };
const WAIT_HINT = 'use e.g. "0", "30 minutes", "4 hours", "2 days" or "3 business days"';

function durationFrom(amount: number, unitName: string, shown: string): Wait | string {
  const unit = UNIT_ALIASES[unitName.toLowerCase().replace(/[\s_-]+/g, ' ').trim()] ??
    UNIT_ALIASES[unitName.toLowerCase().replace(/[\s_-]+/g, '')];
  if (!unit) return `${shown} is not a valid wait — unknown unit "${unitName}"; ${WAIT_HINT}`;
  if (!Number.isInteger(amount) || amount < 0) {
    return `${shown} is not a valid wait — use a whole number that is 0 or more (e.g. "90 minutes" instead of "1.5 hours")`;
  }
  return { amount: amount * unit.factor, unit: unit.unit };
}

/**
 * The duration grammar of `wait:` — "0", "immediately", "30 minutes", "90m", "4 hours",
 * "2h", "2 days", "3d", "1 week", "3 business days", "2bd", or {amount, unit} — without an
 * upper bound: callers set their own (parseWait: about a year; `POST /dev/clock`: 400 days).
 */
export function parseDuration(value: unknown): Wait | string {
  const shown = JSON.stringify(value) ?? String(value);
  if (value === 0 || value === '0') return { amount: 0, unit: 'minutes' };
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['immediately', 'now', 'none', '0'].includes(text)) return { amount: 0, unit: 'minutes' };
    const match = /^(\d+(?:\.\d+)?)\s*([a-z][a-z _-]*)$/.exec(text);
    if (!match) return `${shown} is not a valid wait — ${WAIT_HINT}`;
    return durationFrom(Number(match[1]), match[2] ?? '', shown);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { amount, unit, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) return `unknown field "${extra[0]}" in wait — use {amount, unit}`;
    if (typeof amount !== 'number' || typeof unit !== 'string') {
      return `wait must be {amount: <number>, unit: minutes|hours|days|businessDays} — got ${shown}`;
    }
    return durationFrom(amount, unit, shown);
  }
  if (typeof value === 'number') return `${shown} is not a valid wait — add a unit, e.g. "${value} days"`;
  return `${value === undefined ? 'is required' : `${shown} is not a valid wait`} — ${WAIT_HINT}`;
}

const UNIT_WORDS: Record<WaitUnit, [string, string]> = {
  minutes: ['minute', 'minutes'],
  hours: ['hour', 'hours'],
  days: ['day', 'days'],
  businessDays: ['business day', 'business days'],
};

/** A wait as a person says it: "2 business days", "1 hour". */
export function describeWait(wait: Wait | undefined): string {
  if (!wait) return 'its time';
  const [one, many] = UNIT_WORDS[wait.unit];
  return `${wait.amount} ${wait.amount === 1 ? one : many}`;
}

/** A step's wait: `parseDuration`, limited to about a year. */
export function parseWait(value: unknown): Wait | string {
  const wait = parseDuration(value);
  if (typeof wait === 'string') return wait;
  if (wait.amount > MAX_AMOUNT[wait.unit]) return `${JSON.stringify(value) ?? String(value)} is too long — waits are limited to about a year`;
  return wait;
}

const DAY_NAMES: Record<string, Weekday> = {};
const WEEKDAY_LIST: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FULL_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
WEEKDAY_LIST.forEach((day, i) => {
  DAY_NAMES[day] = day;
  DAY_NAMES[FULL_NAMES[i] ?? day] = day;
});
Object.assign(DAY_NAMES, { tues: 'tue', thur: 'thu', thurs: 'thu' });

const DAY_SETS: Record<string, Weekday[]> = {
  weekdays: WEEKDAY_LIST.slice(0, 5),
  weekends: WEEKDAY_LIST.slice(5),
  everyday: WEEKDAY_LIST,
  'every day': WEEKDAY_LIST,
  daily: WEEKDAY_LIST,
  all: WEEKDAY_LIST,
};

function parseDays(value: unknown): Weekday[] | string {
  const hint = 'use a list like [mon, tue, wed, thu, fri], or "weekdays" / "every day"';
  const items = typeof value === 'string' ? (DAY_SETS[value.trim().toLowerCase()] ?? value.split(',')) : value;
  if (!Array.isArray(items) || items.length === 0) return `days: ${JSON.stringify(value)} is not valid — ${hint}`;
  const days = new Set<Weekday>();
  for (const item of items) {
    const day = typeof item === 'string' ? DAY_NAMES[item.trim().toLowerCase()] : undefined;
    if (!day) return `days: ${JSON.stringify(item)} is not a day — ${hint}`;
    days.add(day);
  }
  return WEEKDAY_LIST.filter((d) => days.has(d));
}

function parseTime(field: 'start' | 'end', value: unknown, fallback: string): string | { error: string } {
  if (value === undefined) return fallback;
  const minutes = typeof value === 'string' ? parseClockTime(value) : undefined;
  if (minutes === undefined || (field === 'start' && minutes >= 24 * 60)) {
    return { error: `${field}: ${JSON.stringify(value)} is not a time — use "HH:mm", e.g. "09:00"` };
  }
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** {days, start, end}; missing parts take the default (weekdays 09:00–17:00). */
export function parseWindow(value: unknown): SendWindow | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return `must be a mapping like {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}`;
  }
  const { days, start, end, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `unknown field "${extra[0]}" — a window has days, start and end`;
  const parsedDays = days === undefined ? DEFAULT_WINDOW.days : parseDays(days);
  if (typeof parsedDays === 'string') return parsedDays;
  const parsedStart = parseTime('start', start, DEFAULT_WINDOW.start);
  if (typeof parsedStart !== 'string') return parsedStart.error;
  const parsedEnd = parseTime('end', end, DEFAULT_WINDOW.end);
  if (typeof parsedEnd !== 'string') return parsedEnd.error;
  if ((parseClockTime(parsedStart) ?? 0) >= (parseClockTime(parsedEnd) ?? 0)) {
    return `start ${parsedStart} must be before end ${parsedEnd} (windows cannot cross midnight)`;
  }
  return { days: parsedDays, start: parsedStart, end: parsedEnd };
}

/** Declared attribute names: usable as `attributes.<name>` in a template. */
export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const ATTRIBUTE_NAME_HINT = 'use letters, digits and _ (it is used as attributes.<name> in templates)';

/** attributes: {name: sample value}; samples are what validation renders with. */
export function parseAttributeSamples(value: unknown): Record<string, string> | string {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return 'must be a mapping of attribute names to sample values, e.g. {industry: logistics}';
  }
  const out: Record<string, string> = {};
  for (const [name, sample] of Object.entries(value as Record<string, unknown>)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      return `"${name}" is not a valid attribute name — ${ATTRIBUTE_NAME_HINT.replace('<name>', name)}`;
    }
    if (!['string', 'number', 'boolean'].includes(typeof sample) || String(sample).trim() === '') {
      return `${name}: give a sample value (text), e.g. ${name}: logistics`;
    }
    out[name] = String(sample);
  }
  return out;
}
