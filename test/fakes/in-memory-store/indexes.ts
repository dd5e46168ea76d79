/**
 * The fake's global secondary indexes: a Query as DynamoDB answers it. Entries sorted by
 * sort key; `begins_with`; `Limit` counted on the items read, before any filter;
 * LastEvaluatedKey (the start key of the last item read) whenever `Limit` was reached,
 * even when nothing is left, exactly like DynamoDB and dynalite.
 */
import type { StartKey } from '../../../functions/adapters/dynamodb/cursors.js';
import { byString } from './state.js';

export interface IndexEntry<T> {
  partition: string;
  sort: string;
  /** The start key DynamoDB would give for this item (table keys + index keys). */
  startKey: StartKey;
  value: T;
}

export function queryIndex<T>(
  entries: IndexEntry<T>[],
  query: {
    partition: string;
    prefix?: string;
    /** Sort keys up to this one, included (a BETWEEN's upper end). */
    to?: string;
    /** Newest first (ScanIndexForward: false). */
    descending?: boolean;
    limit: number;
    after?: string;
    filter?: (value: T) => boolean;
  },
): { values: T[]; lastKey?: StartKey } {
  const read = entries
    .filter((entry) => entry.partition === query.partition && entry.sort.startsWith(query.prefix ?? ''))
    .filter((entry) => query.to === undefined || entry.sort <= query.to)
    .filter((entry) => query.after === undefined || (query.descending ? entry.sort < query.after : entry.sort > query.after))
    .sort((a, b) => (query.descending ? byString(b.sort, a.sort) : byString(a.sort, b.sort)))
    .slice(0, query.limit);
  const last = read[read.length - 1];
  return {
    values: read.filter((entry) => query.filter?.(entry.value) ?? true).map((entry) => entry.value),
    ...(read.length === query.limit && last ? { lastKey: last.startKey } : {}),
  };
}
