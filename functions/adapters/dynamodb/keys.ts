/**
 * The key layout of the ONE table (`TABLE_DEFINITION` in functions/table-definition.ts),
 * and every key and index-key builder. Nothing else in the adapter spells a key.
 *
 * ## Items
 *
 * | item                    | pk                 | sk                                  | index keys / notes |
 * | ----------------------- | ------------------ | ----------------------------------- | ------------------ |
 * | prospect profile        | `P#<prospectId>`   | `PROFILE`                           | the Prospect's fields, its `attributes` as one JSON string `attributesJson` (any name round-trips); `touchDay_<channel>` = `{day, enrollmentIds}`, the touch worker's claims of a local day (only for people with concurrent enrollments); `emailKey` / `phoneKey` = `A#<addressHash>` → byEmail / byPhone; `nameKey` = `N#<first character>`, `nameSort` = `<folded "first last">#<prospectId>` → byName; `companyKey` / `companySort`, the same on the folded company → byCompany. Each only when the field is present (sparse); never a plain address in a key |
 * | enrollment              | `P#<prospectId>`   | `E#<sequenceId>`                    | `seqKey` = `Q#<sequenceId>`, `seqSort` = `<status>#<stepIndex, 3 digits>#<nextTouchAt or ~>#<prospectId>` as they were when the enrollment took its status (it moves with the status only: "bySequence" below) → bySequence; one per prospect and sequence (`Enrollment.id = <prospectId>.<sequenceId>`); holds the touches and the touch claim. The Enrollment's fields except its ids (`id`, `prospectId`, `sequenceId` are the key, read back from it: every claim and advance is billed by the item's size). Only with `accountDomain` (sequences that `stopOnReplyFrom: account`): `listKey` = `D#<sequenceId>#<domain>`, `listSort` = `<prospectId>` → byList, a sequence's colleagues at one company domain |
 * | timeline event          | `P#<prospectId>`   | `T#<at as UTC ISO>#<8 hex>`         | suffix = sha256 of the event: a retried append overwrites instead of duplicating |
 * | provider event entry    | `P#<prospectId>`   | `T#<at as UTC ISO>#<16 hex>`        | a timeline event that is also its event's replay guard (`appendTimelineOnce`): suffix = sha256 of the provider's event key (`ses:<SES message id>#<type>#<event time>[#<link hash>]`), written with `attribute_not_exists`, so a redelivered open or click adds nothing and writes no `I#` record |
 * | suppression             | `S#<addressHash>`  | `S`                                 | the Suppression; `address` absent once erased. Every touch reads it |
 * | reply entry             | `S#<addressHash>`  | `R`                                 | the ReplyRecord (no plain address): a human reply from this address; read by imports only, so it blocks re-enrolling, never a running sequence's touches |
 * | consent                 | `S#<addressHash>`  | `C`                                 | the latest ConsentRecord (no plain address): who lifted the ledger's entries of the address, when, on what source |
 * | phone holders           | `S#<addressHash>`  | `H`                                 | `prospectIds`: every prospect whose profile an enrollment wrote with this phone (one person per phone). Read in the enrollment's BatchGetItem instead of a byPhone Query per row; written before the profiles and enrollments it points to; ids whose profile no longer has the phone are ignored by the reader; an erasure rewrites it without the erased prospect (use-cases/erase-prospect.ts) |
 * | layout marker           | `X#LAYOUT`         | `PHONE_HOLDERS`                     | present once every profile with a phone is listed in its phone holders item (a table created by this version, one whose first sequence was published by it, or one backfilled: use-cases/backfill-phone-holders.ts): until then enrolling also Queries byPhone |
 * | sequence version        | `Q#<sequenceId>`   | `V#<version, 6 digits>`             | immutable (conditional put); `body` = PublishedSequence as JSON |
 * | current-version pointer | `Q#<sequenceId>`   | `V#CURRENT`                         | full copy of the current version + `listKey = SEQUENCES`, `listSort = <sequenceId>` → byList |
 * | sequence counters       | `Q#<sequenceId>`   | `C#<yyyy-mm-dd, UTC>#<shard 0..7>`  | one number attribute per counter key (`status.active`, `step.intro.sent`); shard picked at random per write |
 * | lease                   | `L#<name>`         | `LEASE`                             | `owner`, `until`, `untilMs`, `expiresAt` (TTL): who may work on an enrollment lane |
 * | inbox item              | `P#<prospectId>`   | `I#<16 hex of the item id>`         | the InboxItem; `listKey = INBOX`, `listSort = <at as UTC ISO>#<item id>` → byList; `inboxKey = INBOX#<kind>` (same `listSort`) → byInbox. Id `<prospectId>.<16 hex>` (domain/inbox.ts): the key is computed from it, no lookup |
 * | import job              | `M#<importId>`     | `JOB`                               | the ImportJob (domain/import-job.ts), its column mapping as one JSON string `columnsJson`; `expiresAt` (TTL, 30 days after it was created) |
 * | import chunk result     | `M#<importId>`     | `C#<chunk index, 8 digits>`         | what one chunk did (counts, reasons): written ONCE (conditional put), so a rerun never counts twice; the job's progress is ONE Query of its partition, summed; `expiresAt` like its job |
 * | idempotency record      | `I#<key>`          | `I`                                 | `expiresAt` (TTL, a few days): an inbound message handled once (`twilio:<MessageSid>`, `ses:<SES message id>#<event type>#<event time>` of transient bounces and complaints, `email:<Message-ID>`); opens and clicks need none, their timeline entry is their guard |
 * | task                    | `P#<prospectId>`   | `K#<sequenceId>#<run, 6 digits>#<stepId>` | the Task; `inboxKey` = `U#<addressHash(assignee)>` → byInbox (a rep's tasks); `listKey` = `TASKS` → byList (everyone's tasks); `listSort` = `<status>#<dueAt>#<taskId>` sorts both. In the prospect's partition, so erasure deletes it |
 * | call suppression        | `S#<addressHash>`  | `S#call`                            | a phone's `call` entry of the consent ledger ("do not call me"), beside its SMS entry at `S` |
 * | user                    | `U#<addressHash(email)>` | `USER`                        | UserSettings (phone, daily goal, zone, today's count, streak, `version`); `listKey` = `USERS`, `listSort` = email → byList (the team) |
 * | webhook delivery        | `W#DELIVERIES`     | `<at>#<eventId>#<endpointId>#<attempt, 3 digits>` | one attempt of an outbound webhook, `expiresAt` (TTL) 30 days; read newest first |
 *
 * An enrolled row writes 3 items: its profile, its enrollment and, with a phone, its phone
 * holders item (only when the phone does not list the prospect yet). The `enrolled` event
 * rides on the enrollment (`enrolledEvent`: who enrolled it; the time, version, run and
 * import are the enrollment's own), like the steps skipped at enrollment (no usable
 * address), which are `skipped` touch records: the prospect view tells both on the
 * timeline, and a restart writes the ended run's as timeline items before replacing it.
 * Enrollments written before `enrolledEvent` have a timeline item instead. `repliedRun`
 * on the enrollment is the run in which the person replied and the enrollment kept going
 * (`stopOnReply: false`), set once per run by a conditional write (`markReplied`), so the
 * funnel counts that person once however often they reply. The email and
 * search lookups live on the profile (index keys, no pointer items).
 *
 * `addressHash` = `addressHash()` from domain/address-hash.ts (sha256 hex of the trimmed,
 * lower-cased address). "Folded" = `searchKeyText()` from domain/search-text.ts (NFKD,
 * no diacritics, lower-case, whitespace collapsed, at most 200 characters). Prospect ids
 * must not contain `.` (the enrollment id is split at the FIRST `.`) or `#`; sequence ids
 * may contain `.`.
 *
 * ## Indexes (all sparse, all eventually consistent)
 *
 * | index      | partition / sort               | projection              | answers |
 * | ---------- | ------------------------------ | ----------------------- | ------- |
 * | byEmail    | `emailKey` / `pk`              | keys only               | prospects with an email (then a BatchGetItem of the profiles) |
 * | byPhone    | `phoneKey` / `pk`              | keys only               | prospects with a phone |
 * | byName     | `nameKey` / `nameSort`         | the prospect summary    | a page of prospects whose name starts with the query, sorted |
 * | byCompany  | `companyKey` / `companySort`   | the prospect summary    | the same by company |
 * | bySequence | `seqKey` / `seqSort`           | the enrollment summary  | a sequence's enrollments by status, then by the step and next touch time each took its status at |
 * | byList     | `listKey` / `listSort`         | all                     | every sequence at its current version (`SEQUENCES`); the inbox, newest first (`INBOX`); the enrollments of one sequence at one company domain (`D#…`, sparse); every task (`TASKS`); every user (`USERS`) |
 * | byInbox    | `inboxKey` / `listSort`        | all                     | the inbox of one kind (`INBOX#reply`, …), newest first; a rep's tasks (`U#<addressHash(email)>`) by status, then due time (open ones due by tonight: one range) |
 *
 * Search is at most 2 requests per page: an email or a phone is one keys-only Query plus
 * one BatchGetItem of the profiles; a name or company prefix is two Queries in parallel
 * (byName and byCompany), merged by their sort text. The summaries the result lists show
 * (PROSPECT_SUMMARY_FIELDS, ENROLLMENT_SUMMARY_FIELDS in domain/records.ts) are projected,
 * so a page never reads the base table.
 *
 * Colleagues (`stopOnReplyFrom: account`) reuse byList rather than a GSI of their own: a
 * table keeps its indexes (a deployed stack adds at most one GSI per update, and a
 * `--data-dir` table would have to be recreated), and only enrollments of sequences that
 * ask for it carry the key. The price: byList projects whole items, so each update of
 * such an enrollment (claim, advance) is also written to the index — paid by those
 * sequences only. A reply finds its colleagues with one Query (paginated), never a Scan.
 *
 * ## Hot keys
 *
 * - bySequence keeps all of a sequence's enrollments under ONE index partition key. An
 *   index partition takes about 1,000 writes/s; DynamoDB splits a partition that stays
 *   hot along its sort key ("split for heat"), and `seqSort` spreads writes over status,
 *   step, due time and prospect id, so a large import into one sequence is spread once
 *   the split happened (until then an index that cannot keep up slows the base-table
 *   writes that feed it: the batch retries absorb it, nothing is lost). Sharding the
 *   partition key (`Q#<sequenceId>#<n>`) would avoid waiting for a split, but every page
 *   would then take one Query per shard plus a merge (n requests and an n-part cursor
 *   instead of one) and lose the cheap order within a status. One request per page
 *   is worth more to the console than a faster first minute of a 100k-row import.
 *
 * ## bySequence
 *
 * `seqSort` is written by full puts (enrolling, a restart) and by an advance that changes
 * the status (a pause, a resume, the end), never by an advance within a status. Every touch
 * advances its enrollment, and an index entry whose sort key changes is a delete plus a put:
 * 2 of the index's write units per touch instead of 1 for the same entry updated in place.
 * So an active enrollment stays where it started (its first step and first touch time, or
 * where it was resumed), while its projected summary (step, next touch) stays current. The
 * console's list of a sequence's active enrollments is therefore in the order they started,
 * and `stepIndex` is always a filter on the projected step, not a key range. Items written
 * before this rule carry the sort text of their last advance; they sort by it until their
 * status next changes.
 * - Counters are sharded instead (below): they are updated on every touch and event,
 *   always at the same few items, which is the hot key a split cannot fix (one item
 *   always lives in one partition).
 * - byName and byCompany partition by the first character: about 40 partitions in
 *   practice, each split by sort key as it grows.
 *
 * ## Counters
 *
 * `addToCounters` adds to ONE item `C#<UTC day of the event>#<random shard 0..7>`, so a
 * burst of touches (09:00 Monday) spreads over 8 small items instead of updating one
 * ~1.5 KB item (2 write units, ~500 updates/s at most). Reading sums: `getCounters` is
 * ONE Query `begins_with(sk, 'C#')` (paginated) over every day and shard of the sequence,
 * `getDailyCounters` the same Query between two days, summed per day (the 90-day chart).
 * Cost: a stats call reads at most 8 items per day the sequence was active, typically
 * 0.2–0.5 KB each: a sequence active for 90 days is ≤ 720 items, ≤ ~360 KB, one or two
 * Query pages and ~90 read units consistent ($0.00001); a year is ≤ 2,920 items.
 *
 * ## Inbox
 *
 * One item per inbound message and prospect, in the prospect's partition (erasure deletes
 * it with the rest). Listing it newest first, all kinds or one kind, optionally `since` a
 * time, is ONE Query, descending: on byList's `INBOX` partition for all kinds, on byInbox's
 * `INBOX#<kind>` partition for one kind, `listSort >= since` for `since`. Why two keys and
 * not a filter: a kind filter on the all-kinds partition reads every other kind too (a
 * page of bounces could take many pages of replies to fill), and one partition per kind
 * queried in parallel and merged would be four requests per page. So each item carries
 * both list keys: two index entries per item, written by the same PutItem.
 * Hot keys: the inbox is written once per inbound message (replies are a few percent of
 * touches), far under a partition's 1,000 writes/s; listing costs one Query per page.
 * `POST /inbox/{id}/handled` is ONE conditional UpdateItem on the item.
 *
 * ## Leases
 *
 * Enrolling serialises per lane (`laneOf(prospectId)` in domain/lanes.ts): an import
 * holds the lane's lease (`L#<lane>`) while it reads, decides and writes a chunk, so two
 * imports of one prospect never interleave. Acquiring is ONE conditional UpdateItem
 * (absent, expired, or already ours); releasing is a DeleteItem conditional on the owner.
 * A holder that died leaves a lease that expires (`until`), and `expiresAt` lets DynamoDB's
 * TTL remove the item a day later.
 *
 * ## Tasks, users and webhook deliveries
 *
 * A task's index sort text starts with its status, so "open tasks due before X" is ONE
 * range of one partition (`begins_with open#` up to `open#<X>`), done tasks never page
 * through it, and completing a task (a conditional put of the whole item) moves it to the
 * `done#` range in the same write. The assignee's email is hashed in the key like every
 * address. "Everyone's tasks" share the `TASKS` partition of byList: tasks are made by
 * people's work (tens to thousands a day), far below a partition's 1,000 writes/s.
 * Users are few (a team) and live in byList's `USERS` partition, so the team's progress is
 * one Query. Webhook deliveries share the `W#DELIVERIES` partition for the same reason
 * (one item per attempt; replies, opt-outs and conversions are rare next to touches).
 * A rep's tasks live in byInbox (partition `U#<hash>`, sorted by `listSort`) rather than a
 * GSI of their own, for the reason colleagues reuse byList: CloudFormation adds at most
 * one GSI per stack update, and byInbox is already the new one of this version (a
 * deployed stack would otherwise need two deploys). The partitions never meet: the
 * inbox's are `INBOX#<kind>`, a rep's `U#<64 hex>`.
 *
 * ## Claims and touches
 *
 * Touch claims are NOT separate items: `claimTouch` sets the map attribute `claim =
 * {run, stepIndex, leaseUntilMs}` on the enrollment item (claims of older versions also
 * carry `leaseUntil` as text), conditional on the
 * enrollment being `active` at that run and step and on no unexpired lease for that run
 * and step. A stop writes the same item, so a stop and a claim are strictly ordered.
 * `advanceEnrollment` and `recordTouch` remove it, `releaseTouchClaim` gives it back, a
 * restart (full put) drops it. It is stripped from the `Enrollment` records returned.
 *
 * Touch records (`touches.<stepId>`, a map on the enrollment item, each without a copy of
 * its step id: the key says it, and every write of the item is billed by its size) carry the provider's
 * message id; delivery reports (SES events, Twilio status callbacks) update them in place
 * with `updateTouchStatus`, conditional on that id, so no message index item is needed.
 * Replies are matched to touches the same way: the reply's In-Reply-To/References against
 * the `messageIdHeader`/`providerMessageId` of the enrollments of the prospects found by
 * the sender's address (byEmail / byPhone), so the touch worker writes nothing extra.
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
 * - Enrollment batches write phone holders and profiles first, then enrollments and their
 *   timeline: a crash never leaves an enrollment without its profile, nor a profile-backed
 *   enrollment its phone does not list. Re-importing repeats the upserts.
 * - Timeline keys are content-derived, so a retried append is idempotent.
 * - Index keys are attributes of the item they index, written in the same request, so an
 *   index can lag (eventual consistency) but never disagree with its item for good.
 */
