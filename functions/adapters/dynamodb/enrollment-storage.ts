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

// ----- The enrollment's own fields ------------------------------------------------------

type Thread = NonNullable<Enrollment['thread']>;

/** The storage names of the thread's fields (the first email's Message-ID and subject). */
export const THREAD_FIELD_NAMES = { messageIdHeader: 'h', subject: 'j' } as const satisfies Record<keyof Thread, string>;

/** How the item keeps a field it does not store as it is. */
interface StoredForm {
  /** `never`: each form takes its own field's type. */
  write(value: never): unknown;
  read(stored: unknown): unknown;
}

const time: StoredForm = { write: (at: string) => storedTime(at), read: timeFromStored };

/** A map whose `fields` are times (the rest as they are). */
const withTimes = (...fields: string[]): StoredForm => ({
  write: (value: Record<string, unknown>) => mapFields(value, fields, (at) => storedTime(at as string)),
  read: (stored) => mapFields(stored as Record<string, unknown>, fields, timeFromStored),
});

/**
 * The Enrollment fields the item stores in another form. Names stay: the by-sequence index
 * projects createdAt, updatedAt, nextTouchAt and endedAt by name, and a condition names
 * `awaitingTask.taskId`; the touches are above.
 */
const ENROLLMENT_FORMS = {
  createdAt: time,
  updatedAt: time,
  nextTouchAt: time,
  endedAt: time,
  resumeAt: time,
  thread: {
    write: (thread: Thread) => ({ [THREAD_FIELD_NAMES.messageIdHeader]: thread.messageIdHeader, [THREAD_FIELD_NAMES.subject]: thread.subject }),
    read: (stored) => {
      const thread = stored as Item;
      return {
        messageIdHeader: thread[THREAD_FIELD_NAMES.messageIdHeader] ?? thread['messageIdHeader'],
        subject: thread[THREAD_FIELD_NAMES.subject] ?? thread['subject'],
      };
    },
  },
  awaitingTask: withTimes('touchDueAt', 'deadlineAt'),
  lastTaskOutcome: withTimes('at'),
} satisfies Partial<Record<keyof Enrollment, StoredForm>>;

type StoredFormField = keyof typeof ENROLLMENT_FORMS;

/** An Enrollment field's value as the item stores it (a field without a form of its own as it is). */
export function storedEnrollmentField<F extends keyof Enrollment>(field: F, value: NonNullable<Enrollment[F]>): unknown {
  const form = (ENROLLMENT_FORMS as Partial<Record<keyof Enrollment, StoredForm>>)[field];
  return form ? form.write(value as never) : value;
}

/** An enrollment item's (or index entry's) fields back in the Enrollment's form, in place. */
export function restoreEnrollmentFields(fields: Item): void {
  for (const field of Object.keys(ENROLLMENT_FORMS) as StoredFormField[]) {
    if (fields[field] !== undefined) fields[field] = ENROLLMENT_FORMS[field].read(fields[field]);
  }
}

// ----- Times -----------------------------------------------------------------------------

/**
 * Epoch milliseconds (8 bytes of item size against 24 for the text) when the text is
 * exactly what `toISOString` gives back for that instant, so the reader restores the same
 * string; anything else is kept as it came.
 */
function storedTime(at: string): number | string {
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === at ? ms : at;
}

function timeFromStored(value: unknown): unknown {
  return typeof value === 'number' ? new Date(value).toISOString() : value;
}

function mapFields(value: Record<string, unknown>, fields: readonly string[], map: (v: unknown) => unknown): Record<string, unknown> {
  const out = { ...value };
  for (const field of fields) if (out[field] !== undefined) out[field] = map(out[field]);
  return out;
}
