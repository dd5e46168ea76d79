/**
 * One enrollment row (a JSON prospect or a CSV line) → a normalised prospect, or a
 * reason that names the field. Reasons and warnings are returned to API callers row by
 * row, so they quote the offending value and say what would be accepted.
 *
 * A row is `invalid` only when it has no usable address: a bad phone next to a good
 * email (or the reverse) enrolls on the usable channel, with a warning naming the bad
 * field. Any other bad field (time zone, country, a name that is too long, an attribute)
 * is left out with a warning; the row is still enrolled.
 *
 * Columns map to fields through the alias table in prospect-columns.ts (or an explicit
 * mapping); every other non-empty column becomes an attribute under its header name
 * (trimmed), so a column `industry` is `{{ attributes.industry }}` in templates.
 * Attribute names are any text: they are kept in a null-prototype object, so
 * `constructor` or `__proto__` is stored like any other name.
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { knownZone } from './schedule.js';
import { checkEmailAddress } from './email-address.js';
import { targetFor, type ColumnTarget, type ProspectField } from './prospect-columns.js';
import type { Prospect } from './records.js';
import { CLEARABLE_FIELDS, type ClearableField, type ProfileClears } from './prospect-merge.js';

export { addressHash } from './address-hash.js';

/** A prospect as a row describes it: the stored prospect without its id and timestamps. */
export type ProspectInput = Omit<Prospect, 'id' | 'createdAt' | 'updatedAt'>;

export type ProspectInputResult =
  /** `clears` only when the row asks to clear something (prospect-merge.ts). */
  | { ok: true; value: ProspectInput; warnings: string[]; clears?: ProfileClears }
  | { ok: false; reason: string };

/** The cell text that clears a stored value (JSON may also say `null`): README "Merging profiles". */
export const CLEAR_MARKER = '(clear)';

/** JSON `null`, or a cell that says exactly `(clear)`: the stored value goes. */
function isClear(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === CLEAR_MARKER);
}

export interface ProspectInputOptions {
  /** ISO 3166 region for numbers written without a country code, e.g. "US" (a row's `country` wins). */
  defaultPhoneRegion: string;
  /** An explicit column mapping from the request; unmapped columns are read by alias. */
  columns?: ReadonlyMap<string, ColumnTarget>;
}

const MAX_NAME_LENGTH = 200;
const MAX_ATTRIBUTES = 50;
const MAX_ATTRIBUTE_NAME_LENGTH = 64;
const MAX_ATTRIBUTE_VALUE_LENGTH = 1000;

/** Scalars become trimmed strings; blank means absent. Objects and arrays are not values. */
function scalar(value: unknown): string | undefined | { invalid: true } {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return { invalid: true };
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** Lower-cased, trimmed, deliverable email (see email-address.ts); undefined when invalid. */
export function normalizeEmail(value: string): string | undefined {
  const checked = checkEmailAddress(value);
  return checked.ok ? checked.email : undefined;
}

/** The ISO 3166-1 alpha-2 code libphonenumber knows, upper-cased; undefined otherwise. */
export function normalizeCountry(value: string): CountryCode | undefined {
  const code = value.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code) ? code : undefined;
}

/** E.164 when libphonenumber considers the number valid; undefined otherwise. */
export function normalizePhone(value: string, defaultRegion: string): string | undefined {
  if (value.length > 64) return undefined;
  const phone = parsePhoneNumberFromString(value.trim(), normalizeCountry(defaultRegion));
  return phone?.isValid() ? phone.number : undefined;
}

type FieldValues = Map<ProspectField, { text: string; column: string }>;

