import { addressHash } from '../../../functions/domain/address-hash.js';
import { parseEnrollmentId } from '../../../functions/domain/enrollment.js';
import {
  ENDED_STATUSES,
  type Enrollment,
  type EnrollmentSummary,
  type Prospect,
  type ReplyRecord,
  type Suppression,
  type TimelineEvent,
  type TouchRecord,
} from '../../../functions/domain/records.js';
import type { TouchMessage } from '../../../functions/domain/touch-message.js';
import type {
  ConditionalWriteResult,
  EnrollmentAdvance,
  EnrollmentReads,
  EnrollmentStore,
  PhoneHolders,
  SequenceEnrollmentsQuery,
  TouchStatusUpdate,
} from '../../../functions/ports.js';
import { checkStartKey, decodeCursor, encodeCursor } from '../../../functions/adapters/dynamodb/cursors.js';
import { enrollmentSummaryFromItem } from '../../../functions/adapters/dynamodb/items.js';
import {
  checkStepIndex,
  enrollmentIndexKeys,
  keys,
  sequencePk,
  sequenceSort,
  sequenceSortPrefix,
} from '../../../functions/adapters/dynamodb/keys.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { byString, clone, stored, type FakeTables } from './state.js';
import { putTimeline } from './timeline.js';
import { ledgerKey } from './consent.js';
import { timelineSortKey } from '../../../functions/adapters/dynamodb/keys.js';

export class FakeEnrollments implements EnrollmentStore {
  constructor(private readonly tables: FakeTables) {}

