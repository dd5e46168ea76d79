/**
 * In-memory `Store` with the semantics of the DynamoDB adapter (the contract suite in
 * test/integration/store runs against both): conditional writes, ended statuses, the
 * claim on the enrollment, counters per day, the timeline sorted by `at`, erasure.
 * Reads and writes deep-clone, so a test cannot change stored state by mutating an
 * object. One part per aggregate, in `in-memory-store/`, like the adapter.
 *
 * `calls` counts invocations per method, e.g. `expect(store.calls.claimTouch).toBe(1)`.
 */
import type { Enrollment, Prospect, Suppression, TimelineEvent, TouchClaim, TouchRecord } from '../../functions/domain/records.js';
import type { PublishedSequence } from '../../functions/domain/sequence.js';
import type { TouchMessage } from '../../functions/domain/touch-message.js';
import type {
  ConditionalWriteResult,
  DailyCounters,
  EnrollmentAdvance,
  SequenceCounterDelta,
  Store,
  TouchStatusUpdate,
} from '../../functions/ports.js';
import { FakeClaims } from './in-memory-store/claims.js';
import { FakeConsent } from './in-memory-store/consent.js';
import { FakeCounters } from './in-memory-store/counters.js';
import { FakeEnrollments } from './in-memory-store/enrollments.js';
import { FakeProspects } from './in-memory-store/prospects.js';
import { FakeSequences } from './in-memory-store/sequences.js';
import { clone, FakeTables, type StoredClaim } from './in-memory-store/state.js';
import { FakeTimeline } from './in-memory-store/timeline.js';

export type StoreMethod = keyof Store;

const STORE_METHODS = [
  'putSequenceVersion',
  'getCurrentSequence',
  'getSequenceVersion',
  'listSequences',
  'getProspect',
  'findProspectIdsByAddress',
  'deleteProspectData',
  'getEnrollment',
  'listEnrollments',
  'getEnrollmentsAndSuppressions',
  'putEnrollmentBatch',
  'restartEnrollment',
  'loadTouchContext',
  'advanceEnrollment',
  'recordTouch',
  'updateTouchStatus',
  'claimTouch',
  'releaseTouchClaim',
  'getSuppression',
  'putSuppression',
  'deleteSuppression',
  'appendTimeline',
  'listTimeline',
  'addToCounters',
  'getCounters',
  'getDailyCounters',
] as const satisfies readonly StoreMethod[];

// Every method of the port is counted: a method missing from the list fails to compile.
type Uncounted = Exclude<StoreMethod, (typeof STORE_METHODS)[number]>;
const everyMethodCounted: Uncounted extends never ? true : Uncounted = true;

function newCalls(): Record<StoreMethod, number> {
  void everyMethodCounted;
  return Object.fromEntries(STORE_METHODS.map((method) => [method, 0])) as Record<StoreMethod, number>;
}

export class InMemoryStore implements Store {
  /** Invocations per method since construction (or `resetCalls()`). */
  calls: Record<StoreMethod, number> = newCalls();

  private readonly tables = new FakeTables();
  private readonly sequences = new FakeSequences(this.tables);
  private readonly prospects = new FakeProspects(this.tables);
  private readonly enrollments = new FakeEnrollments(this.tables);
  private readonly claims = new FakeClaims(this.tables);
  private readonly consent = new FakeConsent(this.tables);
  private readonly timeline = new FakeTimeline(this.tables);
  private readonly counters = new FakeCounters(this.tables);

  resetCalls(): void {
    this.calls = newCalls();
  }

  private count(method: StoreMethod): void {
    this.calls[method]++;
  }