export function normalizeProspectInput(raw: Record<string, unknown>, options: ProspectInputOptions): ProspectInputResult {
  const fields: FieldValues = new Map();
  const attributes: Record<string, string> = Object.create(null);
  let attributeCount = 0;
  /** Problems with the addresses: they decide whether the row is usable. */
  const addressProblems: string[] = [];
  const warnings: string[] = [];
  const conflicting = new Set<ProspectField>();
  const clears: ProfileClears = { fields: [], attributes: [], allAttributes: false };

  const addAttribute = (name: string, value: unknown) => {
    const key = name.trim();
    if (key && isClear(value)) {
      if (!clears.attributes.includes(key)) clears.attributes.push(key);
      return;
    }
    const text = scalar(value);
    if (text === undefined || !key) return;
    if (typeof text !== 'string') warnings.push(`attributes.${quoted(key)}: must be text, a number or true/false`);
    else if (key.length > MAX_ATTRIBUTE_NAME_LENGTH) warnings.push(`attribute name ${quoted(key)} is too long (at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters)`);
    else if (text.length > MAX_ATTRIBUTE_VALUE_LENGTH) warnings.push(`attributes.${key}: is too long (at most ${MAX_ATTRIBUTE_VALUE_LENGTH} characters)`);
    else if (!Object.hasOwn(attributes, key) && attributeCount >= MAX_ATTRIBUTES) warnings.push(`attributes.${key}: left out, at most ${MAX_ATTRIBUTES} attributes per prospect`);
    else {
      if (!Object.hasOwn(attributes, key)) attributeCount += 1;
      // defineProperty, not assignment: `attributes["__proto__"] = x` would not create a key.
      Object.defineProperty(attributes, key, { value: text, enumerable: true, writable: true, configurable: true });
    }
  };

  const setField = (field: ProspectField, column: string, value: unknown) => {
    if (isClear(value)) {
      if ((CLEARABLE_FIELDS as readonly string[]).includes(field)) {
        if (!clears.fields.includes(field as ClearableField)) clears.fields.push(field as ClearableField);
      } else warnings.push(`${field}: cannot be cleared, it identifies the prospect`);
      return;
    }
    const text = scalar(value);
    if (text === undefined) return;
    const problems = field === 'email' || field === 'phone' ? addressProblems : warnings;
    if (typeof text !== 'string') {
      problems.push(`${field}: must be text`);
      return;
    }
    const earlier = fields.get(field);
    if (earlier && earlier.text !== text) {
      if (!conflicting.has(field)) problems.push(`${field}: given twice with different values (columns "${earlier.column}" and "${column}")`);
      conflicting.add(field);
      return;
    }
    fields.set(field, { text, column });
  };

  for (const [name, value] of Object.entries(raw)) {
    if (name === 'attributes' && !options.columns?.has(name)) {
      if (value === undefined) continue;
      if (value === null) {
        clears.allAttributes = true;
        continue;
      }
      if (typeof value !== 'object' || Array.isArray(value)) {
        warnings.push('attributes: must be an object of names to values');
        continue;
      }
      for (const [key, attribute] of Object.entries(value as Record<string, unknown>)) addAttribute(key, attribute);
      continue;
    }
    const target = targetFor(name, options.columns);
    switch (target.kind) {
      case 'ignore':
        break;
      case 'attribute':
        addAttribute(target.name, value);
        break;
      case 'field':
        setField(target.field, name, value);
        break;
    }
  }
  for (const field of conflicting) fields.delete(field);
  const text = (field: ProspectField) => fields.get(field)?.text;

  const value: ProspectInput = { attributes };
  let region = options.defaultPhoneRegion.toUpperCase();
  const countryText = text('country');
  if (countryText !== undefined) {
    const country = normalizeCountry(countryText);
    if (country) {
      value.country = country;
      region = country;
    } else {
      warnings.push(`country: ${quoted(countryText)} is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE); phone numbers without a country code are read as ${region}`);
    }
  }
  const emailText = text('email');
  if (emailText !== undefined) {
    const checked = checkEmailAddress(emailText);
    if (checked.ok) value.email = checked.email;
    else addressProblems.push(`email: ${quoted(emailText)} is not a valid email address (it ${checked.problem})`);
  }
  const phoneText = text('phone');
  if (phoneText !== undefined) {
    const phone = normalizePhone(phoneText, region);
    if (phone) value.phone = phone;
    else {
      addressProblems.push(
        `phone: ${quoted(phoneText)} is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as ${region})`,
      );
    }
  }
  for (const name of ['firstName', 'lastName', 'company'] as const) {
    const given = text(name);
    if (given === undefined) continue;
    if (given.length > MAX_NAME_LENGTH) warnings.push(`${name}: is too long (${given.length} characters, at most ${MAX_NAME_LENGTH})`);
    else value[name] = given;
  }
  const zoneText = text('timezone');
  if (zoneText !== undefined) {
    const zone = knownZone(zoneText);
    if (zone) {
      value.timezone = zone;
      value.timezoneSource = 'given';
    } else warnings.push(`timezone: ${quoted(zoneText)} is not an IANA time zone (e.g. America/New_York, Europe/Berlin)`);
  }

  if (value.email === undefined && value.phone === undefined) {
    const given = emailText !== undefined || phoneText !== undefined || conflicting.has('email') || conflicting.has('phone') || addressProblems.length > 0;
    const reasons = given ? [...addressProblems] : [...addressProblems, 'email or phone is required'];
    return { ok: false, reason: [...reasons, ...warnings].join('; ') };
  }
  // A field given a value in one column and cleared in another keeps the value.
  clears.fields = clears.fields.filter((field) => value[field] === undefined);
  const clearing = clears.fields.length > 0 || clears.attributes.length > 0 || clears.allAttributes;
  return { ok: true, value, warnings: [...addressProblems, ...warnings], ...(clearing ? { clears } : {}) };
}

/**
 * The zone fields of a prospect whose row gave no usable zone, from the zones its phone
 * number's prefix is used in (unknown names dropped): one zone is the prospect's zone,
 * several are all kept as candidates (touches respect every one, see schedule.ts), none
 * leaves the zone unset so the default of whichever sequence plans a touch applies.
 */
export function inferredZone(phoneZones: readonly string[]): Pick<Prospect, 'timezone' | 'timezoneSource' | 'timezoneCandidates'> {
  const known = [...new Set(phoneZones.map((zone) => knownZone(zone)).filter((zone): zone is string => zone !== undefined))];
  const [first] = known;
  if (!first) return { timezoneSource: 'default' };
  return known.length === 1 ? { timezone: first, timezoneSource: 'phone' } : { timezone: first, timezoneSource: 'phone', timezoneCandidates: known };
}

/**
 * Deterministic prospect id, so enrolling the same address twice finds the same
 * prospect without a lookup: from the email when there is one, else the phone.
 */
export function prospectIdFor(address: { email?: string; phone?: string }): string {
  const key = address.email ? `email:${address.email.toLowerCase()}` : address.phone ? `phone:${address.phone}` : undefined;
  if (!key) throw new Error('prospectIdFor needs an email or a phone');
  return `p_${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24)}`;
}
