/**
 * The one table definition, used by the CDK stack and the embedded runtime alike so
 * they cannot drift. The key layout is documented next to the store adapter
 * (`adapters/dynamodb-store.ts`).
 */
export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    /** Sparse: prospects by the hash of a channel address (email or phone). */
    { indexName: 'byAddress', partitionKey: { name: 'addrKey', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
    /** Sparse: listings, e.g. every sequence's current version. */
    { indexName: 'byList', partitionKey: { name: 'listKey', type: 'S' }, sortKey: { name: 'listSort', type: 'S' } },
  ],
} as const;

export type TableDefinition = typeof TABLE_DEFINITION;

