/**
 * Records ↔ items: what the adapter adds to a record when it stores it (keys, index keys,
 * `entity`), and strips again when it reads it back.
 */
import { addressHash } from '../../domain/address-hash.js';
import { enrollmentIdFor } from '../../domain/enrollment.js';
import {
  ENROLLMENT_SUMMARY_FIELDS,
  PROSPECT_SUMMARY_FIELDS,
  type Enrollment,
  type EnrollmentSummary,
  type Prospect,
  type ProspectSummary,
  type Task,
  type TimelineEvent,
  type TouchDay,
  type TouchRecord,
} from '../../domain/records.js';
import { CHANNELS, type Channel, type PublishedSequence } from '../../domain/sequence.js';
import type { InboxItem } from '../../domain/inbox.js';
import {
  enrollmentIndexKeys,
  enrollmentKeyOf,
  inboxIndexKeys,
  keys,
  prefix,
  profileIndexKeys,
  prospectIdOf,
  taskIndexKeys,
  touchDayAttribute,
  type Key,
} from './keys.js';
import {
  restoreEnrollmentFields,
  storedEnrollmentField,
  storedTouch,
  TOUCHES_ATTRIBUTE,
  touchFromStored,
  type StoredTouch,
} from './enrollment-storage.js';

export type Item = Record<string, unknown>;

/** Attributes the store adds to an item; stripped when an item is turned back into a record. */
export const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  'entity',
  'expiresAt',
  'emailKey',
  'phoneKey',
  'nameKey',
  'nameSort',
  'companyKey',
  'companySort',
  'seqKey',
  'seqSort',
  'listKey',
  'listSort',
  'inboxKey',
  'claim',
  // Left on enrollment items by versions before enrollment lanes; never written now.
  'writeToken',
];

export type Entity =
  | 'prospect'
  | 'enrollment'
  | 'timeline'
  | 'suppression'
  | 'reply'
  | 'consent'
  | 'idempotency'
  | 'sequence-version'
  | 'sequence-pointer'
  | 'task'
  | 'user'
  | 'webhook-delivery'
  | 'inbox'
  | 'import'
  | 'import-chunk'
  | 'phone-holders'
  | 'layout-marker';

