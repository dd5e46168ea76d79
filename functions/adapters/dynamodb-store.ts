/**
 * DynamoDB implementation of the `Store` port: ONE table (`TABLE_DEFINITION`), no
 * transactions, every state change a single conditional write.
 *
 * This class only composes the aggregates in `dynamodb/`:
 * - `keys.ts`: the key layout (documented there) and every key builder;
 * - `items.ts`: records ↔ items; `conditions.ts`: conditions and updates from named parts;
 * - `requests.ts`: the request plumbing (one `conditionalWrite`, batches, pagination, retries);
 * - `sequences.ts`, `prospects.ts`, `enrollments.ts`, `claims.ts`, `consent.ts`,
 *   `timeline.ts`, `counters.ts`: one file per aggregate of the port.
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
import type { Enrollment, Prospect, Suppression, TimelineEvent, TouchClaim, TouchRecord } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { TouchMessage } from '../domain/touch-message.js';
import type {
  ConditionalWriteResult,
  DailyCounters,
  EnrollmentAdvance,
  SequenceCounterDelta,
  Store,
  TouchStatusUpdate,
} from '../ports.js';
import { DynamoClaims } from './dynamodb/claims.js';
import { DynamoConsent } from './dynamodb/consent.js';
import { DynamoCounters } from './dynamodb/counters.js';
import { DynamoEnrollments } from './dynamodb/enrollments.js';
import { DynamoProspects } from './dynamodb/prospects.js';
import { Table, type TableOptions } from './dynamodb/requests.js';
import { DynamoSequences } from './dynamodb/sequences.js';
import { DynamoTimeline } from './dynamodb/timeline.js';

export type DynamoDbStoreOptions = TableOptions;

export class DynamoDbStore implements Store {
  private readonly sequences: DynamoSequences;
  private readonly prospects: DynamoProspects;
  private readonly enrollments: DynamoEnrollments;
  private readonly claims: DynamoClaims;
  private readonly consent: DynamoConsent;
  private readonly timeline: DynamoTimeline;
  private readonly counters: DynamoCounters;

  constructor(options: DynamoDbStoreOptions) {
    const table = new Table(options);
    this.sequences = new DynamoSequences(table);
    this.prospects = new DynamoProspects(table);
    this.enrollments = new DynamoEnrollments(table);
    this.claims = new DynamoClaims(table);
    this.consent = new DynamoConsent(table);
    this.timeline = new DynamoTimeline(table);
    this.counters = new DynamoCounters(table);
  }

  // ----- Sequences ---------------------------------------------------------------------
  putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    return this.sequences.putSequenceVersion(sequence);
  }
  getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    return this.sequences.getCurrentSequence(sequenceId);
  }
  getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    return this.sequences.getSequenceVersion(sequenceId, version);
  }
  listSequences(): Promise<PublishedSequence[]> {
    return this.sequences.listSequences();
  }

  // ----- Prospects ---------------------------------------------------------------------
  getProspect(prospectId: string): Promise<Prospect | undefined> {
    return this.prospects.getProspect(prospectId);
  }
  findProspectIdsByAddress(address: string): Promise<string[]> {
    return this.prospects.findProspectIdsByAddress(address);
  }
  deleteProspectData(prospectId: string): Promise<void> {
    return this.prospects.deleteProspectData(prospectId);
  }

  // ----- Enrollments -------------------------------------------------------------------
  getEnrollment(enrollmentId: string): Promise<Enrollment | undefined> {
    return this.enrollments.getEnrollment(enrollmentId);
  }
  listEnrollments(prospectId: string): Promise<Enrollment[]> {
    return this.enrollments.listEnrollments(prospectId);
  }
  getEnrollmentsAndSuppressions(
    enrollmentIds: string[],
    addresses: string[],
  ): Promise<{ enrollments: Map<string, Enrollment>; suppressions: Map<string, Suppression> }> {
    return this.enrollments.getEnrollmentsAndSuppressions(enrollmentIds, addresses);
  }
  putEnrollmentBatch(items: {
    prospects: Prospect[];
    enrollments: Enrollment[];
    timeline: TimelineEvent[];
  }): Promise<{ conflicts: Set<string> }> {
    return this.enrollments.putEnrollmentBatch(items);
  }
  restartEnrollment(enrollment: Enrollment, previousRun: number): Promise<ConditionalWriteResult> {
    return this.enrollments.restartEnrollment(enrollment, previousRun);
  }
  loadTouchContext(message: TouchMessage): Promise<{ enrollment?: Enrollment; prospect?: Prospect; suppressions: Suppression[] }> {
    return this.enrollments.loadTouchContext(message);
  }
  advanceEnrollment(advance: EnrollmentAdvance): Promise<ConditionalWriteResult> {
    return this.enrollments.advanceEnrollment(advance);
  }
  recordTouch(enrollmentId: string, touch: TouchRecord): Promise<void> {
    return this.enrollments.recordTouch(enrollmentId, touch);
  }
  updateTouchStatus(update: TouchStatusUpdate): Promise<ConditionalWriteResult> {
    return this.enrollments.updateTouchStatus(update);
  }

  // ----- Claims ------------------------------------------------------------------------
  claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    return this.claims.claimTouch(claim, now);
  }
  releaseTouchClaim(claim: TouchClaim): Promise<void> {
    return this.claims.releaseTouchClaim(claim);
  }

  // ----- Consent ledger ----------------------------------------------------------------
  getSuppression(address: string): Promise<Suppression | undefined> {
    return this.consent.getSuppression(address);
  }
  putSuppression(suppression: Suppression): Promise<void> {
    return this.consent.putSuppression(suppression);
  }
  deleteSuppression(address: string): Promise<void> {
    return this.consent.deleteSuppression(address);
  }

  // ----- Timeline and counters ---------------------------------------------------------
  appendTimeline(events: TimelineEvent[]): Promise<void> {
    return this.timeline.appendTimeline(events);
  }
  listTimeline(prospectId: string): Promise<TimelineEvent[]> {
    return this.timeline.listTimeline(prospectId);
  }
  addToCounters(delta: SequenceCounterDelta): Promise<void> {
    return this.counters.addToCounters(delta);
  }
  getCounters(sequenceId: string): Promise<Record<string, number>> {
    return this.counters.getCounters(sequenceId);
  }
  getDailyCounters(sequenceId: string, fromDay: string, toDay: string): Promise<DailyCounters[]> {
    return this.counters.getDailyCounters(sequenceId, fromDay, toDay);
  }
}
