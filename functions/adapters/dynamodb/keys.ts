/**
 * The key layout of the ONE table (`TABLE_DEFINITION` in functions/table-definition.ts),
 * and every key and index-key builder. Nothing else in the adapter spells a key.
 *
 * ## Key layout
 *
 * | item                       | pk                 | sk                                   | other keys / notes |
 * | -------------------------- | ------------------ | ------------------------------------ | ------------------ |
 * | prospect profile           | `P#<prospectId>`   | `PROFILE`                            | the Prospect's fields as attributes |
 * | address pointer            | `P#<prospectId>`   | `ADDR#email` / `ADDR#phone`          | `addrKey = A#<addressHash>` → GSI byAddress (pk as its sort key); no plain address |
 * | enrollment                 | `P#<prospectId>`   | `E#<sequenceId>`                     | one per prospect and sequence; `Enrollment.id = <prospectId>.<sequenceId>`; holds the touch claim (below) |
 * | timeline event             | `P#<prospectId>`   | `T#<at as UTC ISO>#<8 hex>`          | suffix = sha256 of the event: a retried append overwrites instead of duplicating |
 * | suppression                | `S#<addressHash>`  | `S`                                  | the Suppression; `address` absent once erased |
 * | sequence version           | `Q#<sequenceId>`   | `V#<version, 6 digits>`              | immutable (conditional put); `body` = PublishedSequence as JSON |
 * | current-version pointer    | `Q#<sequenceId>`   | `V#CURRENT`                          | full copy of the current version + `listKey = SEQUENCES`, `listSort = <sequenceId>` → GSI byList |
 * | sequence counters          | `Q#<sequenceId>`   | `STATS`                              | one number attribute per counter key (`status.active`, `step.intro.sent`) |
 *
 * Touch claims are NOT separate items: `claimTouch` sets the map attribute `claim =
 * {run, stepIndex, leaseUntil, leaseUntilMs}` on the enrollment item, conditional on the
 * enrollment being `active` at that run and step and on no unexpired lease for that run
 * and step. A stop writes the same item, so a stop and a claim are strictly ordered.
 * `advanceEnrollment` and `recordTouch` remove it, `releaseTouchClaim` gives it back, a
 * restart (full put) drops it. It is stripped from the `Enrollment` records returned.
 *
 * Touch records (`touches.<stepId>`, a map on the enrollment item) carry the provider's
 * message id; delivery reports (SES events, Twilio status callbacks) update them in place
 * with `updateTouchStatus`, conditional on that id, so no message index item is needed.
 * Replies are matched to touches the same way: the reply's In-Reply-To/References against
 * the `messageIdHeader`/`providerMessageId` of the enrollments of the prospects found by
 * the sender's address (GSI byAddress), so the touch worker writes nothing extra.
 *
 * `addressHash` = `addressHash()` from domain/address-hash.ts (sha256 hex of the trimmed,
 * lower-cased address). Prospect ids must not contain `.` (the enrollment id is split at
 * the FIRST `.`); sequence ids may.
 *
 * Why the pointer is `V#CURRENT` and not `CURRENT`: `C` sorts after every digit, so one
 * Query `begins_with(sk, 'V#')`, descending, Limit 2 returns the pointer AND the highest
 * version. `getCurrentSequence` therefore always answers the highest version (the source
 * of truth) in one request, and detects a pointer that lags behind it.
 *
 * ## Crash repair (no transactions)
 *
 * - Publish = put `V#n` (condition: absent), then put the pointer (condition: absent or
 *   older). A crash between the two leaves `V#n` without pointer: `getCurrentSequence`
 *   already returns `V#n` and rewrites the pointer (same conditional put); so does the next
 *   publish. Until then only `listSequences` (which reads pointers) shows version n-1.
 * - Enrollment batches write profiles and address pointers first, then enrollments and
 *   their timeline: a crash never leaves an enrollment without its profile. Re-importing
 *   repeats the upserts.
 * - Timeline keys are content-derived, so a retried append is idempotent.
 */
import { createHash } from 'node:crypto';
import { parseEnrollmentId } from '../../domain/enrollment.js';
import type { Enrollment, TimelineEvent, TouchClaim } from '../../domain/records.js';
import { TABLE_DEFINITION } from '../../table-definition.js';