/** Deep copy without `undefined` (DynamoDB has no such value). */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    // defineProperty: an attribute named `__proto__` is a key like any other (DynamoDB keeps it too).
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) Object.defineProperty(out, k, { value: clean(v), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}

export function toItem(key: Key, entity: Entity, record: object): Item {
  return { ...clean(record), ...key, entity };
}

export function fromItem<T>(item: Item): T {
  const record: Item = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete record[attribute];
  return record as T;
}

/**
 * A profile with its index keys (byEmail, byPhone, byName, byCompany: only those that
 * apply). Its attributes are one JSON string, not a DynamoDB map: their names are whatever
 * a CSV header says, and the SDK's marshaller cannot take every name (an attribute
 * `constructor` makes it throw, `__proto__` silently vanishes in both directions).
 */
export function profileItem(prospect: Prospect): Item {
  if (prospect.id.includes('.') || prospect.id.includes('#')) {
    throw new Error(`Prospect id must not contain '.' or '#': ${prospect.id}`);
  }
  const { attributes, touchDays, ...fields } = prospect;
  const days: Item = {};
  for (const channel of CHANNELS) {
    const day = touchDays?.[channel];
    if (day) days[touchDayAttribute(channel)] = clean(day);
  }
  return {
    ...toItem(keys.profile(prospect.id), 'prospect', fields),
    attributesJson: JSON.stringify(attributes ?? {}),
    ...days,
    ...profileIndexKeys(prospect),
  };
}

/** A profile read back; items written before attributes were JSON keep a map under `attributes`. */
export function prospectFromItem(item: Item): Prospect {
  const { attributesJson, ...fields } = fromItem<Prospect & { attributesJson?: unknown }>(item);
  const attributes: Record<string, string> =
    typeof attributesJson === 'string' ? (JSON.parse(attributesJson) as Record<string, string>) : (fields.attributes ?? {});
  const touchDays: Partial<Record<Channel, TouchDay>> = {};
  for (const channel of CHANNELS) {
    const attribute = touchDayAttribute(channel) as keyof typeof fields;
    const day = fields[attribute] as TouchDay | undefined;
    delete fields[attribute];
    if (day) touchDays[channel] = day;
  }
  return { ...fields, attributes, ...(Object.keys(touchDays).length > 0 ? { touchDays } : {}) };
}

/**
 * An enrollment with its bySequence keys. Its ids are its key (`P#<prospectId>`,
 * `E#<sequenceId>`), so the item does not repeat them, and its touch records are kept in
 * their storage form (enrollment-storage.ts): every write of the item is billed by its size.
 */
export function enrollmentItem(enrollment: Enrollment): Item {
  const { id: _id, prospectId: _prospectId, sequenceId: _sequenceId, touches, ...fields } = enrollment;
  const stored: Item = {};
  for (const [field, value] of Object.entries(fields) as [keyof Enrollment, never][]) {
    if (value !== undefined) stored[field] = storedEnrollmentField(field, value);
  }
  const storedTouches: Record<string, StoredTouch> = {};
  for (const [stepId, touch] of Object.entries(touches)) storedTouches[stepId] = storedTouch(touch);
  stored[TOUCHES_ATTRIBUTE] = storedTouches;
  return { ...toItem(enrollmentKeyOf(enrollment), 'enrollment', stored), ...enrollmentIndexKeys(enrollment) };
}

/** The ids of an enrollment item (or of its index entry, which carries the table's keys). */
export function enrollmentIdsOfItem(item: Item): Pick<Enrollment, 'id' | 'prospectId' | 'sequenceId'> {
  const prospectId = prospectIdOf(item['pk']);
  const sequenceId = String(item['sk']).slice(prefix.enrollment.length);
  return { id: enrollmentIdFor(prospectId, sequenceId), prospectId, sequenceId };
}

/** An enrollment read back: its ids from its key, each touch record's step id from its own key (older items kept copies). */
export function enrollmentFromItem(item: Item): Enrollment {
  const { [TOUCHES_ATTRIBUTE]: storedTouches, ...fields } = fromItem<Item>(item);
  restoreEnrollmentFields(fields);
  const touches: Record<string, TouchRecord> = {};
  for (const [stepId, touch] of Object.entries((storedTouches ?? {}) as Record<string, Item>)) touches[stepId] = touchFromStored(stepId, touch);
  return { ...enrollmentIdsOfItem(item), ...(fields as Omit<Enrollment, 'touches'>), touches };
}

/** A search result as the byName / byCompany / byEmail lookups give it. */
export function prospectSummaryFromItem(item: Item): ProspectSummary {
  return { id: prospectIdOf(item['pk']), ...pick(item, PROSPECT_SUMMARY_FIELDS) } as ProspectSummary;
}

/** An enrollment as bySequence projects it. */
export function enrollmentSummaryFromItem(item: Item): EnrollmentSummary {
  const fields = pick(item, ENROLLMENT_SUMMARY_FIELDS);
  restoreEnrollmentFields(fields);
  return { ...enrollmentIdsOfItem(item), ...(fields as Omit<EnrollmentSummary, 'id'>) };
}

function pick(item: Item, fields: readonly string[]): Item {
  const picked: Item = {};
  for (const field of fields) if (item[field] !== undefined) picked[field] = item[field];
  return picked;
}

/** An inbox item with both of its list keys. */
export function inboxItemOf(item: InboxItem): Item {
  const key = keys.inboxItem(item.id);
  if (!key) throw new Error(`Inbox item id must be "<prospectId>.<16 hex>": ${item.id}`);
  if (!item.id.startsWith(`${item.prospectId}.`)) throw new Error(`Inbox item ${item.id} is not of prospect ${item.prospectId}`);
  return { ...toItem(key, 'inbox', item), ...inboxIndexKeys(item) };
}

export function sequenceItem(key: Key, entity: Entity, sequence: PublishedSequence): Item {
  return {
    ...key,
    entity,
    sequenceId: sequence.id,
    version: sequence.version,
    hash: sequence.hash,
    publishedAt: sequence.publishedAt,
    body: JSON.stringify(sequence),
  };
}

export function sequenceFromItem(item: Item): PublishedSequence {
  return JSON.parse(String(item['body'])) as PublishedSequence;
}

/** The address hashes of a prospect's current email and phone. */
export function profileHashesByChannel(prospect: Pick<Prospect, 'email' | 'phone'>): { email?: string; phone?: string } {
  return {
    ...(prospect.email ? { email: addressHash(prospect.email) } : {}),
    ...(prospect.phone ? { phone: addressHash(prospect.phone) } : {}),
  };
}

/**
 * Free-form maps whose keys a user chose (a task's collected fields, a timeline event's
 * data) are one JSON string, like a profile's attributes: the marshaller cannot take every
 * name (`constructor`).
 */
function withJsonMap<T extends object>(record: T, field: keyof T & string): Item {
  const { [field]: map, ...rest } = record as Record<string, unknown>;
  return map === undefined ? rest : { ...rest, [`${field}Json`]: JSON.stringify(map) };
}

function fromJsonMap<T>(item: Item, field: string): T {
  const { [`${field}Json`]: json, ...rest } = fromItem<Record<string, unknown>>(item);
  return (typeof json === 'string' ? { ...rest, [field]: JSON.parse(json) } : rest) as T;
}

export function taskItem(task: Task): Item {
  return { ...toItem(keys.task({ ...task }), 'task', withJsonMap(task, 'fields')), ...taskIndexKeys(task) };
}

export function taskFromItem(item: Item): Task {
  return fromJsonMap<Task>(item, 'fields');
}

export function timelineItem(key: Key, event: TimelineEvent): Item {
  return toItem(key, 'timeline', withJsonMap(event, 'data'));
}

export function timelineFromItem(item: Item): TimelineEvent {
  return fromJsonMap<TimelineEvent>(item, 'data');
}
