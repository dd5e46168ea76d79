/**
 * DynamoDB implementation of the `Store` port: ONE table (`TABLE_DEFINITION`), no
 * transactions, every state change a single conditional write.
 *
 * This class only composes the aggregates in `dynamodb/`:
 * - `keys.ts`: THE KEY LAYOUT (items, indexes, hot keys, counters, leases, crash repair,
 *   documented there) and every key builder;
 * - `items.ts`: records ↔ items; `conditions.ts`: conditions and updates from named parts;
 * - `requests.ts`: the request plumbing (one `conditionalWrite`, batches, pagination,
 *   retries); `cursors.ts`: page cursors;
 * - `sequences.ts`, `prospects.ts` (+ `search.ts`), `enrollments.ts`, `claims.ts`,
 *   `consent.ts`, `timeline.ts`, `counters.ts`, `leases.ts`, `inbox.ts`, `idempotency.ts`,
 *   `tasks.ts`, `users.ts`, `webhook-deliveries.ts`: one file per aggregate.
 *
 * ## Reads
 *
 * Base-table reads are strongly consistent (`ConsistentRead`), index queries cannot be.
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
 * Batched writes cannot be conditional: `putEnrollmentBatch` replaces what it writes, and
 * its callers hold the enrollment lanes' leases (see the port) and pass the stored
 * `createdAt` of a re-imported profile.
 */
import type { Store } from '../ports.js';
import { DynamoClaims } from './dynamodb/claims.js';
import { DynamoConsent } from './dynamodb/consent.js';
import { DynamoCounters } from './dynamodb/counters.js';
import { DynamoEnrollments } from './dynamodb/enrollments.js';
import { DynamoInbox } from './dynamodb/inbox.js';
import { DynamoLeases } from './dynamodb/leases.js';
import { DynamoIdempotency } from './dynamodb/idempotency.js';
import { DynamoProspects } from './dynamodb/prospects.js';
import { Table, type TableOptions } from './dynamodb/requests.js';
import { DynamoSequences } from './dynamodb/sequences.js';
import { DynamoTimeline } from './dynamodb/timeline.js';
import { DynamoTasks } from './dynamodb/tasks.js';
import { DynamoUsers } from './dynamodb/users.js';
import { DynamoWebhookDeliveries } from './dynamodb/webhook-deliveries.js';

export type DynamoDbStoreOptions = TableOptions;

/** Every method is the port's (see functions/ports.ts for the contract), answered by its aggregate. */
export class DynamoDbStore implements Store {
  private readonly sequences: DynamoSequences;
  private readonly prospects: DynamoProspects;
  private readonly enrollments: DynamoEnrollments;
  private readonly claims: DynamoClaims;
  private readonly consent: DynamoConsent;
  private readonly timeline: DynamoTimeline;
  private readonly counters: DynamoCounters;
  private readonly leases: DynamoLeases;
  private readonly tasks: DynamoTasks;
  private readonly users: DynamoUsers;
  private readonly deliveries: DynamoWebhookDeliveries;
  private readonly inbox: DynamoInbox;
  private readonly idempotency: DynamoIdempotency;

  constructor(options: DynamoDbStoreOptions) {
    const table = new Table(options);
    this.sequences = new DynamoSequences(table);
    this.prospects = new DynamoProspects(table);
    this.enrollments = new DynamoEnrollments(table);
    this.claims = new DynamoClaims(table);
    this.consent = new DynamoConsent(table);
    this.timeline = new DynamoTimeline(table);
    this.counters = new DynamoCounters(table);
    this.leases = new DynamoLeases(table);
    this.tasks = new DynamoTasks(table);
    this.users = new DynamoUsers(table);
    this.deliveries = new DynamoWebhookDeliveries(table);
    this.inbox = new DynamoInbox(table);
    this.idempotency = new DynamoIdempotency(table);
  }

  // ----- Sequences ------------------------------------------------------------
  putSequenceVersion(...args: Parameters<Store['putSequenceVersion']>): ReturnType<Store['putSequenceVersion']> {
    return this.sequences.putSequenceVersion(...args);
  }
  getCurrentSequence(...args: Parameters<Store['getCurrentSequence']>): ReturnType<Store['getCurrentSequence']> {
    return this.sequences.getCurrentSequence(...args);
  }
  getSequenceVersion(...args: Parameters<Store['getSequenceVersion']>): ReturnType<Store['getSequenceVersion']> {
    return this.sequences.getSequenceVersion(...args);
  }
  listSequences(...args: Parameters<Store['listSequences']>): ReturnType<Store['listSequences']> {
    return this.sequences.listSequences(...args);
  }
  listSequenceVersions(...args: Parameters<Store['listSequenceVersions']>): ReturnType<Store['listSequenceVersions']> {
    return this.sequences.listSequenceVersions(...args);
  }

