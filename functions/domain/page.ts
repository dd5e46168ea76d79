/**
 * Pages of a list: at most `limit` items and an opaque cursor for the next page. The
 * cursor is the store's business (it encodes where the query stopped); to everyone else
 * it is a string to pass back unchanged.
 */

export interface Page<T> {
  items: T[];
  /** Present when there may be more: pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

/** A query parameter a list cannot take (a step the sequence does not have, a filter without its partner). */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
  constructor(
    /** The request field to name in the 400 answer. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The most items a page may hold. */
export const MAX_PAGE_SIZE = 100;

/** A cursor that this list did not hand out (tampered, truncated, or from another list). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  /** The request field to name in the 400 answer. */
  readonly field = 'cursor';
  constructor(reason: string) {
    super(`cursor is not valid for this list: ${reason}`);
  }
}

/** A page size as lists accept it: a whole number from 1 to 100. */
export function checkPageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}
