/**
 * Shapes every route shares: the error body, list pages, and the query parameters of
 * lists (`limit` 1..100, default 50; an opaque `cursor`). zod/mini through functions/zod.ts,
 * so the Lambda bundles, the web console and the CLI use the very same schemas. No
 * Node-only imports here.
 */
import * as z from '../zod.js';

/** Every 4xx/5xx answer: `{error, field?}` (`field` names the parameter or body field at fault). */
export const errorBody = z.object({
  error: z.string(),
  field: z.optional(z.string()),
  details: z.optional(z.unknown()),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `limit` as a query parameter: a whole number from 1 to 100 (default 50). */
export const limitParam = z._default(
  z.coerce.number({ error: 'limit must be a whole number from 1 to 100' }).check(
    z.int({ error: 'limit must be a whole number from 1 to 100' }),
    z.minimum(1, { error: 'limit must be a whole number from 1 to 100' }),
    z.maximum(MAX_PAGE_SIZE, { error: 'limit must be a whole number from 1 to 100' }),
  ),
  DEFAULT_PAGE_SIZE,
);

/** `cursor`: the `nextCursor` of the previous page, passed back unchanged. */
export const cursorParam = z.optional(z.string().check(z.minLength(1), z.maxLength(4096)));

/** A page of a list: `{items, nextCursor?}`. */
export function pageOf<T extends z.ZodMiniType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });
}

/** ISO 8601 UTC instant (`…Z`). */
export const instant = z.string();
/** ISO 8601 with the prospect's offset, for times a person reads. */
export const localTime = z.string();