  // ----- Prospects ------------------------------------------------------------
  getProspect(...args: Parameters<Store['getProspect']>): ReturnType<Store['getProspect']> {
    return this.prospects.getProspect(...args);
  }
  putProspect(...args: Parameters<Store['putProspect']>): ReturnType<Store['putProspect']> {
    return this.prospects.putProspect(...args);
  }
  searchProspects(...args: Parameters<Store['searchProspects']>): ReturnType<Store['searchProspects']> {
    return this.prospects.searchProspects(...args);
  }
  findProspectIdsByAddress(...args: Parameters<Store['findProspectIdsByAddress']>): ReturnType<Store['findProspectIdsByAddress']> {
    return this.prospects.findProspectIdsByAddress(...args);
  }
  deleteProspectData(...args: Parameters<Store['deleteProspectData']>): ReturnType<Store['deleteProspectData']> {
    return this.prospects.deleteProspectData(...args);
  }

  // ----- Enrollments ----------------------------------------------------------
  getEnrollment(...args: Parameters<Store['getEnrollment']>): ReturnType<Store['getEnrollment']> {
    return this.enrollments.getEnrollment(...args);
  }
  listEnrollments(...args: Parameters<Store['listEnrollments']>): ReturnType<Store['listEnrollments']> {
    return this.enrollments.listEnrollments(...args);
  }
  listEnrollmentsBySequence(...args: Parameters<Store['listEnrollmentsBySequence']>): ReturnType<Store['listEnrollmentsBySequence']> {
    return this.enrollments.listEnrollmentsBySequence(...args);
  }
  getEnrollmentsAndSuppressions(...args: Parameters<Store['getEnrollmentsAndSuppressions']>): ReturnType<Store['getEnrollmentsAndSuppressions']> {
    return this.enrollments.getEnrollmentsAndSuppressions(...args);
  }
  putEnrollmentBatch(...args: Parameters<Store['putEnrollmentBatch']>): ReturnType<Store['putEnrollmentBatch']> {
    return this.enrollments.putEnrollmentBatch(...args);
  }
  arePhoneHoldersComplete(): ReturnType<Store['arePhoneHoldersComplete']> {
    return this.enrollments.arePhoneHoldersComplete();
  }
  markPhoneHoldersComplete(): ReturnType<Store['markPhoneHoldersComplete']> {
    return this.enrollments.markPhoneHoldersComplete();
  }
  listAccountEnrollments(...args: Parameters<Store['listAccountEnrollments']>): ReturnType<Store['listAccountEnrollments']> {
    return this.enrollments.listAccountEnrollments(...args);
  }
  restartEnrollment(...args: Parameters<Store['restartEnrollment']>): ReturnType<Store['restartEnrollment']> {
    return this.enrollments.restartEnrollment(...args);
  }
  loadTouchContext(...args: Parameters<Store['loadTouchContext']>): ReturnType<Store['loadTouchContext']> {
    return this.enrollments.loadTouchContext(...args);
  }
  advanceEnrollment(...args: Parameters<Store['advanceEnrollment']>): ReturnType<Store['advanceEnrollment']> {
    return this.enrollments.advanceEnrollment(...args);
  }
  recordTouch(...args: Parameters<Store['recordTouch']>): ReturnType<Store['recordTouch']> {
    return this.enrollments.recordTouch(...args);
  }
  updateTouchStatus(...args: Parameters<Store['updateTouchStatus']>): ReturnType<Store['updateTouchStatus']> {
    return this.enrollments.updateTouchStatus(...args);
  }
  markReplied(...args: Parameters<Store['markReplied']>): ReturnType<Store['markReplied']> {
    return this.enrollments.markReplied(...args);
  }

  // ----- Claims ---------------------------------------------------------------
  claimTouch(...args: Parameters<Store['claimTouch']>): ReturnType<Store['claimTouch']> {
    return this.claims.claimTouch(...args);
  }
  releaseTouchClaim(...args: Parameters<Store['releaseTouchClaim']>): ReturnType<Store['releaseTouchClaim']> {
    return this.claims.releaseTouchClaim(...args);
  }
  claimTouchDay(...args: Parameters<Store['claimTouchDay']>): ReturnType<Store['claimTouchDay']> {
    return this.claims.claimTouchDay(...args);
  }

  // ----- Consent ledger -------------------------------------------------------
  getSuppression(...args: Parameters<Store['getSuppression']>): ReturnType<Store['getSuppression']> {
    return this.consent.getSuppression(...args);
  }
  putSuppression(...args: Parameters<Store['putSuppression']>): ReturnType<Store['putSuppression']> {
    return this.consent.putSuppression(...args);
  }
  deleteSuppression(...args: Parameters<Store['deleteSuppression']>): ReturnType<Store['deleteSuppression']> {
    return this.consent.deleteSuppression(...args);
  }

