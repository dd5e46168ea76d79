/**
 * In-memory `Store` with the semantics of the DynamoDB adapter (the contract suite in
 * test/integration/store runs against both): conditional writes, ended statuses, the
 * claim on the enrollment, counters, the timeline sorted by `at`, erasure. Reads and
 * writes deep-clone, so a test cannot change stored state by mutating an object.
 *
 * `calls` counts invocations per method, e.g. `expect(store.calls.claimTouch).toBe(1)`.
 */
import { addressHash } from '../../functions/domain/address-hash.js';
import {
  ENDED_STATUSES,
  type Enrollment,
  type Prospect,
  type Suppression,
  type TimelineEvent,
  type TouchClaim,
  type TouchRecord,
} from '../../functions/domain/records.js';
import type { PublishedSequence } from '../../functions/domain/sequence.js';
import type {
  ConditionalWriteResult,
  EnrollmentAdvance,
  SequenceCounterDelta,
  Store,
  TouchMessage,
  TouchStatusUpdate,
} from '../../functions/ports.js';
import { parseEnrollmentId } from '../../functions/domain/enrollment.js';
import { timelineSortKey } from '../../functions/adapters/dynamodb/keys.js';

export type StoreMethod = keyof Store;

interface StoredClaim {
  run: number;
  stepIndex: number;
  leaseUntil: string;
  leaseUntilMs: number;
}

const clone = <T>(value: T): T => structuredClone(value);

