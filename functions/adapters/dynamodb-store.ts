/**
 * DynamoDB implementation of the `Store` port: ONE table (`TABLE_DEFINITION`), no
 * transactions (DESIGN §2), every state change a single conditional write.
 *
 * ## Key layout
 *
 * | item                       | pk                 | sk                                   | other keys / notes |
 * | -------------------------- | ------------------ | ------------------------------------ | ------------------ |
 * | prospect profile           | `P#<prospectId>`   | `PROFILE`                            | the Prospect's fields as attributes; its `attributes` as one JSON string `attributesJson` |
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
 * (No claim items means no TTL is needed; `expiresAt` stays free for short-lived lookups.)
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
 *
 * ## Reads
 *
 * Base-table reads are strongly consistent (`ConsistentRead`), GSI queries cannot be.
 * The happy-path touch is 4 requests: `loadTouchContext` (one BatchGetItem of enrollment +
 * profile + the suppressions of `TouchMessage.addressHashes`), `claimTouch` (UpdateItem),
 * `advanceEnrollment` (UpdateItem), `addToCounters` (UpdateItem). A message without
 * `addressHashes`, or whose hashes no longer match the profile, costs a second BatchGetItem
 * for the current addresses' suppressions.
 *
 * ## Client
 *
 * Items never contain `undefined` (stripped here), so any DocumentClient works; creating
 * it with `marshallOptions: { removeUndefinedValues: true }` is still recommended. The
 * client is passed in: handlers create it once per container.
 *
 * Known limit: a BatchWriteItem cannot be conditional, so a profile re-import overwrites the
 * stored profile including `createdAt`; callers that care pass the stored `createdAt`.
 */
import type { BatchWriteCommandInput, DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash, randomUUID } from 'node:crypto';
import { addressHash } from '../domain/address-hash.js';
import {
  ENDED_STATUSES,
  type Enrollment,
  type Prospect,
  type Suppression,
  type TimelineEvent,
  type TouchClaim,
  type TouchRecord,
} from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type {
  ConditionalWriteResult,
  EnrollmentAdvance,
  SequenceCounterDelta,
  Store,
  TouchMessage,
  TouchStatusUpdate,
} from '../ports.js';
import { TABLE_DEFINITION } from '../table-definition.js';

/**
 * The SDK's command classes, imported by the first request instead of with this module.
 * The Lambda bundles leave the AWS SDK to the runtime (external), and esbuild hoists a
 * static import of an external module to the top of the bundle, so one here would load
 * the SDK when any handler starts, before it knows whether it needs the table.
 */
const sdk = () => import('@aws-sdk/lib-dynamodb');

type Item = Record<string, unknown>;
interface Key {
  pk: string;
  sk: string;
  [attribute: string]: string;
}
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BY_ADDRESS = TABLE_DEFINITION.globalSecondaryIndexes[0].indexName;
const BY_LIST = TABLE_DEFINITION.globalSecondaryIndexes[1].indexName;
const SEQUENCE_LIST = 'SEQUENCES';
const MAX_BATCH_GET = 100;
const MAX_BATCH_WRITE = 25;
/** Attributes the store adds to an item; stripped when an item is turned back into a record. */
const STORAGE_ATTRIBUTES = ['pk', 'sk', 'entity', 'expiresAt', 'addrKey', 'listKey', 'listSort', 'claim', 'writeToken'];

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

export const POINTER_SK = 'V#CURRENT';

export function parseEnrollmentId(enrollmentId: string): { prospectId: string; sequenceId: string } | undefined {
  const dot = enrollmentId.indexOf('.');
  if (dot <= 0 || dot === enrollmentId.length - 1) return undefined;
  return { prospectId: enrollmentId.slice(0, dot), sequenceId: enrollmentId.slice(dot + 1) };
}

function padVersion(version: number): string {
  if (!Number.isInteger(version) || version < 0 || version > 999_999) {
    throw new RangeError(`Sequence version must be an integer in 0..999999, got ${version}`);
  }
  return String(version).padStart(6, '0');
}