import { createHash } from 'node:crypto';
import { parseEnrollmentId } from '../../domain/enrollment.js';
import type { Enrollment, EnrollmentStatus, InboxKind, Prospect, Task, TimelineEvent, TouchClaim } from '../../domain/records.js';
import type { ConsentChannel } from '../../domain/people-steps.js';
import { parseInboxItemId, type InboxItem } from '../../domain/inbox.js';
import { firstCharacter, searchKeyText } from '../../domain/search-text.js';
import { addressHash } from '../../domain/address-hash.js';
import type { IndexName } from '../../table-definition.js';
import type { Channel } from '../../domain/sequence.js';

export interface Key {
  pk: string;
  sk: string;
}

/** The indexes by name (checked against the table definition). */
export const INDEX = {
  byEmail: 'byEmail',
  byPhone: 'byPhone',
  byName: 'byName',
  byCompany: 'byCompany',
  bySequence: 'bySequence',
  byInbox: 'byInbox',
  byList: 'byList',
} as const satisfies Record<IndexName, IndexName>;

export const POINTER_SK = 'V#CURRENT';
export const SEQUENCE_LIST = 'SEQUENCES';
export const TASK_LIST = 'TASKS';
export const USER_LIST = 'USERS';
export const DELIVERIES_PK = 'W#DELIVERIES';
/** How long webhook delivery records are kept (TTL). */
export const DELIVERY_RETENTION_SECONDS = 30 * 86_400;
export const INBOX_LIST = 'INBOX';
export const COUNTER_SHARDS = 8;