/** Deep copy without `undefined` values, like an item written to DynamoDB. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clean(v);
    return out as T;
  }
  return value;
}

function newCalls(): Record<StoreMethod, number> {
  return {
    putSequenceVersion: 0,
    getCurrentSequence: 0,
    getSequenceVersion: 0,
    listSequences: 0,
    getProspect: 0,
    findProspectIdsByAddress: 0,
    getEnrollment: 0,
    listEnrollments: 0,
    getEnrollmentsAndSuppressions: 0,
    putEnrollmentBatch: 0,
    restartEnrollment: 0,
    loadTouchContext: 0,
    advanceEnrollment: 0,
    deleteProspectData: 0,
    recordTouch: 0,
    updateTouchStatus: 0,
    claimTouch: 0,
    releaseTouchClaim: 0,
    getSuppression: 0,
    putSuppression: 0,
    deleteSuppression: 0,
    appendTimeline: 0,
    listTimeline: 0,
    addToCounters: 0,
    getCounters: 0,
  };
}

export class InMemoryStore implements Store {
  /** Invocations per method since construction (or `resetCalls()`). */
  calls: Record<StoreMethod, number> = newCalls();

  private readonly versions = new Map<string, Map<number, PublishedSequence>>();
  private readonly prospects = new Map<string, Prospect>();
  private readonly enrollments = new Map<string, Enrollment>();
  private readonly claims = new Map<string, StoredClaim>();
  private readonly suppressions = new Map<string, Suppression>();
  /** prospectId → sort key (as in DynamoDB: UTC `at` + content hash) → event. */
  private readonly timeline = new Map<string, Map<string, TimelineEvent>>();
  private readonly counters = new Map<string, Record<string, number>>();

  resetCalls(): void {
    this.calls = newCalls();
  }

  // ----- Sequences ---------------------------------------------------------------------

  async putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    this.calls.putSequenceVersion++;
    const versions = this.versions.get(sequence.id) ?? new Map<number, PublishedSequence>();
    if (versions.has(sequence.version)) return 'conflict';
    versions.set(sequence.version, clone(sequence));
    this.versions.set(sequence.id, versions);
    return 'ok';
  }

  async getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    this.calls.getCurrentSequence++;
    return this.latest(sequenceId);
  }

  async getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    this.calls.getSequenceVersion++;
    const found = this.versions.get(sequenceId)?.get(version);
    return found ? clone(found) : undefined;
  }

  async listSequences(): Promise<PublishedSequence[]> {
    this.calls.listSequences++;
    return [...this.versions.keys()]
      .sort()
      .map((id) => this.latest(id))
      .filter((s): s is PublishedSequence => !!s);
  }

  private latest(sequenceId: string): PublishedSequence | undefined {
    const versions = this.versions.get(sequenceId);
    if (!versions || versions.size === 0) return undefined;
    return clone(versions.get(Math.max(...versions.keys())));
  }

  // ----- Prospects and enrollments -----------------------------------------------------

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    this.calls.getProspect++;
    const found = this.prospects.get(prospectId);
    return found ? clone(found) : undefined;
  }

  async findProspectIdsByAddress(address: string): Promise<string[]> {
    this.calls.findProspectIdsByAddress++;
    const hash = addressHash(address);
    return [...this.prospects.values()]
      .filter((p) => (p.email && addressHash(p.email) === hash) || (p.phone && addressHash(p.phone) === hash))
      .map((p) => p.id)
      .sort();
  }

  async getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    this.calls.getEnrollment++;
    const found = this.enrollments.get(enrollmentId);
    return found ? clone(found) : undefined;
  }

  async listEnrollments(prospectId: string): Promise<Enrollment[]> {
    this.calls.listEnrollments++;
    return [...this.enrollments.values()]
      .filter((e) => e.prospectId === prospectId)
      .sort((a, b) => (a.sequenceId < b.sequenceId ? -1 : a.sequenceId > b.sequenceId ? 1 : 0))
      .map(clone);
  }

  async getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
  ): Promise<{ enrollments: Map<string, Enrollment>; suppressions: Map<string, Suppression> }> {
    this.calls.getEnrollmentsAndSuppressions++;
    const enrollments = new Map<string, Enrollment>();
    for (const id of enrollmentIds) {
      const found = this.enrollments.get(id);
      if (found) enrollments.set(id, clone(found));
    }
    const suppressions = new Map<string, Suppression>();
    for (const address of addresses) {
      const found = this.suppressions.get(addressHash(address));
      if (found) suppressions.set(address, clone(found));
    }
    return { enrollments, suppressions };
  }

  async putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
  }): Promise<{ conflicts: Set<string> }> {
    this.calls.putEnrollmentBatch++;
    for (const prospect of items.prospects) {
      if (prospect.id.includes('.')) throw new Error(`Prospect id must not contain '.': ${prospect.id}`);
      this.prospects.set(prospect.id, clean(clone(prospect)));
    }
    const conflicts = new Set<string>();
    for (const enrollment of items.enrollments) {
      checkEnrollmentId(enrollment);
      if (this.enrollments.has(enrollment.id)) {
        conflicts.add(enrollment.id);
        continue;
      }
      this.enrollments.set(enrollment.id, clean(clone(enrollment)));
      this.claims.delete(enrollment.id);
    }
    this.putTimeline(items.timeline.filter((event) => !event.enrollmentId || !conflicts.has(event.enrollmentId)));
    return { conflicts };
  }

  async restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    this.calls.restartEnrollment++;
    checkEnrollmentId(enrollment);
    const existing = this.enrollments.get(enrollment.id);
    if (!existing || existing.run !== previousRun || !ENDED_STATUSES.includes(existing.status)) return 'conflict';
    this.enrollments.set(enrollment.id, clean(clone(enrollment)));
    this.claims.delete(enrollment.id);
    return 'ok';
  }

  async loadTouchContext(message: TouchMessage): Promise<{
    enrollment?: Enrollment;
    prospect?: Prospect;
    suppressions: Suppression[];
  }> {
    this.calls.loadTouchContext++;
    const enrollment = this.enrollments.get(message.enrollmentId);
    const prospect = this.prospects.get(message.prospectId);
    const messageHashes = [
      ...new Set([message.addressHashes?.email, message.addressHashes?.phone].filter((h): h is string => !!h)),
    ];
    const wanted = prospect
      ? [prospect.email, prospect.phone].filter((a): a is string => !!a).map(addressHash)
      : messageHashes;
    const suppressions = wanted
      .map((hash) => this.suppressions.get(hash))
      .filter((s): s is Suppression => !!s)
      .map(clone);
    return {
      ...(enrollment ? { enrollment: clone(enrollment) } : {}),
      ...(prospect ? { prospect: clone(prospect) } : {}),
      suppressions,
    };
  }

  async advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    this.calls.advanceEnrollment++;
    const existing = this.enrollments.get(advance.enrollmentId);
    const { expected, next } = advance;
    if (
      !existing ||
      existing.status !== expected.status ||
      existing.run !== expected.run ||
      existing.stepIndex !== expected.stepIndex
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
    if (next.thread !== undefined) updated.thread = clean(clone(next.thread));
    if (next.endedAt !== undefined) updated.endedAt = next.endedAt;
    if (next.endReason !== undefined) updated.endReason = next.endReason;
    if (advance.touch) updated.touches[advance.touch.stepId] = clean(clone(advance.touch));
    this.enrollments.set(updated.id, updated);
    this.claims.delete(updated.id);
    return 'ok';
  }

  async deleteProspectData(prospectId: string): Promise<void> {
    this.calls.deleteProspectData++;
    this.prospects.delete(prospectId);
    for (const [id, enrollment] of this.enrollments) {
      if (enrollment.prospectId === prospectId) {
        this.enrollments.delete(id);
        this.claims.delete(id);
      }
    }
    this.timeline.delete(prospectId);
  }

  async recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    this.calls.recordTouch++;
    const existing = this.enrollments.get(enrollmentId);
    if (!existing) return;
    existing.touches[touch.stepId] = clean(clone(touch));
    const claim = this.claims.get(enrollmentId);
    if (claim && claim.stepIndex === touch.stepIndex) this.claims.delete(enrollmentId);
  }

  async updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    this.calls.updateTouchStatus++;
    const touch = this.enrollments.get(update.enrollmentId)?.touches[update.stepId];
    if (!touch || touch.providerMessageId !== update.providerMessageId || !update.from.includes(touch.status)) {
      return 'conflict';
    }
    touch.status = update.status;
    if (update.error !== undefined) touch.error = update.error;
    return 'ok';
  }

  // ----- Exactly-once touches ----------------------------------------------------------

  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    this.calls.claimTouch++;
    const leaseUntilMs = new Date(claim.leaseUntil).getTime();
    if (Number.isNaN(leaseUntilMs)) throw new RangeError(`Invalid leaseUntil: ${claim.leaseUntil}`);
    const enrollment = this.enrollments.get(claim.enrollmentId);
    if (
      !enrollment ||
      enrollment.status !== 'active' ||
      enrollment.run !== claim.run ||
      enrollment.stepIndex !== claim.stepIndex
    ) {
      return 'conflict';
    }
    const held = this.claims.get(claim.enrollmentId);
    if (held && held.run === claim.run && held.stepIndex === claim.stepIndex && held.leaseUntilMs >= now.getTime()) {
      return 'conflict';
    }
    this.claims.set(claim.enrollmentId, {
      run: claim.run,
      stepIndex: claim.stepIndex,
      leaseUntil: claim.leaseUntil,
      leaseUntilMs,
    });
    return 'ok';
  }

  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    this.calls.releaseTouchClaim++;
    const held = this.claims.get(claim.enrollmentId);
    if (held && held.run === claim.run && held.stepIndex === claim.stepIndex && held.leaseUntil === claim.leaseUntil) {
      this.claims.delete(claim.enrollmentId);
    }
  }

  // ----- Consent ledger ----------------------------------------------------------------

  async getSuppression(address: string): Promise<Suppression | undefined> {
    this.calls.getSuppression++;
    const found = this.suppressions.get(addressHash(address));
    return found ? clone(found) : undefined;
  }

  async putSuppression(suppression: Suppression): Promise<void> {
    this.calls.putSuppression++;
    if (suppression.address !== undefined && addressHash(suppression.address) !== suppression.addressHash) {
      throw new Error('Suppression.addressHash must be addressHash(address) (domain/address-hash.ts)');
    }
    this.suppressions.set(suppression.addressHash, clean(clone(suppression)));
  }

  async deleteSuppression(address: string): Promise<void> {
    this.calls.deleteSuppression++;
    this.suppressions.delete(addressHash(address));
  }

  // ----- Timeline and counters ---------------------------------------------------------

  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    this.calls.appendTimeline++;
    this.putTimeline(events);
  }

  async listTimeline(prospectId: string): Promise<TimelineEvent[]> {
    this.calls.listTimeline++;
    const events = this.timeline.get(prospectId);
    if (!events) return [];
    return [...events.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, event]) => clone(event));
  }

  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    this.calls.addToCounters++;
    const counters = this.counters.get(delta.sequenceId) ?? {};
    for (const [name, amount] of Object.entries(delta.deltas)) {
      if (name === 'pk' || name === 'sk') throw new Error(`Reserved counter name: ${name}`);
      if (!Number.isFinite(amount)) throw new RangeError(`Counter ${name}: ${amount} is not a finite number`);
      counters[name] = (counters[name] ?? 0) + amount;
    }
    this.counters.set(delta.sequenceId, counters);
  }

  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    this.calls.getCounters++;
    return { ...(this.counters.get(sequenceId) ?? {}) };
  }

  // ----- Test helpers ------------------------------------------------------------------

  /** The claim currently held on an enrollment (not part of the Store port). */
  peekClaim(enrollmentId: string): Readonly<StoredClaim> | undefined {
    const held = this.claims.get(enrollmentId);
    return held ? clone(held) : undefined;
  }

  /** The stored enrollment, read synchronously (not part of the Store port; not counted in `calls`). */
  peekEnrollment(enrollmentId: string): Enrollment | undefined {
    const found = this.enrollments.get(enrollmentId);
    return found ? clone(found) : undefined;
  }

  private putTimeline(events: TimelineEvent[]): void {
    for (const event of events) {
      const sortKey = timelineSortKey(event);
      const events = this.timeline.get(event.prospectId) ?? new Map<string, TimelineEvent>();
      events.set(sortKey, clean(clone(event)));
      this.timeline.set(event.prospectId, events);
    }
  }
}

function checkEnrollmentId(enrollment: Enrollment): void {
  const ids = parseEnrollmentId(enrollment.id);
  if (!ids || ids.prospectId !== enrollment.prospectId || ids.sequenceId !== enrollment.sequenceId) {
    throw new Error(`Enrollment id ${enrollment.id} must be "<prospectId>.<sequenceId>"`);
  }
}
