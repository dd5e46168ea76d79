/**
 * Enrollments: one item per prospect and sequence, holding its touches (and the claim,
 * see claims.ts). Also the batched reads and writes of enrolling, and the one read of a
 * touch. Layout in keys.ts.
 */
import { addressHash } from '../../domain/address-hash.js';
import { parseEnrollmentId } from '../../domain/enrollment.js';
import type { Enrollment, EnrollmentSummary, Prospect, ReplyRecord, Suppression, TimelineEvent, TouchRecord } from '../../domain/records.js';
import type { TouchMessage } from '../../domain/touch-message.js';
import { checkPageLimit, type Page } from '../../domain/page.js';
import type {
  ConditionalWriteResult,
  EnrollmentAdvance,
  EnrollmentReads,
  EnrollmentStore,
  PhoneHolders,
  SequenceEnrollmentsQuery,
  TouchStatusUpdate,
} from '../../ports.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from './cursors.js';
import { absent, and, enrollmentIs, equals, exists, lessThan, or, runEnded, touchIs, Update } from './conditions.js';
import {
  enrollmentFromItem,
  enrollmentIdsOfItem,
  enrollmentItem,
  enrollmentSummaryFromItem,
  fromItem,
  profileHashesByChannel,
  profileItem,
  prospectFromItem,
  storedTouch,
  toItem,
  type Entity,
  type Item,
} from './items.js';
import {
  accountListKey,
  checkStepIndex,
  enrollmentKeyOfId,
  INDEX,
  keyId,
  keys,
  prefix,
  prospectPk,
  sequencePk,
  sequenceSort,
  sequenceSortPrefix,
  type Key,
} from './keys.js';
import type { Table } from './requests.js';
import { timelinePut } from './timeline.js';

export class DynamoEnrollments implements EnrollmentStore {
  constructor(private readonly table: Table) {}