export const prefix = {
  prospect: 'P#',
  address: 'A#',
  name: 'N#',
  enrollment: 'E#',
  timeline: 'T#',
  version: 'V#',
  counters: 'C#',
  sequence: 'Q#',
  task: 'K#',
  user: 'U#',
  inbox: 'I#',
  importChunk: 'C#',
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

/**
 * The sort key of a timeline event that is its provider event's replay guard: UTC ISO of
 * `at` (it sorts with the rest) plus a hash of the event's key, not of its content, so
 * every redelivery of the event lands on the same item. 16 hex digits: a collision would
 * drop a real event as a replay, so the suffix is twice as long as a content hash's.
 */
export function timelineOnceSortKey(at: string, onceKey: string): string {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`Timeline event has an invalid time: ${at}`);
  const digest = createHash('sha256').update(checkIdempotencyKey(onceKey)).digest('hex').slice(0, 16);
  return `${prefix.timeline}${instant.toISOString()}#${digest}`;
}

/** Timeline sort key: UTC ISO of `at` (sorts chronologically) plus a content hash (idempotent retries). */
export function timelineSortKey(event: TimelineEvent): string {
  const at = new Date(event.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Timeline event has an invalid time: ${event.at}`);
  const digest = createHash('sha256').update(stableJson(event)).digest('hex').slice(0, 8);
  return `${prefix.timeline}${at.toISOString()}#${digest}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `yyyy-mm-dd` of an instant, in UTC. */
export function utcDay(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('Counter time is not a valid date');
  return at.toISOString().slice(0, 10);
}

export function checkDay(day: string): string {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new RangeError(`A day must be yyyy-mm-dd, got "${day}"`);
  }
  return day;
}

export const prospectPk = (prospectId: string): string => `${prefix.prospect}${prospectId}`;
export const sequencePk = (sequenceId: string): string => `${prefix.sequence}${sequenceId}`;

export const keys = {
  profile: (prospectId: string): Key => ({ pk: prospectPk(prospectId), sk: 'PROFILE' }),
  enrollment: (prospectId: string, sequenceId: string): Key => ({
    pk: prospectPk(prospectId),
    sk: `${prefix.enrollment}${sequenceId}`,
  }),
  timeline: (event: TimelineEvent): Key => ({ pk: prospectPk(event.prospectId), sk: timelineSortKey(event) }),
  timelineOnce: (event: TimelineEvent, onceKey: string): Key => ({ pk: prospectPk(event.prospectId), sk: timelineOnceSortKey(event.at, onceKey) }),
  /** The address's own ledger entry (email, or a phone's SMS), or a phone's `call` entry. */
  suppression: (hash: string, channel?: ConsentChannel): Key => ({ pk: `S#${hash}`, sk: channel === 'call' ? 'S#call' : 'S' }),
  replyRecord: (hash: string): Key => ({ pk: `S#${hash}`, sk: 'R' }),
  consentRecord: (hash: string): Key => ({ pk: `S#${hash}`, sk: 'C' }),
  phoneHolders: (hash: string): Key => ({ pk: `S#${hash}`, sk: 'H' }),
  /** Present once every phone's holders item is complete (keys.ts, "phone holders"). */
  phoneHoldersMarker: (): Key => ({ pk: 'X#LAYOUT', sk: 'PHONE_HOLDERS' }),
  sequenceVersion: (sequenceId: string, version: number): Key => ({
    pk: sequencePk(sequenceId),
    sk: `${prefix.version}${padVersion(version)}`,
  }),
  sequencePointer: (sequenceId: string): Key => ({ pk: sequencePk(sequenceId), sk: POINTER_SK }),
  counters: (sequenceId: string, day: string, shard: number): Key => {
    if (!Number.isInteger(shard) || shard < 0 || shard >= COUNTER_SHARDS) throw new RangeError(`Counter shard ${shard}`);
    return { pk: sequencePk(sequenceId), sk: `${prefix.counters}${checkDay(day)}#${shard}` };
  },
  lease: (name: string): Key => ({ pk: `L#${name}`, sk: 'LEASE' }),
  task: (parts: { prospectId: string; sequenceId: string; run: number; stepId: string }): Key => ({
    pk: prospectPk(parts.prospectId),
    sk: `${prefix.task}${parts.sequenceId}#${String(parts.run).padStart(6, '0')}#${parts.stepId}`,
  }),
  user: (email: string): Key => ({ pk: `${prefix.user}${addressHash(email)}`, sk: 'USER' }),
  delivery: (delivery: { at: string; eventId: string; endpointId: string; attempt: number }): Key => ({
    pk: DELIVERIES_PK,
    sk: `${delivery.at}#${delivery.eventId}#${delivery.endpointId}#${String(delivery.attempt).padStart(3, '0')}`,
  }),
  /** An inbox item, from its id; undefined for an id that cannot be one. */
  inboxItem: (id: string): Key | undefined => {
    const parsed = parseInboxItemId(id);
    return parsed ? { pk: prospectPk(parsed.prospectId), sk: `${prefix.inbox}${parsed.suffix}` } : undefined;
  },
  idempotency: (key: string): Key => ({ pk: `I#${checkIdempotencyKey(key)}`, sk: 'I' }),
  importJob: (importId: string): Key => ({ pk: importPk(importId), sk: 'JOB' }),
  importChunk: (importId: string, index: number): Key => {
    if (!Number.isInteger(index) || index < 0 || index > 99_999_999) throw new RangeError(`Import chunk index ${index}`);
    return { pk: importPk(importId), sk: `${prefix.importChunk}${String(index).padStart(8, '0')}` };
  },
};

/** The index sort text of a task: status, then due time, then id. */
export function taskSort(task: Pick<Task, 'status' | 'dueAt' | 'id'>): string {
  return `${task.status}#${task.dueAt}#${task.id}`;
}

/** The index attributes of a task item: byInbox (its assignee's list) and byList (everyone's). */
export function taskIndexKeys(task: Task): Record<string, string> {
  const sort = taskSort(task);
  return { inboxKey: assigneeKey(task.assignee), listKey: TASK_LIST, listSort: sort };
}

export const assigneeKey = (email: string): string => `${prefix.user}${addressHash(email)}`;
export const importPk = (importId: string): string => `M#${importId}`;

/** The byList / byInbox partition of the inbox: all kinds, or one. */
export const inboxPartition = (kind?: InboxKind): string => (kind ? `${INBOX_LIST}#${kind}` : INBOX_LIST);

/** The index attributes of an inbox item: both list keys (keys.ts, "Inbox"). */
export function inboxIndexKeys(item: Pick<InboxItem, 'id' | 'kind' | 'at'>): Record<string, string> {
  const at = new Date(item.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Inbox item has an invalid time: ${item.at}`);
  return { listKey: inboxPartition(), inboxKey: inboxPartition(item.kind), listSort: `${at.toISOString()}#${item.id}` };
}

/** Idempotency keys name what they mark (`twilio:<MessageSid>`); bounded well below the 2 KB key limit. */
export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > 512) throw new RangeError(`An idempotency key must have 1 to 512 characters, got ${key.length}`);
  return key;
}