/** Timeline sort key: UTC ISO of `at` (sorts chronologically) plus a content hash (idempotent retries). */
export function timelineSortKey(event: TimelineEvent): string {
  const at = new Date(event.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Timeline event has an invalid time: ${event.at}`);
  const digest = createHash('sha256').update(stableJson(event)).digest('hex').slice(0, 8);
  return `T#${at.toISOString()}#${digest}`;
}

export const keys = {
  profile: (prospectId: string): Key => ({ pk: `P#${prospectId}`, sk: 'PROFILE' }),
  addressPointer: (prospectId: string, field: 'email' | 'phone'): Key => ({
    pk: `P#${prospectId}`,
    sk: `ADDR#${field}`,
  }),
  enrollment: (prospectId: string, sequenceId: string): Key => ({ pk: `P#${prospectId}`, sk: `E#${sequenceId}` }),
  timeline: (event: TimelineEvent): Key => ({ pk: `P#${event.prospectId}`, sk: timelineSortKey(event) }),
  suppression: (hash: string): Key => ({ pk: `S#${hash}`, sk: 'S' }),
  sequenceVersion: (sequenceId: string, version: number): Key => ({
    pk: `Q#${sequenceId}`,
    sk: `V#${padVersion(version)}`,
  }),
  sequencePointer: (sequenceId: string): Key => ({ pk: `Q#${sequenceId}`, sk: POINTER_SK }),
  counters: (sequenceId: string): Key => ({ pk: `Q#${sequenceId}`, sk: 'STATS' }),
};

function enrollmentKeyOf(enrollment: Enrollment): Key {
  const expected = `${enrollment.prospectId}.${enrollment.sequenceId}`;
  if (enrollment.id !== expected || enrollment.prospectId.includes('.')) {
    throw new Error(`Enrollment id ${enrollment.id} must be "<prospectId>.<sequenceId>" (${expected})`);
  }
  return keys.enrollment(enrollment.prospectId, enrollment.sequenceId);
}

function claimedEnrollmentKey(claim: TouchClaim): Key {
  const ids = parseEnrollmentId(claim.enrollmentId) ?? { prospectId: claim.prospectId, sequenceId: claim.sequenceId };
  return keys.enrollment(ids.prospectId, ids.sequenceId);
}

function keyId(key: { pk: unknown; sk: unknown }): string {
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

// ---------------------------------------------------------------------------------------
// Item conversion
// ---------------------------------------------------------------------------------------

/** Deep copy without `undefined` (DynamoDB has no such value). */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) Object.defineProperty(out, k, { value: clean(v), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function toItem(key: Key, entity: string, record: object): Item {
  return { ...clean(record), ...key, entity };
}

/**
 * A prospect's attributes are stored as one JSON string, not as a DynamoDB map: their
 * names are whatever a CSV header says, and the SDK's marshaller cannot take every
 * name (an attribute `constructor` makes it throw, `__proto__` silently vanishes in
 * both directions). Items written before keep a map under `attributes`; both read back.
 */
function prospectItem(prospect: Prospect): Item {
  const { attributes, ...rest } = prospect;
  return { ...toItem(keys.profile(prospect.id), 'prospect', rest), attributesJson: JSON.stringify(attributes) };
}

function prospectFromItem(item: Item): Prospect {
  const { attributesJson, ...rest } = fromItem<Prospect & { attributesJson?: unknown }>(item);
  const attributes: Record<string, string> =
    typeof attributesJson === 'string' ? JSON.parse(attributesJson) : ((rest.attributes as Record<string, string> | undefined) ?? {});
  return { ...rest, attributes };
}

function fromItem<T>(item: Item): T {
  const record: Item = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete record[attribute];
  return record as T;
}

function sequenceItem(key: Key, entity: string, sequence: PublishedSequence): Item {
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

function sequenceFromItem(item: Item): PublishedSequence {
  return JSON.parse(String(item['body'])) as PublishedSequence;
}

function profileHashes(prospect: Prospect): string[] {
  const hashes: string[] = [];
  if (prospect.email) hashes.push(addressHash(prospect.email));
  if (prospect.phone) hashes.push(addressHash(prospect.phone));
  return hashes;
}

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------

export interface DynamoDbStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Batch requests (chunks of BatchGetItem / BatchWriteItem) in flight at once. Default 8. */
  batchConcurrency?: number;
  /** Retries of UnprocessedKeys / UnprocessedItems before giving up with an error. Default 8. */
  maxBatchRetries?: number;
  /** Base of the exponential backoff (full jitter, capped at 2 s) between those retries. Default 25 ms. */
  retryBaseDelayMs?: number;
}

export class DynamoDbStore implements Store {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly batchConcurrency: number;
  private readonly maxBatchRetries: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: DynamoDbStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.batchConcurrency = options.batchConcurrency ?? 8;
    this.maxBatchRetries = options.maxBatchRetries ?? 8;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 25;
  }

  // ----- Sequences ---------------------------------------------------------------------

  async putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    const { PutCommand } = await sdk();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: sequenceItem(keys.sequenceVersion(sequence.id, sequence.version), 'sequence-version', sequence),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
    await this.putPointer(sequence);
    return 'ok';
  }

  /** Moves the pointer forward to `sequence`; never backwards (a newer pointer wins). */
  private async putPointer(sequence: PublishedSequence): Promise<void> {
    const { PutCommand } = await sdk();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sequenceItem(keys.sequencePointer(sequence.id), 'sequence-pointer', sequence),
            listKey: SEQUENCE_LIST,
            listSort: sequence.id,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #version < :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': sequence.version },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    const { QueryCommand } = await sdk();
    // Descending: `V#CURRENT` first, then the highest `V#<n>`.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': `Q#${sequenceId}`, ':v': 'V#' },
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    const pointer = Items.find((item) => item['sk'] === POINTER_SK);
    const latest = Items.find((item) => item['sk'] !== POINTER_SK);
    if (!latest) return pointer ? sequenceFromItem(pointer) : undefined;
    const current = sequenceFromItem(latest);
    if (!pointer || Number(pointer['version']) < current.version) {
      // A publish crashed between the version and the pointer: repair the pointer.
      await this.putPointer(current);
    }
    return current;
  }

  async getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    const { GetCommand } = await sdk();
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.sequenceVersion(sequenceId, version) }),
    );
    return Item ? sequenceFromItem(Item) : undefined;
  }

  async listSequences(): Promise<PublishedSequence[]> {
    const items = await this.queryAll({
      IndexName: BY_LIST,
      KeyConditionExpression: 'listKey = :list',
      ExpressionAttributeValues: { ':list': SEQUENCE_LIST },
    });
    return items.map(sequenceFromItem);
  }

  // ----- Prospects and enrollments -----------------------------------------------------

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    const { GetCommand } = await sdk();
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.profile(prospectId), ConsistentRead: true }),
    );
    return Item ? prospectFromItem(Item) : undefined;
  }

  async findProspectIdsByAddress(address: string): Promise<string[]> {
    const items = await this.queryAll({
      IndexName: BY_ADDRESS,
      KeyConditionExpression: 'addrKey = :a',
      ExpressionAttributeValues: { ':a': `A#${addressHash(address)}` },
    });
    return [...new Set(items.map((item) => String(item['pk']).slice(2)))];
  }

  async getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    const { GetCommand } = await sdk();
    const ids = parseEnrollmentId(enrollmentId);
    if (!ids) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.enrollment(ids.prospectId, ids.sequenceId),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<Enrollment>(Item) : undefined;
  }

  async listEnrollments(prospectId: string): Promise<Enrollment[]> {
    const items = await this.queryPartition(`P#${prospectId}`, 'E#');
    return items.map((item) => fromItem<Enrollment>(item));
  }

  async getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
  ): Promise<{ enrollments: Map<string, Enrollment>; suppressions: Map<string, Suppression> }> {
    const requested: Key[] = [];
    for (const id of enrollmentIds) {
      const ids = parseEnrollmentId(id);
      if (ids) requested.push(keys.enrollment(ids.prospectId, ids.sequenceId));
    }
    const hashOf = new Map(addresses.map((address) => [address, addressHash(address)]));
    for (const hash of hashOf.values()) requested.push(keys.suppression(hash));

    const items = await this.batchGet(requested);

    const enrollments = new Map<string, Enrollment>();
    const suppressionsByHash = new Map<string, Suppression>();
    for (const item of items) {
      if (item['entity'] === 'enrollment') {
        const enrollment = fromItem<Enrollment>(item);
        enrollments.set(enrollment.id, enrollment);
      } else if (item['entity'] === 'suppression') {
        const suppression = fromItem<Suppression>(item);
        suppressionsByHash.set(suppression.addressHash, suppression);
      }
    }
    const suppressions = new Map<string, Suppression>();
    for (const [address, hash] of hashOf) {
      const suppression = suppressionsByHash.get(hash);
      if (suppression) suppressions.set(address, suppression);
    }
    return { enrollments, suppressions };
  }

  async putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
  }): Promise<{ conflicts: Set<string> }> {
    // Phase 1: profiles and their address pointers (a missing address deletes its pointer).
    const profileWrites: WriteRequest[] = [];
    for (const prospect of items.prospects) {
      if (prospect.id.includes('.')) throw new Error(`Prospect id must not contain '.': ${prospect.id}`);
      profileWrites.push({ PutRequest: { Item: prospectItem(prospect) } });
      for (const field of ['email', 'phone'] as const) {
        const address = prospect[field];
        const key = keys.addressPointer(prospect.id, field);
        profileWrites.push(
          address
            ? { PutRequest: { Item: { ...key, entity: 'address', field, addrKey: `A#${addressHash(address)}` } } }
            : { DeleteRequest: { Key: key } },
        );
      }
    }
    await this.batchWrite(profileWrites);

    // Phase 2: enrollments, once every profile they point to exists. A BatchWriteItem
    // cannot be conditional (and a conditional PutItem per enrollment costs 3x the
    // throughput), so each item carries this call's write token and is read back: when two
    // requests enroll the same prospect at once, the last write stands and only its
    // request reports, schedules and counts it.
    const writeToken = randomUUID();
    await this.batchWrite(
      items.enrollments.map((enrollment) => ({
        PutRequest: { Item: { ...toItem(enrollmentKeyOf(enrollment), 'enrollment', enrollment), writeToken } },
      })),
    );
    const written = await this.batchGet(
      items.enrollments.map((enrollment) => enrollmentKeyOf(enrollment)),
      ['pk', 'sk', 'writeToken'],
    );
    const ours = new Set(written.filter((item) => item.writeToken === writeToken).map((item) => keyId(item as Key)));
    const conflicts = new Set(
      items.enrollments.filter((enrollment) => !ours.has(keyId(enrollmentKeyOf(enrollment)))).map((e) => e.id),
    );

    // Phase 3: the timeline of the enrollments this call created.
    const writes: WriteRequest[] = items.timeline
      .filter((event) => !event.enrollmentId || !conflicts.has(event.enrollmentId))
      .map((event) => ({ PutRequest: { Item: toItem(keys.timeline(event), 'timeline', event) } }));
    await this.batchWrite(writes);
    return { conflicts };
  }

  async restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    const { PutCommand } = await sdk();
    const endedValues = Object.fromEntries(ENDED_STATUSES.map((status, i) => [`:ended${i}`, status]));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(enrollmentKeyOf(enrollment), 'enrollment', enrollment),
          ConditionExpression: `attribute_exists(pk) AND #run = :previousRun AND #status IN (${Object.keys(endedValues).join(', ')})`,
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: { ':previousRun': previousRun, ...endedValues },
        }),
      );
      return 'ok';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  async loadTouchContext(message: TouchMessage): Promise<{
    enrollment?: Enrollment;
    prospect?: Prospect;
    suppressions: Suppression[];
  }> {
    const ids = parseEnrollmentId(message.enrollmentId) ?? {
      prospectId: message.prospectId,
      sequenceId: message.sequenceId,
    };
    const messageHashes = [
      ...new Set([message.addressHashes?.email, message.addressHashes?.phone].filter((h): h is string => !!h)),
    ];
    const enrollmentKey = keys.enrollment(ids.prospectId, ids.sequenceId);
    const profileKey = keys.profile(message.prospectId);

    // One consistent BatchGetItem on the happy path.
    const items = await this.batchGet([enrollmentKey, profileKey, ...messageHashes.map(keys.suppression)]);
    let enrollment: Enrollment | undefined;
    let prospect: Prospect | undefined;
    const found = new Map<string, Suppression>();
    const collect = (item: Item) => {
      if (item['entity'] === 'suppression') {
        const suppression = fromItem<Suppression>(item);
        found.set(suppression.addressHash, suppression);
      }
    };
    for (const item of items) {
      const id = keyId(item as Key);
      if (id === keyId(enrollmentKey)) enrollment = fromItem<Enrollment>(item);
      else if (id === keyId(profileKey)) prospect = prospectFromItem(item);
      else collect(item);
    }

    // The prospect's CURRENT addresses decide; an address changed since scheduling (or a
    // message without hashes) costs one more read.
    const wanted = prospect ? profileHashes(prospect) : messageHashes;
    const missing = wanted.filter((hash) => !messageHashes.includes(hash));
    if (missing.length > 0) (await this.batchGet(missing.map(keys.suppression))).forEach(collect);

    const suppressions = wanted.map((hash) => found.get(hash)).filter((s): s is Suppression => !!s);
    return {
      ...(enrollment ? { enrollment } : {}),
      ...(prospect ? { prospect } : {}),
      suppressions,
    };
  }

  async advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    const { UpdateCommand } = await sdk();
    const ids = parseEnrollmentId(advance.enrollmentId);
    if (!ids) return 'conflict';
    const names: Record<string, string> = {
      '#status': 'status',
      '#run': 'run',
      '#stepIndex': 'stepIndex',
    };
    const values: Record<string, unknown> = {
      ':expStatus': advance.expected.status,
      ':expRun': advance.expected.run,
      ':expStep': advance.expected.stepIndex,
    };
    const sets: string[] = [];
    const removes: string[] = [];
    const set = (field: string, value: unknown) => {
      names[`#${field}`] = field;
      values[`:${field}`] = clean(value);
      sets.push(`#${field} = :${field}`);
    };
    const { next } = advance;
    set('status', next.status);
    set('stepIndex', next.stepIndex);
    set('updatedAt', next.updatedAt);
    // Scheduling fields describe "what is pending now": absent means nothing is pending.
    for (const field of ['nextTouchAt', 'pendingScheduleName', 'resumeAt'] as const) {
      if (next[field] !== undefined) set(field, next[field]);
      else {
        names[`#${field}`] = field;
        removes.push(`#${field}`);
      }
    }
    // History fields are only ever set.
    for (const field of ['thread', 'endedAt', 'endReason'] as const) {
      if (next[field] !== undefined) set(field, next[field]);
    }
    // Whoever advances the enrollment ends any claim on it.
    names['#claim'] = 'claim';
    removes.push('#claim');
    if (advance.touch) {
      names['#touches'] = 'touches';
      names['#touchStep'] = advance.touch.stepId;
      values[':touch'] = clean(advance.touch);
      sets.push('#touches.#touchStep = :touch');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.enrollment(ids.prospectId, ids.sequenceId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression:
            'attribute_exists(pk) AND #status = :expStatus AND #run = :expRun AND #stepIndex = :expStep',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'ok';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  async deleteProspectData(prospectId: string): Promise<void> {
    // Repeat while items appear (a touch in flight may still append to the timeline).
    for (let round = 0; round < 5; round++) {
      const items = await this.queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `P#${prospectId}` },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      if (items.length === 0) return;
      await this.batchWrite(
        items.map((item) => ({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } })),
      );
    }
  }

  // ----- Exactly-once touches ----------------------------------------------------------

  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    const { UpdateCommand } = await sdk();
    const leaseUntilMs = new Date(claim.leaseUntil).getTime();
    if (Number.isNaN(leaseUntilMs)) throw new RangeError(`Invalid leaseUntil: ${claim.leaseUntil}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: claimedEnrollmentKey(claim),
          UpdateExpression: 'SET #claim = :claim',
          ConditionExpression:
            '#status = :active AND #run = :run AND #stepIndex = :step AND (attribute_not_exists(#claim)' +
            ' OR #claim.#leaseUntilMs < :now OR #claim.#run <> :run OR #claim.#stepIndex <> :step)',
          ExpressionAttributeNames: {
            '#claim': 'claim',
            '#status': 'status',
            '#run': 'run',
            '#stepIndex': 'stepIndex',
            '#leaseUntilMs': 'leaseUntilMs',
          },
          ExpressionAttributeValues: {
            ':claim': { run: claim.run, stepIndex: claim.stepIndex, leaseUntil: claim.leaseUntil, leaseUntilMs },
            ':active': 'active',
            ':run': claim.run,
            ':step': claim.stepIndex,
            ':now': now.getTime(),
          },
        }),
      );
      return 'ok';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    const { UpdateCommand } = await sdk();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: claimedEnrollmentKey(claim),
          UpdateExpression: 'REMOVE #claim',
          // Only our own claim: once our lease expired, another delivery may hold a new one.
          ConditionExpression: '#claim.#run = :run AND #claim.#stepIndex = :step AND #claim.#leaseUntil = :lease',
          ExpressionAttributeNames: {
            '#claim': 'claim',
            '#run': 'run',
            '#stepIndex': 'stepIndex',
            '#leaseUntil': 'leaseUntil',
          },
          ExpressionAttributeValues: { ':run': claim.run, ':step': claim.stepIndex, ':lease': claim.leaseUntil },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    const { UpdateCommand } = await sdk();
    const ids = parseEnrollmentId(enrollmentId);
    if (!ids) return;
    const send = (removeClaim: boolean) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.enrollment(ids.prospectId, ids.sequenceId),
          UpdateExpression: `SET #touches.#touchStep = :touch${removeClaim ? ' REMOVE #claim' : ''}`,
          ConditionExpression: removeClaim
            ? 'attribute_exists(pk) AND (attribute_not_exists(#claim) OR #claim.#stepIndex = :step)'
            : 'attribute_exists(pk)',
          ExpressionAttributeNames: {
            '#touches': 'touches',
            '#touchStep': touch.stepId,
            ...(removeClaim ? { '#claim': 'claim', '#stepIndex': 'stepIndex' } : {}),
          },
          ExpressionAttributeValues: { ':touch': clean(touch), ...(removeClaim ? { ':step': touch.stepIndex } : {}) },
        }),
      );
    try {
      // Drops the claim of this step; a claim of another step (a later run) stays.
      await send(true);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      try {
        await send(false);
      } catch (again) {
        // The enrollment is gone (erased): nothing left to record on.
        if (!isConditionalCheckFailed(again)) throw again;
      }
    }
  }

  async updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    const { UpdateCommand } = await sdk();
    const ids = parseEnrollmentId(update.enrollmentId);
    if (!ids || update.from.length === 0) return 'conflict';
    const fromValues = Object.fromEntries(update.from.map((status, i) => [`:from${i}`, status]));
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.enrollment(ids.prospectId, ids.sequenceId),
          UpdateExpression: `SET #touches.#step.#status = :status${update.error !== undefined ? ', #touches.#step.#error = :error' : ''}`,
          ConditionExpression:
            `attribute_exists(pk) AND #touches.#step.#providerMessageId = :providerMessageId` +
            ` AND #touches.#step.#status IN (${Object.keys(fromValues).join(', ')})`,
          ExpressionAttributeNames: {
            '#touches': 'touches',
            '#step': update.stepId,
            '#status': 'status',
            '#providerMessageId': 'providerMessageId',
            ...(update.error !== undefined ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: {
            ':status': update.status,
            ':providerMessageId': update.providerMessageId,
            ...fromValues,
            ...(update.error !== undefined ? { ':error': update.error } : {}),
          },
        }),
      );
      return 'ok';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  // ----- Consent ledger ----------------------------------------------------------------

  async getSuppression(address: string): Promise<Suppression | undefined> {
    const { GetCommand } = await sdk();
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.suppression(addressHash(address)),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<Suppression>(Item) : undefined;
  }

  async putSuppression(suppression: Suppression): Promise<void> {
    const { PutCommand } = await sdk();
    if (suppression.address !== undefined && addressHash(suppression.address) !== suppression.addressHash) {
      throw new Error('Suppression.addressHash must be addressHash(address) (domain/address-hash.ts)');
    }
    // A full put: erasing (an entry without `address`) must drop the plain address.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: toItem(keys.suppression(suppression.addressHash), 'suppression', suppression),
      }),
    );
  }

  async deleteSuppression(address: string): Promise<void> {
    const { DeleteCommand } = await sdk();
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.suppression(addressHash(address)) }),
    );
  }

  // ----- Timeline and counters ---------------------------------------------------------

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    await this.batchWrite(
      events.map((event) => ({ PutRequest: { Item: toItem(keys.timeline(event), 'timeline', event) } })),
    );
  }

  async listTimeline(prospectId: string): Promise<TimelineEvent[]> {
    const items = await this.queryPartition(`P#${prospectId}`, 'T#');
    return items.map((item) => fromItem<TimelineEvent>(item));
  }

  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    const { UpdateCommand } = await sdk();
    const entries = Object.entries(delta.deltas);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([counter, amount], i) => {
      if (counter === 'pk' || counter === 'sk') throw new Error(`Reserved counter name: ${counter}`);
      if (!Number.isFinite(amount)) throw new RangeError(`Counter ${counter}: ${amount} is not a finite number`);
      names[`#c${i}`] = counter;
      values[`:c${i}`] = amount;
      return `#c${i} :c${i}`;
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.counters(delta.sequenceId),
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    const { GetCommand } = await sdk();
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.counters(sequenceId), ConsistentRead: true }),
    );
    const counters: Record<string, number> = {};
    for (const [name, value] of Object.entries(Item ?? {})) {
      if (name !== 'pk' && name !== 'sk' && typeof value === 'number') counters[name] = value;
    }
    return counters;
  }

  // ----- Request plumbing --------------------------------------------------------------

  private async queryPartition(pk: string, skPrefix: string): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: true,
    });
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const { QueryCommand } = await sdk();
    const items: Item[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  private backoff(attempt: number): Promise<void> {
    const cap = Math.min(2000, this.retryBaseDelayMs * 2 ** attempt);
    return sleep(Math.random() * cap);
  }

  /** Consistent BatchGetItem: deduplicated keys, chunks of 100, bounded parallelism, retried UnprocessedKeys. */
  private async batchGet(requested: Key[], attributes?: readonly string[]): Promise<Item[]> {
    const { BatchGetCommand } = await sdk();
    const unique = [...new Map(requested.map((key) => [keyId(key), key])).values()];
    const results = await mapLimit(chunk(unique, MAX_BATCH_GET), this.batchConcurrency, async (chunkKeys) => {
      const items: Item[] = [];
      let pending: Record<string, unknown>[] = chunkKeys;
      for (let attempt = 0; ; attempt++) {
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ...(attributes
                  ? {
                      ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
                      ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
                    }
                  : {}),
              },
            },
          }),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []));
        const left = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (left.length === 0) return items;
        if (attempt >= this.maxBatchRetries) {
          throw new Error(`BatchGetItem: ${left.length} keys still unprocessed after ${attempt + 1} attempts`);
        }
        await this.backoff(attempt);
        pending = left;
      }
    });
    return results.flat();
  }

  /** BatchWriteItem: deduplicated keys (last wins), chunks of 25, bounded parallelism, retried UnprocessedItems. */
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    const { BatchWriteCommand } = await sdk();
    const byKey = new Map<string, WriteRequest>();
    for (const request of requests) {
      const key = (request.PutRequest?.Item ?? request.DeleteRequest?.Key) as { pk: unknown; sk: unknown };
      byKey.set(keyId(key), request);
    }
    await mapLimit(chunk([...byKey.values()], MAX_BATCH_WRITE), this.batchConcurrency, async (chunkRequests) => {
      let pending = chunkRequests;
      for (let attempt = 0; ; attempt++) {
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        const left = out.UnprocessedItems?.[this.tableName] ?? [];
        if (left.length === 0) return;
        if (attempt >= this.maxBatchRetries) {
          throw new Error(`BatchWriteItem: ${left.length} items still unprocessed after ${attempt + 1} attempts`);
        }
        await this.backoff(attempt);
        pending = left;
      }
    });
  }
}