  async getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    const key = enrollmentKeyOfId(enrollmentId);
    if (!key) return undefined;
    const item = await this.table.get(key);
    return item ? enrollmentFromItem(item) : undefined;
  }

  async listEnrollments(prospectId: string): Promise<Enrollment[]> {
    const items = await this.table.queryPartition(prospectPk(prospectId), prefix.enrollment);
    return items.map((item) => enrollmentFromItem(item));
  }

  async listEnrollmentsBySequence(query: SequenceEnrollmentsQuery): Promise<Page<EnrollmentSummary>> {
    const limit = checkPageLimit(query.limit);
    const seqKey = sequencePk(query.sequenceId);
    const sortPrefix = query.status !== undefined ? sequenceSortPrefix(query.status) : undefined;
    // The key holds the step an enrollment entered its status at, not its current one.
    const filterStep = query.stepIndex !== undefined ? checkStepIndex(query.stepIndex) : undefined;
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'sequence').after, {
          attributes: ['pk', 'sk', 'seqKey', 'seqSort'],
          expected: { seqKey },
          prefixes: { pk: prefix.prospect, sk: prefix.enrollment, seqSort: sortPrefix ?? '' },
        })
      : undefined;
    const page = await this.table.queryPage(
      {
        IndexName: INDEX.bySequence,
        KeyConditionExpression: sortPrefix ? '#k = :k AND begins_with(#s, :p)' : '#k = :k',
        ...(filterStep !== undefined ? { FilterExpression: '#step = :step' } : {}),
        ExpressionAttributeNames: {
          '#k': 'seqKey',
          ...(sortPrefix ? { '#s': 'seqSort' } : {}),
          ...(filterStep !== undefined ? { '#step': 'stepIndex' } : {}),
        },
        ExpressionAttributeValues: {
          ':k': seqKey,
          ...(sortPrefix ? { ':p': sortPrefix } : {}),
          ...(filterStep !== undefined ? { ':step': filterStep } : {}),
        },
        Limit: limit,
      },
      after,
    );
    return {
      items: page.items.map(enrollmentSummaryFromItem),
      ...(page.lastEvaluatedKey
        ? { nextCursor: encodeCursor({ v: 1, kind: 'sequence', after: page.lastEvaluatedKey as StartKey }) }
        : {}),
    };
  }

  async getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
    prospectIds: string[] = [],
    phones: string[] = [],
  ): Promise<EnrollmentReads> {
    const requested: Key[] = [];
    for (const id of enrollmentIds) {
      const key = enrollmentKeyOfId(id);
      if (key) requested.push(key);
    }
    const hashOf = new Map(addresses.map((address) => [address, addressHash(address)]));
    // The ledger's suppression and reply entry of each address, in the same batch.
    for (const hash of hashOf.values()) requested.push(keys.suppression(hash), keys.replyRecord(hash));
    for (const id of prospectIds) requested.push(keys.profile(id));
    const phoneOf = new Map(phones.map((phone) => [addressHash(phone), phone]));
    for (const hash of phoneOf.keys()) requested.push(keys.phoneHolders(hash));
    if (phones.length > 0) requested.push(keys.phoneHoldersMarker());

    const items = await this.table.batchGet(requested);

    const enrollments = new Map<string, Enrollment>();
    const suppressionsByHash = new Map<string, Suppression>();
    const repliesByHash = new Map<string, ReplyRecord>();
    const prospects = new Map<string, Prospect>();
    const phoneHolders = new Map<string, string[]>();
    let phoneHoldersComplete = false;
    for (const item of items) {
      switch (item['entity'] as Entity) {
        case 'enrollment': {
          const enrollment = enrollmentFromItem(item);
          enrollments.set(enrollment.id, enrollment);
          break;
        }
        case 'suppression': {
          const suppression = fromItem<Suppression>(item);
          suppressionsByHash.set(suppression.addressHash, suppression);
          break;
        }
        case 'reply': {
          const reply = fromItem<ReplyRecord>(item);
          repliesByHash.set(reply.addressHash, reply);
          break;
        }
        case 'prospect': {
          const prospect = prospectFromItem(item);
          prospects.set(prospect.id, prospect);
          break;
        }
        case 'phone-holders': {
          const phone = phoneOf.get(String(item['pk']).slice('S#'.length));
          if (phone !== undefined) phoneHolders.set(phone, (item['prospectIds'] as string[] | undefined) ?? []);
          break;
        }
        case 'layout-marker':
          phoneHoldersComplete = true;
          break;
        default:
          break;
      }
    }
    const suppressions = new Map<string, Suppression>();
    const replies = new Map<string, ReplyRecord>();
    for (const [address, hash] of hashOf) {
      const suppression = suppressionsByHash.get(hash);
      if (suppression) suppressions.set(address, suppression);
      const reply = repliesByHash.get(hash);
      if (reply) replies.set(address, reply);
    }
    // Without phones nothing was asked about holders: the answer says "incomplete", the safe side.
    return { enrollments, suppressions, replies, prospects, phoneHolders, phoneHoldersComplete };
  }

  async putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
    phoneHolders?: PhoneHolders[];
  }): Promise<void> {
    // Every item is built (and its keys checked) before anything is written.
    const holders = (items.phoneHolders ?? []).map((entry) => ({ PutRequest: { Item: phoneHoldersItem(entry) } }));
    const profiles = items.prospects.map((prospect) => ({ PutRequest: { Item: profileItem(prospect) } }));
    const enrollments = items.enrollments.map((enrollment) => ({ PutRequest: { Item: enrollmentItem(enrollment) } }));
    const timeline = items.timeline.map(timelinePut);
    // Profiles first, with their address and search index keys: once an enrollment exists,
    // so does the profile it points to, and its phone lists it (phone holders ride with the
    // profiles: a profile alone, without enrollment, is nobody's running sequence).
    // Unconditional: the caller holds the lanes' leases.
    await this.table.batchWrite([...holders, ...profiles]);
    await this.table.batchWrite([...enrollments, ...timeline]);
  }

  async arePhoneHoldersComplete(): Promise<boolean> {
    return (await this.table.get(keys.phoneHoldersMarker())) !== undefined;
  }

  async markPhoneHoldersComplete(): Promise<void> {
    await this.table.put(toItem(keys.phoneHoldersMarker(), 'layout-marker', {}));
  }

  async listAccountEnrollments(sequenceId: string, domain: string): Promise<Pick<Enrollment, 'id' | 'prospectId' | 'status'>[]> {
    const items = await this.table.queryAll({
      IndexName: INDEX.byList,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': 'listKey', '#s': 'status' },
      ExpressionAttributeValues: { ':k': accountListKey(sequenceId, domain) },
      // The ids are the item's key (items.ts, enrollmentItem).
      ProjectionExpression: 'pk, sk, #s',
    });
    return items.map((item) => {
      const { id, prospectId } = enrollmentIdsOfItem(item);
      return { id, prospectId, status: item['status'] as Enrollment['status'] };
    });
  }

  async restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    return this.table.put(enrollmentItem(enrollment), runEnded(previousRun));
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
    // The ledger entries to read: the address's own (email, or a phone's SMS), and a phone's `call` entry.
    const messageKeys = ledgerKeys(message.addressHashes ?? {});
    const enrollmentKey = keys.enrollment(ids.prospectId, ids.sequenceId);
    const profileKey = keys.profile(message.prospectId);

    // One consistent BatchGetItem on the happy path.
    const items = await this.table.batchGet([enrollmentKey, profileKey, ...messageKeys]);
    let enrollment: Enrollment | undefined;
    let prospect: Prospect | undefined;
    const found = new Map<string, Suppression>();
    const collect = (item: Item) => {
      if (item['entity'] === 'suppression') found.set(keyId(item as { pk: unknown; sk: unknown }), fromItem<Suppression>(item));
    };
    for (const item of items) {
      const id = keyId(item as { pk: unknown; sk: unknown });
      if (id === keyId(enrollmentKey)) enrollment = enrollmentFromItem(item);
      else if (id === keyId(profileKey)) prospect = prospectFromItem(item);
      else collect(item);
    }

    // The prospect's CURRENT addresses decide; an address changed since scheduling (or a
    // message without hashes) costs one more read.
    const wanted = prospect ? ledgerKeys(profileHashesByChannel(prospect)) : messageKeys;
    const read = new Set(messageKeys.map(keyId));
    const missing = wanted.filter((key) => !read.has(keyId(key)));
    if (missing.length > 0) (await this.table.batchGet(missing)).forEach(collect);

    const suppressions = wanted.map((key) => found.get(keyId(key))).filter((s): s is Suppression => !!s);
    return {
      ...(enrollment ? { enrollment } : {}),
      ...(prospect ? { prospect } : {}),
      suppressions,
    };
  }

  async advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    const ids = parseEnrollmentId(advance.enrollmentId);
    if (!ids) return 'conflict';
    const { next } = advance;
    const update = new Update()
      .set('status', next.status)
      .set('stepIndex', next.stepIndex)
      .set('updatedAt', next.updatedAt);
    // bySequence's sort key moves only with the status (keys.ts, "bySequence"): an index
    // entry whose key changes is a delete and a put, 2 write units per touch instead of 1.
    if (next.status !== advance.expected.status) update.set('seqSort', sequenceSort({ ...next, prospectId: ids.prospectId }));
    // Scheduling fields describe "what is pending now": absent means nothing is pending.
    for (const field of ['nextTouchAt', 'pendingScheduleName', 'resumeAt', 'awaitingTask'] as const) update.setOrRemove(field, next[field]);
    // History fields are only ever set.
    for (const field of ['thread', 'endedAt', 'endReason', 'lastTaskOutcome'] as const) {
      if (next[field] !== undefined) update.set(field, next[field]);
    }
    // Whoever advances the enrollment ends any claim on it.
    update.remove('claim');
    if (advance.touch) update.set(['touches', advance.touch.stepId], storedTouch(advance.touch));
    const condition = advance.expectedTask
      ? and(enrollmentIs(advance.expected), equals(['awaitingTask', 'taskId'], advance.expectedTask.taskId), equals(['awaitingTask', 'attempt'], advance.expectedTask.attempt))
      : enrollmentIs(advance.expected);
    return this.table.update(keys.enrollment(ids.prospectId, ids.sequenceId), update, condition);
  }

  async recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    const key = enrollmentKeyOfId(enrollmentId);
    if (!key) return;
    const record = () => new Update().set(['touches', touch.stepId], storedTouch(touch));
    // Drops the claim of this step; a claim of another step (a later run) stays.
    const dropped = await this.table.update(
      key,
      record().remove('claim'),
      and(exists(), or(absent('claim'), equals(['claim', 'stepIndex'], touch.stepIndex))),
    );
    // The enrollment is gone (erased) when this conflicts too: nothing left to record on.
    if (dropped === 'conflict') await this.table.update(key, record(), exists());
  }

  async updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    const key = enrollmentKeyOfId(update.enrollmentId);
    if (!key || update.from.length === 0) return 'conflict';
    const write = new Update().set(['touches', update.stepId, 'status'], update.status);
    if (update.error !== undefined) write.set(['touches', update.stepId, 'error'], update.error);
    if (update.answeredBy !== undefined) write.set(['touches', update.stepId, 'answeredBy'], update.answeredBy);
    if (update.durationSeconds !== undefined) write.set(['touches', update.stepId, 'durationSeconds'], update.durationSeconds);
    return this.table.update(key, write, touchIs(update.stepId, update.providerMessageId, update.from));
  }

  async markReplied(enrollmentId: string, run: number): Promise<ConditionalWriteResult> {
    const key = enrollmentKeyOfId(enrollmentId);
    if (!key) return 'conflict';
    return this.table.update(key, new Update().set('repliedRun', run), and(exists(), equals('run', run), or(absent('repliedRun'), lessThan('repliedRun', run))));
  }
}

/** The consent-ledger keys of a prospect's addresses: the email's, the phone's SMS and call entries. */
function ledgerKeys(hashes: { email?: string; phone?: string }): Key[] {
  return [
    ...(hashes.email ? [keys.suppression(hashes.email)] : []),
    ...(hashes.phone ? [keys.suppression(hashes.phone), keys.suppression(hashes.phone, 'call')] : []),
  ];
}

/** A phone's holders item: the hash in the key, never the number. */
function phoneHoldersItem(entry: PhoneHolders): Item {
  return toItem(keys.phoneHolders(addressHash(entry.phone)), 'phone-holders', { prospectIds: [...new Set(entry.prospectIds)].sort() });
}