/** The sort-key range of a sequence's counter items from `fromDay` to `toDay`, both included. */
export function counterRange(fromDay: string, toDay: string): { from: string; to: string } {
  return { from: `${prefix.counters}${checkDay(fromDay)}#`, to: `${prefix.counters}${checkDay(toDay)}#~` };
}

/** The day of a counter item's sort key. */
export const counterDayOf = (sk: unknown): string => String(sk).slice(prefix.counters.length, prefix.counters.length + 10);

// ----- Index keys ---------------------------------------------------------------------

/** The by-address index key (byEmail or byPhone) of an address. */
export const addressKey = (address: string): string => `${prefix.address}${addressHash(address)}`;

/** Partition and sort text of a name or company in byName / byCompany; undefined for no text. */
export function searchKeys(text: string | undefined, prospectId: string): { key: string; sort: string } | undefined {
  const folded = searchKeyText(text ?? '');
  const first = firstCharacter(folded);
  if (!first) return undefined;
  return { key: `${prefix.name}${first}`, sort: `${folded}#${prospectId}` };
}

/** The partition of byName / byCompany a folded query prefix falls in. */
export const searchPartition = (foldedPrefix: string): string | undefined => {
  const first = firstCharacter(foldedPrefix);
  return first ? `${prefix.name}${first}` : undefined;
};

