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
    /** Sort keys `>=` this (a key condition). */
    atLeast?: string;
    /** Sort keys up to this one, included (a BETWEEN's upper end). */
    to?: string;
    limit: number;
    /** The sort key of the start key: the page begins after it, in the direction read. */
    after?: string;
    /** ScanIndexForward: false. */
    descending?: boolean;
    filter?: (value: T) => boolean;
  },
): { values: T[]; lastKey?: StartKey } {
  const direction = query.descending ? -1 : 1;
  const read = entries
    .filter((entry) => entry.partition === query.partition && entry.sort.startsWith(query.prefix ?? ''))
    .filter((entry) => query.atLeast === undefined || entry.sort >= query.atLeast)
    .filter((entry) => query.to === undefined || entry.sort <= query.to)
    .filter((entry) => query.after === undefined || direction * byString(entry.sort, query.after) > 0)
    .sort((a, b) => direction * byString(a.sort, b.sort))
    .slice(0, query.limit);
  const last = read[read.length - 1];
  return {
    values: read.filter((entry) => query.filter?.(entry.value) ?? true).map((entry) => entry.value),
    ...(read.length === query.limit && last ? { lastKey: last.startKey } : {}),
  };
}