  putReplyRecord(...args: Parameters<Store['putReplyRecord']>): ReturnType<Store['putReplyRecord']> {
    return this.consent.putReplyRecord(...args);
  }
  getReplyRecord(...args: Parameters<Store['getReplyRecord']>): ReturnType<Store['getReplyRecord']> {
    return this.consent.getReplyRecord(...args);
  }
  deleteReplyRecord(...args: Parameters<Store['deleteReplyRecord']>): ReturnType<Store['deleteReplyRecord']> {
    return this.consent.deleteReplyRecord(...args);
  }
  putConsentRecord(...args: Parameters<Store['putConsentRecord']>): ReturnType<Store['putConsentRecord']> {
    return this.consent.putConsentRecord(...args);
  }
  getConsentRecord(...args: Parameters<Store['getConsentRecord']>): ReturnType<Store['getConsentRecord']> {
    return this.consent.getConsentRecord(...args);
  }

  // ----- Timeline -------------------------------------------------------------
  appendTimeline(...args: Parameters<Store['appendTimeline']>): ReturnType<Store['appendTimeline']> {
    return this.timeline.appendTimeline(...args);
  }
  appendTimelineOnce(...args: Parameters<Store['appendTimelineOnce']>): ReturnType<Store['appendTimelineOnce']> {
    return this.timeline.appendTimelineOnce(...args);
  }
  listTimeline(...args: Parameters<Store['listTimeline']>): ReturnType<Store['listTimeline']> {
    return this.timeline.listTimeline(...args);
  }

  // ----- Counters -------------------------------------------------------------
  addToCounters(...args: Parameters<Store['addToCounters']>): ReturnType<Store['addToCounters']> {
    return this.counters.addToCounters(...args);
  }
  getCounters(...args: Parameters<Store['getCounters']>): ReturnType<Store['getCounters']> {
    return this.counters.getCounters(...args);
  }
  getDailyCounters(...args: Parameters<Store['getDailyCounters']>): ReturnType<Store['getDailyCounters']> {
    return this.counters.getDailyCounters(...args);
  }

  // ----- Leases ---------------------------------------------------------------
  acquireLease(...args: Parameters<Store['acquireLease']>): ReturnType<Store['acquireLease']> {
    return this.leases.acquireLease(...args);
  }
  renewLease(...args: Parameters<Store['renewLease']>): ReturnType<Store['renewLease']> {
    return this.leases.renewLease(...args);
  }
  releaseLease(...args: Parameters<Store['releaseLease']>): ReturnType<Store['releaseLease']> {
    return this.leases.releaseLease(...args);
  }

  // ----- Tasks ----------------------------------------------------------------
  createTask(...args: Parameters<Store['createTask']>): ReturnType<Store['createTask']> {
    return this.tasks.createTask(...args);
  }
  getTask(...args: Parameters<Store['getTask']>): ReturnType<Store['getTask']> {
    return this.tasks.getTask(...args);
  }
  replaceTask(...args: Parameters<Store['replaceTask']>): ReturnType<Store['replaceTask']> {
    return this.tasks.replaceTask(...args);
  }
  listTasks(...args: Parameters<Store['listTasks']>): ReturnType<Store['listTasks']> {
    return this.tasks.listTasks(...args);
  }

  // ----- Users ----------------------------------------------------------------
  getUser(...args: Parameters<Store['getUser']>): ReturnType<Store['getUser']> {
    return this.users.getUser(...args);
  }
  putUser(...args: Parameters<Store['putUser']>): ReturnType<Store['putUser']> {
    return this.users.putUser(...args);
  }
  listUsers(...args: Parameters<Store['listUsers']>): ReturnType<Store['listUsers']> {
    return this.users.listUsers(...args);
  }

  // ----- Webhook deliveries ---------------------------------------------------
  recordWebhookDelivery(...args: Parameters<Store['recordWebhookDelivery']>): ReturnType<Store['recordWebhookDelivery']> {
    return this.deliveries.recordWebhookDelivery(...args);
  }
  listWebhookDeliveries(...args: Parameters<Store['listWebhookDeliveries']>): ReturnType<Store['listWebhookDeliveries']> {
    return this.deliveries.listWebhookDeliveries(...args);
  }

  // ----- Inbox ----------------------------------------------------------------
  putInboxItem(...args: Parameters<Store['putInboxItem']>): ReturnType<Store['putInboxItem']> {
    return this.inbox.putInboxItem(...args);
  }
  getInboxItem(...args: Parameters<Store['getInboxItem']>): ReturnType<Store['getInboxItem']> {
    return this.inbox.getInboxItem(...args);
  }
  listInbox(...args: Parameters<Store['listInbox']>): ReturnType<Store['listInbox']> {
    return this.inbox.listInbox(...args);
  }
  setInboxHandled(...args: Parameters<Store['setInboxHandled']>): ReturnType<Store['setInboxHandled']> {
    return this.inbox.setInboxHandled(...args);
  }

  // ----- Idempotency records --------------------------------------------------
  claimIdempotencyKey(...args: Parameters<Store['claimIdempotencyKey']>): ReturnType<Store['claimIdempotencyKey']> {
    return this.idempotency.claimIdempotencyKey(...args);
  }

  releaseIdempotencyKey(...args: Parameters<Store['releaseIdempotencyKey']>): ReturnType<Store['releaseIdempotencyKey']> {
    return this.idempotency.releaseIdempotencyKey(...args);
  }
}