/** The full name as byName indexes it: "first last". */
export const fullName = (prospect: Pick<Prospect, 'firstName' | 'lastName'>): string =>
  `${prospect.firstName ?? ''} ${prospect.lastName ?? ''}`;

/** The profile attribute holding a channel's touch-day claims (`Prospect.touchDays`), one per channel. */
export const touchDayAttribute = (channel: Channel): string => `touchDay_${channel}`;

/** The index attributes of a profile item: only those whose field is present. */
export function profileIndexKeys(prospect: Prospect): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (prospect.email) attributes['emailKey'] = addressKey(prospect.email);
  if (prospect.phone) attributes['phoneKey'] = addressKey(prospect.phone);
  const name = searchKeys(fullName(prospect), prospect.id);
  if (name) Object.assign(attributes, { nameKey: name.key, nameSort: name.sort });
  const company = searchKeys(prospect.company, prospect.id);
  if (company) Object.assign(attributes, { companyKey: company.key, companySort: company.sort });
  return attributes;
}

/**
 * bySequence's sort text: status, then step, then next touch time (`~`, after every time,
 * when none), as they were when the enrollment took its status. Written by full puts and
 * by an advance that changes the status only ("bySequence" above).
 */
export function sequenceSort(
  enrollment: Pick<Enrollment, 'status' | 'stepIndex' | 'nextTouchAt' | 'prospectId'>,
): string {
  return `${sequenceSortPrefix(enrollment.status)}${String(checkStepIndex(enrollment.stepIndex)).padStart(3, '0')}#${enrollment.nextTouchAt ?? '~'}#${enrollment.prospectId}`;
}

/** The begins_with prefix of bySequence for a status. */
export function sequenceSortPrefix(status: EnrollmentStatus): string {
  return `${status}#`;
}

/** A step index bySequence can sort (3 digits). */
export function checkStepIndex(stepIndex: number): number {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex > 999) {
    throw new RangeError(`Step index must be an integer in 0..999, got ${stepIndex}`);
  }
  return stepIndex;
}

/** byList's partition of a sequence's enrollments at one company domain. */
export const accountListKey = (sequenceId: string, domain: string): string => `D#${sequenceId}#${domain}`;

/** The index attributes of an enrollment item (byList only with an `accountDomain`). */
export function enrollmentIndexKeys(enrollment: Enrollment): Record<string, string> {
  return {
    seqKey: sequencePk(enrollment.sequenceId),
    seqSort: sequenceSort(enrollment),
    ...(enrollment.accountDomain
      ? { listKey: accountListKey(enrollment.sequenceId, enrollment.accountDomain), listSort: enrollment.prospectId }
      : {}),
  };
}

// ----- Ids ----------------------------------------------------------------------------

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
