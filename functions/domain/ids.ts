/**
 * The shapes of the ids that come from outside (paths, webhook parameters), one rule per
 * kind, so the handlers can refuse a malformed id before any use case or store sees it.
 *
 * Every rule is far inside DynamoDB's key limits (partition key ≤ 2,048 bytes, sort key
 * ≤ 1,024 bytes): an id that passes can always be looked up, an id that fails could never
 * have been stored. Pure: no I/O.
 */

/** Sequence and step ids (folder names, `steps[].id`). */
export const SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;
export const SLUG_HINT = 'use 1–48 lower-case letters, digits and dashes, starting with a letter or digit';

/**
 * Prospect ids are `p_` + 24 hex characters today (prospectIdFor); the rule allows any
 * base64url tail up to 64 characters so a future id scheme needs no API change.
 */
const PROSPECT_ID = /^p_[A-Za-z0-9_-]{1,64}$/;

/** Import job ids: `imp_` + 32 hex characters (`newImportId`). */
const IMPORT_ID = /^imp_[0-9a-f]{32}$/;

/** Twilio SIDs: two letters and 32 hex digits; the rule only bounds the alphabet and length. */
const PROVIDER_SID = /^[A-Za-z0-9]{2,64}$/;

export interface IdRule {
  /** Whether `value` has this kind's shape. */
  test(value: string): boolean;
  /** What a valid one looks like, for error messages. */
  expected: string;
}

function pattern(regex: RegExp, expected: string): IdRule {
  return { test: (value) => regex.test(value), expected };
}

export const ID_RULES = {
  prospectId: pattern(PROSPECT_ID, 'a prospect id: "p_" followed by up to 64 letters, digits, "_" or "-"'),
  sequenceId: pattern(SLUG, `a sequence id (${SLUG_HINT})`),
  enrollmentId: {
    // `<prospectId>.<sequenceId>`: split at the first dot, as parseEnrollmentId does.
    test: (value) => {
      const dot = value.indexOf('.');
      return dot > 0 && PROSPECT_ID.test(value.slice(0, dot)) && SLUG.test(value.slice(dot + 1));
    },
    expected: 'an enrollment id: "<prospect id>.<sequence id>", e.g. "p_9b62….inbound-lead-follow-up"',
  },
  unsubscribeToken: pattern(/^[A-Za-z0-9_-]{1,512}\.[A-Za-z0-9_-]{1,64}$/, 'an unsubscribe token from a link we sent'),
  providerSid: pattern(PROVIDER_SID, 'a Twilio SID (letters and digits, at most 64)'),
  taskId: {
    // `<prospectId>.<sequenceId>.<run>.<stepId>` (domain/task.ts taskIdFor).
    test: (value) => {
      const parts = value.split('.');
      return (
        parts.length === 4 &&
        PROSPECT_ID.test(parts[0] as string) &&
        SLUG.test(parts[1] as string) &&
        /^[1-9]\d{0,6}$/.test(parts[2] as string) &&
        SLUG.test(parts[3] as string)
      );
    },
    expected: 'a task id: "<enrollment id>.<run>.<step id>", as GET /tasks lists them',
  },
  inboxItemId: pattern(/^p_[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16}$/, 'an inbox item id: "<prospect id>.<16 hex digits>"'),
  sequenceVersion: pattern(/^[1-9][0-9]{0,5}$/, 'a version number (1 to 999999)'),
  importId: pattern(IMPORT_ID, 'an import id: "imp_" followed by 32 hex digits (POST /imports answers it)'),
} as const satisfies Record<string, IdRule>;

export type IdKind = keyof typeof ID_RULES;

export function isValidId(kind: IdKind, value: string): boolean {
  return ID_RULES[kind].test(value);
}

/** A value as it may be quoted in an error message: short, one line. */
export function quoteForMessage(value: string, max = 40): string {
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
