/**
 * One enrollment row (a JSON prospect or a CSV line) → a normalised prospect, or a
 * reason that names the field. Reasons are returned to API callers row by row, so
 * they quote the offending value and say what would be accepted.
 *
 * CSV rows are flat: known columns (email, phone, first name, last name, company,
 * time zone — in any of the usual spellings) map to fields; every other non-empty
 * column becomes an attribute under its header name (trimmed), so a column
 * `industry` is `{{ attributes.industry }}` in templates.
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import * as z from '../zod.js';
import { knownZone } from './schedule.js';
import type { Prospect } from './records.js';

export { addressHash } from './address-hash.js';

/** A prospect as a row describes it: the stored prospect without its id and timestamps. */
export type ProspectInput = Omit<Prospect, 'id' | 'createdAt' | 'updatedAt'>;

export type ProspectInputResult = { ok: true; value: ProspectInput } | { ok: false; reason: string };

export interface ProspectInputOptions {
  /** ISO 3166 region for numbers written without a country code, e.g. "US". */
  defaultPhoneRegion: string;
}

type Field = 'email' | 'phone' | 'firstName' | 'lastName' | 'company' | 'timezone';

// Headers are compared without case, spaces, dashes or underscores.
const COLUMN_ALIASES: Record<string, Field> = {
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  mobilephone: 'phone',
  mobilenumber: 'phone',
  cell: 'phone',
  cellphone: 'phone',
  firstname: 'firstName',
  givenname: 'firstName',
  lastname: 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  company: 'company',
  companyname: 'company',
  organization: 'company',
  organisation: 'company',
  timezone: 'timezone',
  tz: 'timezone',
};

const MAX_NAME_LENGTH = 200;
const MAX_ATTRIBUTES = 50;
const MAX_ATTRIBUTE_NAME_LENGTH = 64;
const MAX_ATTRIBUTE_VALUE_LENGTH = 1000;

const emailSchema = z.email();

function columnKey(header: string): string {
  return header.toLowerCase().replace(/[\s_-]+/g, '');
}

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

/** Lower-cased, trimmed, valid email; undefined when invalid. */
export function normalizeEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  return emailSchema.safeParse(email).success ? email : undefined;
}

/** E.164 when libphonenumber considers the number valid; undefined otherwise. */
export function normalizePhone(value: string, defaultRegion: string): string | undefined {
  const region = isSupportedCountry(defaultRegion.toUpperCase()) ? (defaultRegion.toUpperCase() as CountryCode) : undefined;
  const phone = parsePhoneNumberFromString(value.trim(), region);
  return phone?.isValid() ? phone.number : undefined;
}

export function normalizeProspectInput(raw: Record<string, unknown>, options: ProspectInputOptions): ProspectInputResult {
  const fields: Partial<Record<Field, string>> = {};
  const columns: Partial<Record<Field, string>> = {};
  const attributes: Record<string, string> = {};
  const problems: string[] = [];

  const addAttribute = (name: string, value: unknown) => {
    const key = name.trim();
    const text = scalar(value);
    if (text === undefined || !key) return;
    if (typeof text !== 'string') problems.push(`attributes.${key}: must be text, a number or true/false`);
    else if (key.length > MAX_ATTRIBUTE_NAME_LENGTH) problems.push(`attribute name ${quoted(key)} is too long (at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters)`);
    else if (text.length > MAX_ATTRIBUTE_VALUE_LENGTH) problems.push(`attributes.${key}: is too long (at most ${MAX_ATTRIBUTE_VALUE_LENGTH} characters)`);
    else attributes[key] = text;
  };

  for (const [name, value] of Object.entries(raw)) {
    if (name === 'attributes') {
      if (value === undefined || value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push('attributes: must be an object of names to values');
        continue;
      }
      for (const [key, attribute] of Object.entries(value as Record<string, unknown>)) addAttribute(key, attribute);
      continue;
    }
    const field = COLUMN_ALIASES[columnKey(name)];
    if (!field) {
      addAttribute(name, value);
      continue;
    }
    const text = scalar(value);
    if (text === undefined) continue;
    if (typeof text !== 'string') problems.push(`${field}: must be text`);
    else if (fields[field] !== undefined && fields[field] !== text) {
      problems.push(`${field}: given twice with different values (columns "${columns[field]}" and "${name}")`);
    } else {
      fields[field] = text;
      columns[field] = name;
    }
  }

  const value: ProspectInput = { attributes };
  if (fields.email !== undefined) {
    const email = normalizeEmail(fields.email);
    if (email) value.email = email;
    else problems.push(`email: ${quoted(fields.email)} is not a valid email address`);
  }
  if (fields.phone !== undefined) {
    const phone = normalizePhone(fields.phone, options.defaultPhoneRegion);
    if (phone) value.phone = phone;
    else {
      problems.push(
        `phone: ${quoted(fields.phone)} is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as ${options.defaultPhoneRegion.toUpperCase()})`,
      );
    }
  }
  for (const name of ['firstName', 'lastName', 'company'] as const) {
    const text = fields[name];
    if (text === undefined) continue;
    if (text.length > MAX_NAME_LENGTH) problems.push(`${name}: is too long (at most ${MAX_NAME_LENGTH} characters)`);
    else value[name] = text;
  }
  if (fields.timezone !== undefined) {
    const zone = knownZone(fields.timezone);
    if (zone) value.timezone = zone;
    else problems.push(`timezone: ${quoted(fields.timezone)} is not an IANA time zone (e.g. America/New_York, Europe/Berlin)`);
  }
  if (Object.keys(attributes).length > MAX_ATTRIBUTES) problems.push(`attributes: at most ${MAX_ATTRIBUTES} attributes per prospect`);
  if (fields.email === undefined && fields.phone === undefined) problems.push('email or phone is required');

  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, value };
}

/**
 * Deterministic prospect id, so enrolling the same address twice finds the same
 * prospect without a lookup: from the email when there is one, else the phone.
 */
export function prospectIdFor(address: { email?: string; phone?: string }): string {
  const key = address.email ? `email:${address.email}` : address.phone ? `phone:${address.phone}` : undefined;
  if (!key) throw new Error('prospectIdFor needs an email or a phone');
  return `p_${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24)}`;
}