  async getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    const found = this.tables.enrollments.get(enrollmentId);
    return found ? clone(found) : undefined;
  }

  async listEnrollments(prospectId: string): Promise<Enrollment[]> {
    return [...this.tables.enrollments.values()]
      .filter((e) => e.prospectId === prospectId)
      .sort((a, b) => byString(a.sequenceId, b.sequenceId))
      .map(clone);
  }

  /** Like the adapter: the by-sequence index's order, range, filter, page size and cursors. */
  async listEnrollmentsBySequence(query: SequenceEnrollmentsQuery): Promise<Page<EnrollmentSummary>> {
    const limit = checkPageLimit(query.limit);
    const seqKey = sequencePk(query.sequenceId);
    const sortPrefix = query.status !== undefined ? sequenceSortPrefix(query.status) : undefined;
    const filterStep = query.stepIndex !== undefined ? checkStepIndex(query.stepIndex) : undefined;
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'sequence').after, {
          attributes: ['pk', 'sk', 'seqKey', 'seqSort'],
          expected: { seqKey },
          prefixes: { pk: 'P#', sk: 'E#', seqSort: sortPrefix ?? '' },
        })
      : undefined;
    const entries: IndexEntry<Enrollment>[] = [...this.tables.enrollments.values()].map((enrollment) => {
      const indexed: Record<string, string> = { ...enrollmentIndexKeys(enrollment), seqSort: this.tables.sequenceSorts.get(enrollment.id) ?? sequenceSort(enrollment) };
      return {
        partition: String(indexed['seqKey']),
        sort: String(indexed['seqSort']),
        startKey: { ...keys.enrollment(enrollment.prospectId, enrollment.sequenceId), ...indexed },
        value: enrollment,
      };
    });
    const page = queryIndex(entries, {
      partition: seqKey,
      ...(sortPrefix ? { prefix: sortPrefix } : {}),
      limit,
      ...(after ? { after: String(after['seqSort']) } : {}),
      ...(filterStep !== undefined ? { filter: (enrollment: Enrollment) => enrollment.stepIndex === filterStep } : {}),
    });
    return {
      items: page.values.map((enrollment) => enrollmentSummaryFromItem({ ...clone(enrollment), ...keys.enrollment(enrollment.prospectId, enrollment.sequenceId) })),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind: 'sequence', after: page.lastKey }) } : {}),
    };
  }

  async getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
    prospectIds: string[] = [],
    phones: string[] = [],
  ): Promise<EnrollmentReads> {
    const enrollments = new Map<string, Enrollment>();
    for (const id of enrollmentIds) {
      const found = this.tables.enrollments.get(id);
      if (found) enrollments.set(id, clone(found));
    }
    const suppressions = new Map<string, Suppression>();
    const replies = new Map<string, ReplyRecord>();
    for (const address of addresses) {
      const found = this.tables.suppressions.get(addressHash(address));
      if (found) suppressions.set(address, clone(found));
      const reply = this.tables.replies.get(addressHash(address));
      if (reply) replies.set(address, clone(reply));
    }
    const prospects = new Map<string, Prospect>();
    for (const id of prospectIds) {
      const found = this.tables.prospects.get(id);
      if (found) prospects.set(id, clone(found));
    }
    const phoneHolders = new Map<string, string[]>();
    for (const phone of phones) {
      const found = this.tables.phoneHolders.get(addressHash(phone));
      if (found) phoneHolders.set(phone, [...found]);
    }
    // Like the adapter: the marker is only read along with some phone's holders.
    const phoneHoldersComplete = phones.length > 0 && this.tables.phoneHoldersComplete;
    return { enrollments, suppressions, replies, prospects, phoneHolders, phoneHoldersComplete };
  }

  /** Unconditional, like the adapter's batched writes: the caller holds the lanes' leases. */
  async putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
    phoneHolders?: PhoneHolders[];
  }): Promise<void> {
    for (const prospect of items.prospects) checkProspectId(prospect.id);
    for (const { phone, prospectIds } of items.phoneHolders ?? []) {
      this.tables.phoneHolders.set(addressHash(phone), [...new Set(prospectIds)].sort(byString));
    }
    items.enrollments.forEach(checkEnrollmentId);
    items.timeline.forEach(timelineSortKey);
    for (const prospect of items.prospects) this.tables.prospects.set(prospect.id, stored(prospect));
    for (const enrollment of items.enrollments) {
      this.tables.enrollments.set(enrollment.id, stored(enrollment));
      this.tables.sequenceSorts.set(enrollment.id, sequenceSort(enrollment));
      // A full put replaces the item, and with it any claim that was on it.
      this.tables.claims.delete(enrollment.id);
    }
    putTimeline(this.tables, items.timeline);
  }

  async arePhoneHoldersComplete(): Promise<boolean> {
    return this.tables.phoneHoldersComplete;
  }

  async markPhoneHoldersComplete(): Promise<void> {
    this.tables.phoneHoldersComplete = true;
  }

  async listAccountEnrollments(sequenceId: string, domain: string): Promise<Pick<Enrollment, 'id' | 'prospectId' | 'status'>[]> {
    return [...this.tables.enrollments.values()]
      .filter((e) => e.sequenceId === sequenceId && e.accountDomain === domain)
      .sort((a, b) => byString(a.prospectId, b.prospectId))
      .map(({ id, prospectId, status }) => ({ id, prospectId, status }));
  }

  async restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    checkEnrollmentId(enrollment);
    const existing = this.tables.enrollments.get(enrollment.id);
    if (!existing || existing.run !== previousRun || !ENDED_STATUSES.includes(existing.status)) return 'conflict';
    this.tables.enrollments.set(enrollment.id, stored(enrollment));
    this.tables.sequenceSorts.set(enrollment.id, sequenceSort(enrollment));
    this.tables.claims.delete(enrollment.id);
    return 'ok';
  }

  async loadTouchContext(message: TouchMessage): Promise<{
    enrollment?: Enrollment;
    prospect?: Prospect;
    suppressions: Suppression[];
  }> {
    const enrollment = this.tables.enrollments.get(message.enrollmentId);
    const prospect = this.tables.prospects.get(message.prospectId);
    const hashes = prospect
      ? { email: prospect.email ? addressHash(prospect.email) : undefined, phone: prospect.phone ? addressHash(prospect.phone) : undefined }
      : (message.addressHashes ?? {});
    // The address's own ledger entry, and a phone's `call` entry.
    const wanted = [
      ...(hashes.email ? [ledgerKey(hashes.email)] : []),
      ...(hashes.phone ? [ledgerKey(hashes.phone), ledgerKey(hashes.phone, 'call')] : []),
    ];
    const suppressions = wanted
      .map((key) => this.tables.suppressions.get(key))
      .filter((s): s is Suppression => !!s)
      .map(clone);
    return {
      ...(enrollment ? { enrollment: clone(enrollment) } : {}),
      ...(prospect ? { prospect: clone(prospect) } : {}),
      suppressions,
    };
  }

  async advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    const existing = this.tables.enrollments.get(advance.enrollmentId);
    const { expected, next } = advance;
    if (
      !existing ||
      existing.status !== expected.status ||
      existing.run !== expected.run ||
      existing.stepIndex !== expected.stepIndex
    ) {
      return 'conflict';
    }
    if (
      advance.expectedTask &&
      (existing.awaitingTask?.taskId !== advance.expectedTask.taskId || existing.awaitingTask.attempt !== advance.expectedTask.attempt)
    ) {
      return 'conflict';
    }
    const updated: Enrollment = clone(existing);
    updated.status = next.status;
    updated.stepIndex = next.stepIndex;
    updated.updatedAt = next.updatedAt;
    for (const field of ['nextTouchAt', 'pendingScheduleName', 'resumeAt'] as const) {
      if (next[field] !== undefined) updated[field] = next[field];
      else delete updated[field];
    }
    if (next.awaitingTask !== undefined) updated.awaitingTask = stored(next.awaitingTask);
    else delete updated.awaitingTask;
    if (next.thread !== undefined) updated.thread = stored(next.thread);
    if (next.endedAt !== undefined) updated.endedAt = next.endedAt;
    if (next.endReason !== undefined) updated.endReason = next.endReason;
    if (next.lastTaskOutcome !== undefined) updated.lastTaskOutcome = stored(next.lastTaskOutcome);
    if (advance.touch) updated.touches[advance.touch.stepId] = stored(advance.touch);
    this.tables.enrollments.set(updated.id, updated);
    if (updated.status !== existing.status) this.tables.sequenceSorts.set(updated.id, sequenceSort(updated));
    this.tables.claims.delete(updated.id);
    return 'ok';
  }

  async recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    const existing = this.tables.enrollments.get(enrollmentId);
    if (!existing) return;
    existing.touches[touch.stepId] = stored(touch);
    const claim = this.tables.claims.get(enrollmentId);
    if (claim && claim.stepIndex === touch.stepIndex) this.tables.claims.delete(enrollmentId);
  }

  async updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    const touch = this.tables.enrollments.get(update.enrollmentId)?.touches[update.stepId];
    if (!touch || touch.providerMessageId !== update.providerMessageId || !update.from.includes(touch.status)) {
      return 'conflict';
    }
    touch.status = update.status;
    if (update.error !== undefined) touch.error = update.error;
    if (update.answeredBy !== undefined) touch.answeredBy = update.answeredBy;
    if (update.durationSeconds !== undefined) touch.durationSeconds = update.durationSeconds;
    return 'ok';
  }

  async markReplied(enrollmentId: string, run: number): Promise<ConditionalWriteResult> {
    const enrollment = this.tables.enrollments.get(enrollmentId);
    if (!enrollment || enrollment.run !== run || (enrollment.repliedRun !== undefined && enrollment.repliedRun >= run)) return 'conflict';
    enrollment.repliedRun = run;
    return 'ok';
  }
}

function checkProspectId(prospectId: string): void {
  if (prospectId.includes('.') || prospectId.includes('#')) {
    throw new Error(`Prospect id must not contain '.' or '#': ${prospectId}`);
  }
}

function checkEnrollmentId(enrollment: Enrollment): void {
  const ids = parseEnrollmentId(enrollment.id);
  if (!ids || ids.prospectId !== enrollment.prospectId || ids.sequenceId !== enrollment.sequenceId) {
    throw new Error(`Enrollment id ${enrollment.id} must be "<prospectId>.<sequenceId>"`);
  }
}
