/**
 * In-memory `Store` with the semantics of the DynamoDB adapter (the contract suite in
 * test/integration/store runs against both): conditional writes, ended statuses, the
 * claim on the enrollment, counters per day, the timeline sorted by `at`, erasure.
 * Reads and writes deep-clone, so a test cannot change stored state by mutating an
 * object. One part per aggregate, in `in-memory-store/`, like the adapter.
 *
 * `calls` counts invocations per method, e.g. `expect(store.calls.claimTouch).toBe(1)`.
 */
import type { Enrollment } from '../../functions/domain/records.js';
import type { Store } from '../../functions/ports.js';
import { FakeClaims } from './in-memory-store/claims.js';
import { FakeConsent } from './in-memory-store/consent.js';
import { FakeCounters } from './in-memory-store/counters.js';
import { FakeEnrollments } from './in-memory-store/enrollments.js';
import { FakeInbox } from './in-memory-store/inbox.js';
import { FakeLeases } from './in-memory-store/leases.js';
import { FakeIdempotency } from './in-memory-store/idempotency.js';
import { FakeProspects } from './in-memory-store/prospects.js';
import { FakeSequences } from './in-memory-store/sequences.js';
import { clone, FakeTables, type StoredClaim } from './in-memory-store/state.js';
import { FakeTimeline } from './in-memory-store/timeline.js';
import { FakeTasks } from './in-memory-store/tasks.js';
import { FakeUsers } from './in-memory-store/users.js';
import { FakeWebhookDeliveries } from './in-memory-store/webhook-deliveries.js';

export type StoreMethod = keyof Store;

