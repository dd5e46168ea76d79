/**
 * The storage form of an enrollment item's bulk: its touch records (`touches.<stepId>`)
 * with short attribute names, its thread with short names, and its times as epoch
 * milliseconds. Every claim, advance and delivery report writes the whole item and is
 * billed by its size, 1 KB a write unit: with names spelled out and ISO times, the example
 * sequence's item (five touches) was 1,174 bytes, so each of those writes cost 2 units.
 *
 * Items written by earlier versions keep long names (`status`, `providerMessageId`, …) and
 * ISO text: the reader takes either, and a record that has both (an old record whose status
 * a delivery report updated since) reads its short one, which is the newer. The conditions
 * on a record (`touchIs`) are in conditions.ts. Layout in keys.ts ("Claims and touches").
 */
import type { Enrollment, TouchRecord } from '../../domain/records.js';
import type { Path } from './conditions.js';
import type { Item } from './items.js';

/** The map of the enrollment item holding its touch records, keyed by step id. */
export const TOUCHES_ATTRIBUTE = 'touches';

export type StoredTouchField = Exclude<keyof TouchRecord, 'stepId'>;

/** The storage name of each touch-record field (the step id is the record's key in the map). */
export const TOUCH_FIELD_NAMES = {
  stepIndex: 'i',
  channel: 'c',
  status: 's',
  at: 'a',
  providerMessageId: 'm',
  messageIdHeader: 'h',
  subject: 'j',
  error: 'e',
  answeredBy: 'b',
  durationSeconds: 'd',
  outcome: 'o',
  taskId: 'k',
} as const satisfies Record<StoredTouchField, string>;

type TouchShortName = (typeof TOUCH_FIELD_NAMES)[StoredTouchField];

/** A touch record as written now: short names, its time a number when it was canonical UTC ISO text (`storedTime`). */
export type StoredTouch = {
  [F in StoredTouchField as (typeof TOUCH_FIELD_NAMES)[F]]?: F extends 'at' ? number | string : TouchRecord[F];
};

const TOUCH_FIELDS = Object.keys(TOUCH_FIELD_NAMES) as StoredTouchField[];

/** The path of the touch record of `stepId`. */
export function touchPath(stepId: string): Path {
  return [TOUCHES_ATTRIBUTE, stepId];
}

/** The path of one field of the touch record of `stepId`, in its storage name. */
export function touchFieldPath(stepId: string, field: StoredTouchField): Path {
  return [TOUCHES_ATTRIBUTE, stepId, TOUCH_FIELD_NAMES[field]];
}

export function storedTouch(touch: TouchRecord): StoredTouch {
  const stored: Partial<Record<TouchShortName, unknown>> = {};
  for (const field of TOUCH_FIELDS) {
    const value = touch[field];
    if (value !== undefined) stored[TOUCH_FIELD_NAMES[field]] = field === 'at' ? storedTime(value as string) : value;
  }
  return stored as StoredTouch;
}

/** A stored touch record (either layout) back as the domain's record. */
export function touchFromStored(stepId: string, stored: Item): TouchRecord {
  const touch: Record<string, unknown> = { stepId };
  for (const field of TOUCH_FIELDS) {
    // The short name first: on a record with both, it is the one a later write set.
    const value = stored[TOUCH_FIELD_NAMES[field]] ?? stored[field];
    if (value !== undefined) touch[field] = field === 'at' ? timeFromStored(value) : value;
  }
  return touch as unknown as TouchRecord;
}

// ----- The thread ------------------------------------------------------------------------

type Thread = NonNullable<Enrollment['thread']>;

/** The storage names of the thread's fields (the first email's Message-ID and subject). */
export const THREAD_FIELD_NAMES = { messageIdHeader: 'h', subject: 'j' } as const satisfies Record<keyof Thread, string>;

export type StoredThread = { [F in keyof Thread as (typeof THREAD_FIELD_NAMES)[F]]: Thread[F] };

export function storedThread(thread: Thread): StoredThread {
  return { h: thread.messageIdHeader, j: thread.subject };
}

export function threadFromStored(stored: Item): Thread {
  return {
    messageIdHeader: (stored[THREAD_FIELD_NAMES.messageIdHeader] ?? stored['messageIdHeader']) as string,
    subject: (stored[THREAD_FIELD_NAMES.subject] ?? stored['subject']) as string,
  };
}

// ----- Times -----------------------------------------------------------------------------

/**
 * The enrollment's own times stored as numbers (`storedTime`). Names unchanged: the
 * by-sequence index projects createdAt, updatedAt, nextTouchAt and endedAt by name.
 */
export const ENROLLMENT_TIME_FIELDS = ['createdAt', 'updatedAt', 'nextTouchAt', 'endedAt', 'resumeAt'] as const satisfies readonly (keyof Enrollment)[];

/**
 * Epoch milliseconds (8 bytes of item size against 24 for the text) when the text is
 * exactly what `toISOString` gives back for that instant, so the reader restores the same
 * string; anything else is kept as it came.
 */
export function storedTime(at: string): number | string {
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === at ? ms : at;
}

export function timeFromStored(value: unknown): unknown {
  return typeof value === 'number' ? new Date(value).toISOString() : value;
}

/** An enrollment item's (or index entry's) times back as ISO text, in place. */
export function restoreEnrollmentTimes(fields: Item): void {
  for (const field of ENROLLMENT_TIME_FIELDS) if (fields[field] !== undefined) fields[field] = timeFromStored(fields[field]);
}
