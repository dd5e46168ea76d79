/**
 * Which column (CSV header or JSON key) feeds which prospect field: the one table of
 * header aliases (README "Columns" lists it), and explicit mappings a request may give.
 *
 * Headers are compared without case, spaces or punctuation, so `E-mail`, `e_mail` and
 * `EMAIL` are one spelling. A column that names no field becomes an attribute under its
 * header (trimmed), never an error. Lookups go through a Map: a header such as
 * `constructor` or `__proto__` must not find Object.prototype's members.
 */

export const PROSPECT_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'company', 'timezone', 'country'] as const;
export type ProspectField = (typeof PROSPECT_FIELDS)[number];

/** The accepted spellings of each field, as a marketer would write them. */
export const COLUMN_ALIASES: Readonly<Record<ProspectField, readonly string[]>> = {
  email: ['Email', 'E-mail', 'Email Address', 'E-mail Address', 'Mail', 'Work Email', 'Business Email', 'Personal Email'],
  phone: ['Phone', 'Phone Number', 'Mobile', 'Mobile Phone', 'Mobile Number', 'Cell', 'Cell Phone', 'Work Phone', 'Telephone'],
  firstName: ['First Name', 'Given Name', 'Forename'],
  lastName: ['Last Name', 'Surname', 'Family Name'],
  company: ['Company', 'Company Name', 'Organization', 'Organisation', 'Account Name'],
  timezone: ['Time Zone', 'Timezone', 'TZ'],
  country: ['Country', 'Country Code'],
};

/** What a column is read as. */
export type ColumnTarget =
  | { kind: 'field'; field: ProspectField }
  | { kind: 'attribute'; name: string }
  | { kind: 'ignore' };

/** `First Name`, `first_name` and `FIRSTNAME` → `firstname`. */
export function columnKey(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const FIELD_BY_KEY: ReadonlyMap<string, ProspectField> = new Map(
  PROSPECT_FIELDS.flatMap((field) => [field, ...COLUMN_ALIASES[field]].map((alias) => [columnKey(alias), field] as const)),
);

/** The field a header names by one of its aliases, if any. */
export function fieldForHeader(header: string): ProspectField | undefined {
  return FIELD_BY_KEY.get(columnKey(header));
}

/** The default reading of a header: a field by alias, else an attribute named after it. */
export function defaultTarget(header: string): ColumnTarget {
  const field = fieldForHeader(header);
  return field ? { kind: 'field', field } : { kind: 'attribute', name: header.trim() };
}

/** The aliases accepted for the address fields, for error messages. */
export function addressAliases(): string {
  return [...COLUMN_ALIASES.email, ...COLUMN_ALIASES.phone].join(', ');
}

export class ColumnMappingError extends Error {
  override name = 'ColumnMappingError';
}

const MAX_MAPPED_COLUMNS = 200;

/**
 * An explicit mapping `{"<header>": "<field>"}` where field is a prospect field,
 * `attributes.<name>` or `ignore`. Anything else names itself in the error.
 */
export function parseColumnMapping(value: unknown, where: string): ReadonlyMap<string, ColumnTarget> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ColumnMappingError(`${where}: expected an object of "<header>": "<field>" pairs`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_MAPPED_COLUMNS) throw new ColumnMappingError(`${where}: at most ${MAX_MAPPED_COLUMNS} columns`);
  const mapping = new Map<string, ColumnTarget>();
  for (const [header, target] of entries) {
    const parsed = typeof target === 'string' ? parseTarget(target) : undefined;
    if (!parsed) {
      const shown = typeof target === 'string' ? JSON.stringify(target.slice(0, 80)) : typeof target;
      throw new ColumnMappingError(
        `${where}.${header.slice(0, 80)}: ${shown} is not a field; use one of ${PROSPECT_FIELDS.join(', ')}, attributes.<name> or ignore`,
      );
    }
    mapping.set(header, parsed);
  }
  return mapping;
}

function parseTarget(text: string): ColumnTarget | undefined {
  const value = text.trim();
  if (value === 'ignore') return { kind: 'ignore' };
  const field = PROSPECT_FIELDS.find((name) => name === value);
  if (field) return { kind: 'field', field };
  const attribute = /^attributes\.(.+)$/s.exec(value)?.[1]?.trim();
  if (attribute && attribute.length <= 64) return { kind: 'attribute', name: attribute };
  return undefined;
}

/**
 * How a request reads a column: the explicit mapping first (the header as written,
 * ignoring case and surrounding spaces, but not punctuation: a mapping for `E-mail` must
 * not also catch `Email`), then the aliases.
 */
export function targetFor(header: string, mapping: ReadonlyMap<string, ColumnTarget> | undefined): ColumnTarget {
  if (mapping) {
    const exact = mapping.get(header);
    if (exact) return exact;
    const wanted = header.trim().toLowerCase();
    for (const [name, target] of mapping) if (name.trim().toLowerCase() === wanted) return target;
  }
  return defaultTarget(header);
}