const STORE_METHODS = [
  'putSequenceVersion',
  'getCurrentSequence',
  'getSequenceVersion',
  'listSequences',
  'listSequenceVersions',
  'getProspect',
  'putProspect',
  'findProspectIdsByAddress',
  'searchProspects',
  'deleteProspectData',
  'getEnrollment',
  'listEnrollments',
  'listEnrollmentsBySequence',
  'getEnrollmentsAndSuppressions',
  'putEnrollmentBatch',
  'markPhoneHoldersComplete',
  'arePhoneHoldersComplete',
  'listAccountEnrollments',
  'restartEnrollment',
  'loadTouchContext',
  'advanceEnrollment',
  'recordTouch',
  'updateTouchStatus',
  'markReplied',
  'claimTouch',
  'releaseTouchClaim',
  'claimTouchDay',
  'getSuppression',
  'putSuppression',
  'deleteSuppression',
  'putReplyRecord',
  'getReplyRecord',
  'deleteReplyRecord',
  'putConsentRecord',
  'getConsentRecord',
  'appendTimeline',
  'appendTimelineOnce',
  'listTimeline',
  'addToCounters',
  'getCounters',
  'getDailyCounters',
  'acquireLease',
  'renewLease',
  'releaseLease',
  'createTask',
  'getTask',
  'replaceTask',
  'listTasks',
  'getUser',
  'putUser',
  'listUsers',
  'recordWebhookDelivery',
  'listWebhookDeliveries',
  'putInboxItem',
  'getInboxItem',
  'listInbox',
  'setInboxHandled',
  'claimIdempotencyKey',
  'releaseIdempotencyKey',
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
  private readonly leases = new FakeLeases(this.tables);
  private readonly tasks = new FakeTasks(this.tables);
  private readonly users = new FakeUsers(this.tables);
  private readonly deliveries = new FakeWebhookDeliveries(this.tables);
  private readonly inbox = new FakeInbox(this.tables);
  private readonly idempotency = new FakeIdempotency(this.tables);

  resetCalls(): void {
    this.calls = newCalls();
  }

  private count(method: StoreMethod): void {
    this.calls[method]++;
  }

  // ----- Sequences ------------------------------------------------------------
  async putSequenceVersion(...args: Parameters<Store['putSequenceVersion']>): ReturnType<Store['putSequenceVersion']> {
    this.count('putSequenceVersion');
    return this.sequences.putSequenceVersion(...args);
  }
  async getCurrentSequence(...args: Parameters<Store['getCurrentSequence']>): ReturnType<Store['getCurrentSequence']> {
    this.count('getCurrentSequence');
    return this.sequences.getCurrentSequence(...args);
  }
  async getSequenceVersion(...args: Parameters<Store['getSequenceVersion']>): ReturnType<Store['getSequenceVersion']> {
    this.count('getSequenceVersion');
    return this.sequences.getSequenceVersion(...args);
  }
  async listSequences(...args: Parameters<Store['listSequences']>): ReturnType<Store['listSequences']> {
    this.count('listSequences');
    return this.sequences.listSequences(...args);
  }
  async listSequenceVersions(...args: Parameters<Store['listSequenceVersions']>): ReturnType<Store['listSequenceVersions']> {
    this.count('listSequenceVersions');
    return this.sequences.listSequenceVersions(...args);
  }

  // ----- Prospects ------------------------------------------------------------
  async getProspect(...args: Parameters<Store['getProspect']>): ReturnType<Store['getProspect']> {
    this.count('getProspect');
    return this.prospects.getProspect(...args);
  }
  async putProspect(...args: Parameters<Store['putProspect']>): ReturnType<Store['putProspect']> {
    this.count('putProspect');
    return this.prospects.putProspect(...args);
  }
  async searchProspects(...args: Parameters<Store['searchProspects']>): ReturnType<Store['searchProspects']> {
    this.count('searchProspects');
    return this.prospects.searchProspects(...args);
  }
  async findProspectIdsByAddress(...args: Parameters<Store['findProspectIdsByAddress']>): ReturnType<Store['findProspectIdsByAddress']> {
    this.count('findProspectIdsByAddress');
    return this.prospects.findProspectIdsByAddress(...args);
  }
  async deleteProspectData(...args: Parameters<Store['deleteProspectData']>): ReturnType<Store['deleteProspectData']> {
    this.count('deleteProspectData');
    return this.prospects.deleteProspectData(...args);
  }

  // ----- Enrollments ----------------------------------------------------------
  async getEnrollment(...args: Parameters<Store['getEnrollment']>): ReturnType<Store['getEnrollment']> {
    this.count('getEnrollment');
    return this.enrollments.getEnrollment(...args);
  }
  async listEnrollments(...args: Parameters<Store['listEnrollments']>): ReturnType<Store['listEnrollments']> {
    this.count('listEnrollments');
    return this.enrollments.listEnrollments(...args);
  }
  async listEnrollmentsBySequence(...args: Parameters<Store['listEnrollmentsBySequence']>): ReturnType<Store['listEnrollmentsBySequence']> {
    this.count('listEnrollmentsBySequence');
    return this.enrollments.listEnrollmentsBySequence(...args);
  }
  async getEnrollmentsAndSuppressions(...args: Parameters<Store['getEnrollmentsAndSuppressions']>): ReturnType<Store['getEnrollmentsAndSuppressions']> {
    this.count('getEnrollmentsAndSuppressions');
    return this.enrollments.getEnrollmentsAndSuppressions(...args);
  }
  async putEnrollmentBatch(...args: Parameters<Store['putEnrollmentBatch']>): ReturnType<Store['putEnrollmentBatch']> {
    this.count('putEnrollmentBatch');
    return this.enrollments.putEnrollmentBatch(...args);
  }
  async arePhoneHoldersComplete(): ReturnType<Store['arePhoneHoldersComplete']> {
    this.count('arePhoneHoldersComplete');
    return this.enrollments.arePhoneHoldersComplete();
  }
  async markPhoneHoldersComplete(): ReturnType<Store['markPhoneHoldersComplete']> {
    this.count('markPhoneHoldersComplete');
    return this.enrollments.markPhoneHoldersComplete();
  }
  /**
   * Test set-up: the store as a table kept from a version before phone holders items (its
   * profiles are not listed, and no marker says so), like a `--data-dir` or a deployed table.
   */
  asTableFromBeforePhoneHolders(): void {
    this.tables.phoneHoldersComplete = false;
  }
  async listAccountEnrollments(...args: Parameters<Store['listAccountEnrollments']>): ReturnType<Store['listAccountEnrollments']> {
    this.count('listAccountEnrollments');
    return this.enrollments.listAccountEnrollments(...args);
  }
  async restartEnrollment(...args: Parameters<Store['restartEnrollment']>): ReturnType<Store['restartEnrollment']> {
    this.count('restartEnrollment');
    return this.enrollments.restartEnrollment(...args);
  }
  async loadTouchContext(...args: Parameters<Store['loadTouchContext']>): ReturnType<Store['loadTouchContext']> {
    this.count('loadTouchContext');
    return this.enrollments.loadTouchContext(...args);
  }
  async advanceEnrollment(...args: Parameters<Store['advanceEnrollment']>): ReturnType<Store['advanceEnrollment']> {
    this.count('advanceEnrollment');
    return this.enrollments.advanceEnrollment(...args);
  }
  async recordTouch(...args: Parameters<Store['recordTouch']>): ReturnType<Store['recordTouch']> {
    this.count('recordTouch');
    return this.enrollments.recordTouch(...args);
  }
  async updateTouchStatus(...args: Parameters<Store['updateTouchStatus']>): ReturnType<Store['updateTouchStatus']> {
    this.count('updateTouchStatus');
    return this.enrollments.updateTouchStatus(...args);
  }
  async markReplied(...args: Parameters<Store['markReplied']>): ReturnType<Store['markReplied']> {
    this.count('markReplied');
    return this.enrollments.markReplied(...args);
  }

  // ----- Claims ---------------------------------------------------------------
  async claimTouch(...args: Parameters<Store['claimTouch']>): ReturnType<Store['claimTouch']> {
    this.count('claimTouch');
    return this.claims.claimTouch(...args);
  }
  async releaseTouchClaim(...args: Parameters<Store['releaseTouchClaim']>): ReturnType<Store['releaseTouchClaim']> {
    this.count('releaseTouchClaim');
    return this.claims.releaseTouchClaim(...args);
  }
  async claimTouchDay(...args: Parameters<Store['claimTouchDay']>): ReturnType<Store['claimTouchDay']> {
    this.count('claimTouchDay');
    return this.claims.claimTouchDay(...args);
  }

  // ----- Consent ledger -------------------------------------------------------
  async getSuppression(...args: Parameters<Store['getSuppression']>): ReturnType<Store['getSuppression']> {
    this.count('getSuppression');
    return this.consent.getSuppression(...args);
  }
  async putSuppression(...args: Parameters<Store['putSuppression']>): ReturnType<Store['putSuppression']> {
    this.count('putSuppression');
    return this.consent.putSuppression(...args);
  }
  async deleteSuppression(...args: Parameters<Store['deleteSuppression']>): ReturnType<Store['deleteSuppression']> {
    this.count('deleteSuppression');
    return this.consent.deleteSuppression(...args);
  }

  async putReplyRecord(...args: Parameters<Store['putReplyRecord']>): ReturnType<Store['putReplyRecord']> {
    this.count('putReplyRecord');
    return this.consent.putReplyRecord(...args);
  }
  async getReplyRecord(...args: Parameters<Store['getReplyRecord']>): ReturnType<Store['getReplyRecord']> {
    this.count('getReplyRecord');
    return this.consent.getReplyRecord(...args);
  }
  async deleteReplyRecord(...args: Parameters<Store['deleteReplyRecord']>): ReturnType<Store['deleteReplyRecord']> {
    this.count('deleteReplyRecord');
    return this.consent.deleteReplyRecord(...args);
  }
  async putConsentRecord(...args: Parameters<Store['putConsentRecord']>): ReturnType<Store['putConsentRecord']> {
    this.count('putConsentRecord');
    return this.consent.putConsentRecord(...args);
  }
  async getConsentRecord(...args: Parameters<Store['getConsentRecord']>): ReturnType<Store['getConsentRecord']> {
    this.count('getConsentRecord');
    return this.consent.getConsentRecord(...args);
  }

  // ----- Timeline -------------------------------------------------------------
  async appendTimeline(...args: Parameters<Store['appendTimeline']>): ReturnType<Store['appendTimeline']> {
    this.count('appendTimeline');
    return this.timeline.appendTimeline(...args);
  }
  async appendTimelineOnce(...args: Parameters<Store['appendTimelineOnce']>): ReturnType<Store['appendTimelineOnce']> {
    this.count('appendTimelineOnce');
    return this.timeline.appendTimelineOnce(...args);
  }
  async listTimeline(...args: Parameters<Store['listTimeline']>): ReturnType<Store['listTimeline']> {
    this.count('listTimeline');
    return this.timeline.listTimeline(...args);
  }

  // ----- Counters -------------------------------------------------------------
  async addToCounters(...args: Parameters<Store['addToCounters']>): ReturnType<Store['addToCounters']> {
    this.count('addToCounters');
    return this.counters.addToCounters(...args);
  }
  async getCounters(...args: Parameters<Store['getCounters']>): ReturnType<Store['getCounters']> {
    this.count('getCounters');
    return this.counters.getCounters(...args);
  }
  async getDailyCounters(...args: Parameters<Store['getDailyCounters']>): ReturnType<Store['getDailyCounters']> {
    this.count('getDailyCounters');
    return this.counters.getDailyCounters(...args);
  }

  // ----- Leases ---------------------------------------------------------------
  async acquireLease(...args: Parameters<Store['acquireLease']>): ReturnType<Store['acquireLease']> {
    this.count('acquireLease');
    return this.leases.acquireLease(...args);
  }
  async renewLease(...args: Parameters<Store['renewLease']>): ReturnType<Store['renewLease']> {
    this.count('renewLease');
    return this.leases.renewLease(...args);
  }
  async releaseLease(...args: Parameters<Store['releaseLease']>): ReturnType<Store['releaseLease']> {
    this.count('releaseLease');
    return this.leases.releaseLease(...args);
  }
  // ----- Tasks ----------------------------------------------------------------
  async createTask(...args: Parameters<Store['createTask']>): ReturnType<Store['createTask']> {
    this.count('createTask');
    return this.tasks.createTask(...args);
  }
  async getTask(...args: Parameters<Store['getTask']>): ReturnType<Store['getTask']> {
    this.count('getTask');
    return this.tasks.getTask(...args);
  }
  async replaceTask(...args: Parameters<Store['replaceTask']>): ReturnType<Store['replaceTask']> {
    this.count('replaceTask');
    return this.tasks.replaceTask(...args);
  }
  async listTasks(...args: Parameters<Store['listTasks']>): ReturnType<Store['listTasks']> {
    this.count('listTasks');
    return this.tasks.listTasks(...args);
  }

  // ----- Users ----------------------------------------------------------------
  async getUser(...args: Parameters<Store['getUser']>): ReturnType<Store['getUser']> {
    this.count('getUser');
    return this.users.getUser(...args);
  }
  async putUser(...args: Parameters<Store['putUser']>): ReturnType<Store['putUser']> {
    this.count('putUser');
    return this.users.putUser(...args);
  }
  async listUsers(...args: Parameters<Store['listUsers']>): ReturnType<Store['listUsers']> {
    this.count('listUsers');
    return this.users.listUsers(...args);
  }

  // ----- Webhook deliveries ---------------------------------------------------
  async recordWebhookDelivery(...args: Parameters<Store['recordWebhookDelivery']>): ReturnType<Store['recordWebhookDelivery']> {
    this.count('recordWebhookDelivery');
    return this.deliveries.recordWebhookDelivery(...args);
  }
  async listWebhookDeliveries(...args: Parameters<Store['listWebhookDeliveries']>): ReturnType<Store['listWebhookDeliveries']> {
    this.count('listWebhookDeliveries');
    return this.deliveries.listWebhookDeliveries(...args);
  }

  // ----- Inbox ----------------------------------------------------------------
  async putInboxItem(...args: Parameters<Store['putInboxItem']>): ReturnType<Store['putInboxItem']> {
    this.count('putInboxItem');
    return this.inbox.putInboxItem(...args);
  }
  async getInboxItem(...args: Parameters<Store['getInboxItem']>): ReturnType<Store['getInboxItem']> {
    this.count('getInboxItem');
    return this.inbox.getInboxItem(...args);
  }
  async listInbox(...args: Parameters<Store['listInbox']>): ReturnType<Store['listInbox']> {
    this.count('listInbox');
    return this.inbox.listInbox(...args);
  }
  async setInboxHandled(...args: Parameters<Store['setInboxHandled']>): ReturnType<Store['setInboxHandled']> {
    this.count('setInboxHandled');
    return this.inbox.setInboxHandled(...args);
  }

  // ----- Idempotency records --------------------------------------------------
  async claimIdempotencyKey(...args: Parameters<Store['claimIdempotencyKey']>): ReturnType<Store['claimIdempotencyKey']> {
    this.count('claimIdempotencyKey');
    return this.idempotency.claimIdempotencyKey(...args);
  }
  async releaseIdempotencyKey(...args: Parameters<Store['releaseIdempotencyKey']>): ReturnType<Store['releaseIdempotencyKey']> {
    this.count('releaseIdempotencyKey');
    return this.idempotency.releaseIdempotencyKey(...args);
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
