/**
 * A row merged into the stored profile: an import updates the fields it gives and keeps
 * the rest (README "Merging profiles"). Pure.
 *
 * - A field the row gives replaces the stored one; a field the row leaves out or blank
 *   keeps the stored value. Attributes merge key by key the same way.
 * - Clearing is explicit: JSON `null` for a field or an attribute (`"attributes": null`
 *   clears them all), or a cell that says exactly `(clear)` (prospect-input.ts reads both
 *   into `ProfileClears`).
 * - The zone: a zone the row GIVES wins; otherwise a stored given zone is kept (an
 *   inferred or default zone never replaces it); otherwise the zone inferred from the
 *   row's phone replaces the stored inferred one.
 * - Every change is returned as `field: old → new`, for the prospect's timeline
 *   (`profile_updated`). Nothing here logs: the values are personal data.
 */
import type { ProfileChange, Prospect, TimezoneSource } from './records.js';

export type { ProfileChange };

/** What a row asks to clear (fields are the ones a row may clear; see prospect-input.ts). */
export interface ProfileClears {
  fields: ClearableField[];
  attributes: string[];
  /** `"attributes": null`: every stored attribute goes. */
  allAttributes: boolean;
}

export const CLEARABLE_FIELDS = ['phone', 'firstName', 'lastName', 'company', 'timezone', 'country'] as const;
export type ClearableField = (typeof CLEARABLE_FIELDS)[number];

export const NO_CLEARS: ProfileClears = { fields: [], attributes: [], allAttributes: false };

export interface MergedProspect {
  prospect: Prospect;
  /** Empty for a new profile (its creation is the `enrolled` event) and for a row that changed nothing. */
  changes: ProfileChange[];
}

const MERGED_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'company', 'country'] as const;
const ZONE_FIELDS = ['timezone', 'timezoneSource', 'timezoneCandidates'] as const;

/** Most attributes a profile keeps; a merge that would exceed it keeps the stored ones first. */
export const MAX_MERGED_ATTRIBUTES = 50;

/**
 * `incoming` is the row's prospect (its `createdAt`/`updatedAt` are the import's instant);
 * `stored` the profile read in the same batch, if any.
 */
export function mergeProspect(stored: Prospect | undefined, incoming: Prospect, clears: ProfileClears = NO_CLEARS): MergedProspect {
  // A new profile has nothing to clear, and its creation is the `enrolled` event.
  if (!stored) return { prospect: incoming, changes: [] };

  const merged: Prospect = { ...stored, attributes: mergeAttributes(stored.attributes, incoming.attributes, clears) };
  for (const field of MERGED_FIELDS) {
    if (incoming[field] !== undefined) merged[field] = incoming[field];
    else if ((clears.fields as readonly string[]).includes(field)) delete merged[field];
  }
  for (const field of ZONE_FIELDS) delete merged[field];
  Object.assign(merged, zoneFields(zoneSourceOf(stored, incoming, clears) === 'incoming' ? incoming : stored));

  const changes = diffProfiles(stored, merged);
  merged.updatedAt = changes.length > 0 ? incoming.updatedAt : stored.updatedAt;
  merged.createdAt = stored.createdAt;
  return { prospect: merged, changes };
}

/** Where a stored profile's zone came from; profiles stored before sources were kept had only given zones. */
export function storedZoneSource(prospect: Pick<Prospect, 'timezone' | 'timezoneSource'>): TimezoneSource {
  return prospect.timezoneSource ?? (prospect.timezone ? 'given' : 'default');
}

function zoneSourceOf(stored: Prospect, incoming: Prospect, clears: ProfileClears): 'stored' | 'incoming' {
  if (incoming.timezoneSource === 'given' || clears.fields.includes('timezone')) return 'incoming';
  if (storedZoneSource(stored) === 'given') return 'stored';
  // Inferred from the row's phone: the current number decides. Without a phone in the row
  // the stored number (and its zone) stays.
  return incoming.phone !== undefined ? 'incoming' : 'stored';
}

function zoneFields(from: Prospect): Partial<Prospect> {
  const fields: Partial<Prospect> = {};
  if (from.timezone !== undefined) fields.timezone = from.timezone;
  if (from.timezoneCandidates !== undefined) fields.timezoneCandidates = [...from.timezoneCandidates];
  fields.timezoneSource = storedZoneSource(from);
  return fields;
}

function mergeAttributes(stored: Record<string, string>, incoming: Record<string, string>, clears: ProfileClears): Record<string, string> {
  // Null prototype and defineProperty: any name (`constructor`, `__proto__`) is a key like another.
  const merged: Record<string, string> = Object.create(null);
  const put = (name: string, value: string) =>
    Object.defineProperty(merged, name, { value, enumerable: true, writable: true, configurable: true });
  if (!clears.allAttributes) {
    for (const [name, value] of Object.entries(stored)) if (!clears.attributes.includes(name)) put(name, value);
  }
  for (const [name, value] of Object.entries(incoming)) {
    if (Object.hasOwn(merged, name) || Object.keys(merged).length < MAX_MERGED_ATTRIBUTES) put(name, value);
  }
  return merged;
}

/** Field by field, attributes by name, in a stable order. */
export function diffProfiles(before: Prospect, after: Prospect): ProfileChange[] {
  const changes: ProfileChange[] = [];
  const compare = (field: string, from: string | undefined, to: string | undefined) => {
    if (from !== to) changes.push({ field, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  };
  for (const field of [...MERGED_FIELDS, 'timezone'] as const) compare(field, before[field], after[field]);
  const names = [...new Set([...Object.keys(before.attributes), ...Object.keys(after.attributes)])].sort();
  for (const name of names) {
    compare(
      `attributes.${name}`,
      Object.hasOwn(before.attributes, name) ? before.attributes[name] : undefined,
      Object.hasOwn(after.attributes, name) ? after.attributes[name] : undefined,
    );
  }
  return changes;
}

/** `company: "Acme" → "Acme Corp"; attributes.plan: "pro" → (cleared)` — the timeline's text. */
export function describeChanges(changes: readonly ProfileChange[]): string {
  const shown = (value: string | undefined, empty: string) => (value === undefined ? empty : JSON.stringify(value));
  return changes.map((c) => `${c.field}: ${shown(c.from, '(none)')} → ${shown(c.to, '(cleared)')}`).join('; ');
}