export interface Key {
  pk: string;
  sk: string;
}

export const INDEX = {
  byAddress: TABLE_DEFINITION.globalSecondaryIndexes[0].indexName,
  byList: TABLE_DEFINITION.globalSecondaryIndexes[1].indexName,
} as const;

export const POINTER_SK = 'V#CURRENT';
export const SEQUENCE_LIST = 'SEQUENCES';

export const prefix = {
  prospect: 'P#',
  address: 'A#',
  enrollment: 'E#',
  timeline: 'T#',
  version: 'V#',
} as const;

function padVersion(version: number): string {
  if (!Number.isInteger(version) || version < 0 || version > 999_999) {
    throw new RangeError(`Sequence version must be an integer in 0..999999, got ${version}`);
  }
  return String(version).padStart(6, '0');
}

/** JSON with object keys sorted, so equal events hash equally whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Timeline sort key: UTC ISO of `at` (sorts chronologically) plus a content hash (idempotent retries). */
export function timelineSortKey(event: TimelineEvent): string {
  const at = new Date(event.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Timeline event has an invalid time: ${event.at}`);
  const digest = createHash('sha256').update(stableJson(event)).digest('hex').slice(0, 8);
  return `${prefix.timeline}${at.toISOString()}#${digest}`;
}

export const prospectPk = (prospectId: string): string => `${prefix.prospect}${prospectId}`;
export const sequencePk = (sequenceId: string): string => `Q#${sequenceId}`;

export const keys = {
  profile: (prospectId: string): Key => ({ pk: prospectPk(prospectId), sk: 'PROFILE' }),
  addressPointer: (prospectId: string, field: 'email' | 'phone'): Key => ({
    pk: prospectPk(prospectId),
    sk: `ADDR#${field}`,
  }),
  enrollment: (prospectId: string, sequenceId: string): Key => ({
    pk: prospectPk(prospectId),
    sk: `${prefix.enrollment}${sequenceId}`,
  }),
  timeline: (event: TimelineEvent): Key => ({ pk: prospectPk(event.prospectId), sk: timelineSortKey(event) }),
  suppression: (hash: string): Key => ({ pk: `S#${hash}`, sk: 'S' }),
  sequenceVersion: (sequenceId: string, version: number): Key => ({
    pk: sequencePk(sequenceId),
    sk: `${prefix.version}${padVersion(version)}`,
  }),
  sequencePointer: (sequenceId: string): Key => ({ pk: sequencePk(sequenceId), sk: POINTER_SK }),
  counters: (sequenceId: string): Key => ({ pk: sequencePk(sequenceId), sk: 'STATS' }),
};

/** The by-address index key of an address hash. */
export const addressKey = (hash: string): string => `${prefix.address}${hash}`;

/** The prospect id of a `P#<prospectId>` partition key. */
export const prospectIdOf = (pk: unknown): string => String(pk).slice(prefix.prospect.length);

/** The key of an enrollment, checking that its id says where it lives. */
export function enrollmentKeyOf(enrollment: Enrollment): Key {
  const expected = `${enrollment.prospectId}.${enrollment.sequenceId}`;
  if (enrollment.id !== expected || enrollment.prospectId.includes('.')) {
    throw new Error(`Enrollment id ${enrollment.id} must be "<prospectId>.<sequenceId>" (${expected})`);
  }
  return keys.enrollment(enrollment.prospectId, enrollment.sequenceId);
}

/** The key of an enrollment id; undefined for an id that cannot be one. */
export function enrollmentKeyOfId(enrollmentId: string): Key | undefined {
  const ids = parseEnrollmentId(enrollmentId);
  return ids ? keys.enrollment(ids.prospectId, ids.sequenceId) : undefined;
}

/** The enrollment item a claim is on (its id when it parses, else its own fields). */
export function claimedEnrollmentKey(claim: TouchClaim): Key {
  const ids = parseEnrollmentId(claim.enrollmentId) ?? { prospectId: claim.prospectId, sequenceId: claim.sequenceId };
  return keys.enrollment(ids.prospectId, ids.sequenceId);
}

/** One string per key, for maps and sets of keys. */
export function keyId(key: { pk: unknown; sk: unknown }): string {
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}
