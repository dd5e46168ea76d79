/**
 * The one table definition, used by the CDK stack (infra/followup-engine.ts) and the
 * embedded runtime (adapters/create-table.ts) alike so they cannot drift: keys, indexes
 * and what each index projects. The key layout, and why each index exists, is documented
 * beside the store adapter (`adapters/dynamodb/keys.ts`).
 *
 * Every index is sparse: an item is in it only when it has the index's partition key.
 */
import { ENROLLMENT_SUMMARY_FIELDS, PROSPECT_SUMMARY_FIELDS } from './domain/records.js';

export type KeyType = 'S' | 'N' | 'B';

export type IndexProjection =
  | { type: 'ALL' }
  | { type: 'KEYS_ONLY' }
  | { type: 'INCLUDE'; nonKeyAttributes: readonly string[] };

export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    /** Prospect profiles by the hash of their email (exact lookups; the profile is read by key). */
    {
      indexName: 'byEmail',
      partitionKey: { name: 'emailKey', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      projection: { type: 'KEYS_ONLY' },
    },
    /** Prospect profiles by the hash of their phone. */
    {
      indexName: 'byPhone',
      partitionKey: { name: 'phoneKey', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      projection: { type: 'KEYS_ONLY' },
    },
    /** Prospect search by name prefix: a result list straight from the index. */
    {
      indexName: 'byName',
      partitionKey: { name: 'nameKey', type: 'S' },
      sortKey: { name: 'nameSort', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: PROSPECT_SUMMARY_FIELDS },
    },
    /** Prospect search by company prefix. */
    {
      indexName: 'byCompany',
      partitionKey: { name: 'companyKey', type: 'S' },
      sortKey: { name: 'companySort', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: PROSPECT_SUMMARY_FIELDS },
    },
    /** A sequence's enrollments by status, then by the step and next touch each took its status at (adapters/dynamodb/keys.ts, "bySequence"). */
    {
      indexName: 'bySequence',
      partitionKey: { name: 'seqKey', type: 'S' },
      sortKey: { name: 'seqSort', type: 'S' },
      projection: { type: 'INCLUDE', nonKeyAttributes: ENROLLMENT_SUMMARY_FIELDS },
    },
    /**
     * The inbox by kind, newest first (`inboxKey` = `INBOX#<kind>`, sorted like byList's
     * `INBOX` partition): filtering by kind stays one Query (keys.ts, "Inbox"). Also a
     * rep's tasks by status and due time (`inboxKey` = `U#<hash of their email>`,
     * `GET /tasks?assignee=`): a person's list, without a GSI of its own (keys.ts, "Tasks").
     */
    {
      indexName: 'byInbox',
      partitionKey: { name: 'inboxKey', type: 'S' },
      sortKey: { name: 'listSort', type: 'S' },
      projection: { type: 'ALL' },
    },
    /** Listings: every sequence's current version (`SEQUENCES`), the whole inbox (`INBOX`), every task (`TASKS`), every user (`USERS`). */
    {
      indexName: 'byList',
      partitionKey: { name: 'listKey', type: 'S' },
      sortKey: { name: 'listSort', type: 'S' },
      projection: { type: 'ALL' },
    },
  ],
} as const satisfies {
  partitionKey: { name: string; type: KeyType };
  sortKey: { name: string; type: KeyType };
  timeToLiveAttribute: string;
  globalSecondaryIndexes: readonly {
    indexName: string;
    partitionKey: { name: string; type: KeyType };
    sortKey: { name: string; type: KeyType };
    projection: IndexProjection;
  }[];
};

export type TableDefinition = typeof TABLE_DEFINITION;
export type IndexDefinition = TableDefinition['globalSecondaryIndexes'][number];
export type IndexName = IndexDefinition['indexName'];