  // ----- Sequences ---------------------------------------------------------------------
  async putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    this.count('putSequenceVersion');
    return this.sequences.putSequenceVersion(sequence);
  }
  async getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    this.count('getCurrentSequence');
    return this.sequences.getCurrentSequence(sequenceId);
  }
  async getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    this.count('getSequenceVersion');
    return this.sequences.getSequenceVersion(sequenceId, version);
  }
  async listSequences(): Promise<PublishedSequence[]> {
    this.count('listSequences');
    return this.sequences.listSequences();
  }

  // ----- Prospects ---------------------------------------------------------------------
  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    this.count('getProspect');
    return this.prospects.getProspect(prospectId);
  }
  async findProspectIdsByAddress(address: string): Promise<string[]> {
    this.count('findProspectIdsByAddress');
    return this.prospects.findProspectIdsByAddress(address);
  }
  async deleteProspectData(prospectId: string): Promise<void> {
    this.count('deleteProspectData');
    return this.prospects.deleteProspectData(prospectId);
  }

  // ----- Enrollments -------------------------------------------------------------------
  async getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    this.count('getEnrollment');
    return this.enrollments.getEnrollment(enrollmentId);
  }
  async listEnrollments(prospectId: string): Promise<Enrollment[]> {
    this.count('listEnrollments');
    return this.enrollments.listEnrollments(prospectId);
  }
  async getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
  ): Promise<{ enrollments: Map<string, Enrollment>; suppressions: Map<string, Suppression> }> {
    this.count('getEnrollmentsAndSuppressions');
    return this.enrollments.getEnrollmentsAndSuppressions(enrollmentIds, addresses);
  }
  async putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
  }): Promise<{ conflicts: Set<string> }> {
    this.count('putEnrollmentBatch');
    return this.enrollments.putEnrollmentBatch(items);
  }
  async restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    this.count('restartEnrollment');
    return this.enrollments.restartEnrollment(enrollment, previousRun);
  }
  async loadTouchContext(
    message: TouchMessage,
  ): Promise<{ enrollment?: Enrollment; prospect?: Prospect; suppressions: Suppression[] }> {
    this.count('loadTouchContext');
    return this.enrollments.loadTouchContext(message);
  }
  async advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    this.count('advanceEnrollment');
    return this.enrollments.advanceEnrollment(advance);
  }
  async recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    this.count('recordTouch');
    return this.enrollments.recordTouch(enrollmentId, touch);
  }
  async updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    this.count('updateTouchStatus');
    return this.enrollments.updateTouchStatus(update);
  }

  // ----- Claims ------------------------------------------------------------------------
  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    this.count('claimTouch');
    return this.claims.claimTouch(claim, now);
  }
  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    this.count('releaseTouchClaim');
    return this.claims.releaseTouchClaim(claim);
  }

  // ----- Consent ledger ----------------------------------------------------------------
  async getSuppression(address: string): Promise<Suppression | undefined> {
    this.count('getSuppression');
    return this.consent.getSuppression(address);
  }
  async putSuppression(suppression: Suppression): Promise<void> {
    this.count('putSuppression');
    return this.consent.putSuppression(suppression);
  }
  async deleteSuppression(address: string): Promise<void> {
    this.count('deleteSuppression');
    return this.consent.deleteSuppression(address);
  }

  // ----- Timeline and counters ---------------------------------------------------------
  async appendTimeline(events: TimelineEvent[]): Promise<void> {
    this.count('appendTimeline');
    return this.timeline.appendTimeline(events);
  }
  async listTimeline(prospectId: string): Promise<TimelineEvent[]> {
    this.count('listTimeline');
    return this.timeline.listTimeline(prospectId);
  }
  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    this.count('addToCounters');
    return this.counters.addToCounters(delta);
  }
  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    this.count('getCounters');
    return this.counters.getCounters(sequenceId);
  }
  async getDailyCounters(sequenceId: string, fromDay: string, toDay: string): Promise<DailyCounters[]> {
    this.count('getDailyCounters');
    return this.counters.getDailyCounters(sequenceId, fromDay, toDay);
  }

  // ----- Test helpers (not part of the Store port; not counted in `calls`) -------------

  /** The claim currently held on an enrollment. */
  peekClaim(enrollmentId: string): Readonly<StoredClaim> | undefined {
    const held = this.tables.claims.get(enrollmentId);
    return held ? clone(held) : undefined;
  }

  /** The stored enrollment, read synchronously. */
  peekEnrollment(enrollmentId: string): Enrollment | undefined {
    const found = this.tables.enrollments.get(enrollmentId);
    return found ? clone(found) : undefined;
  }
}
