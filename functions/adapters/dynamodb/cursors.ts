/**
 * Page cursors: base64url JSON of where each Query stopped (its LastEvaluatedKey, or one
 * per index for a merged search). Opaque to callers; validated on the way back in, so a
 * tampered, truncated or foreign cursor is an `InvalidCursorError` (a 400 naming `cursor`)
 * and never reaches DynamoDB as a start key it would reject with a 500.
 */
import { InvalidCursorError } from '../../domain/page.js';
import * as z from '../../zod.js';

/** A start key as DynamoDB hands them out: attribute name → string or number. */
export type StartKey = Record<string, string | number>;

const MAX_CURSOR_LENGTH = 4_096;

const startKey = z.record(z.string(), z.union([z.string(), z.number()]));
const stream = z.union([z.literal('done'), z.object({ after: z.optional(startKey) })]);

const cursorSchema = z.union([
  z.object({ v: z.literal(1), kind: z.literal('sequence'), after: startKey }),
  z.object({ v: z.literal(1), kind: z.literal('email'), after: startKey }),
  z.object({ v: z.literal(1), kind: z.literal('phone'), after: startKey }),
  z.object({ v: z.literal(1), kind: z.literal('text'), name: stream, company: stream }),
  z.object({ v: z.literal(1), kind: z.literal('tasks'), after: startKey }),
  z.object({ v: z.literal(1), kind: z.literal('users'), after: startKey }),
  z.object({ v: z.literal(1), kind: z.literal('deliveries'), after: startKey }),
  // `filter`: the query the page belongs to (kind and since), so a cursor of another one is refused.
  z.object({ v: z.literal(1), kind: z.literal('inbox'), filter: z.string(), after: startKey }),
]);

export type Cursor = z.infer<typeof cursorSchema>;
export type StreamPosition = Extract<Cursor, { kind: 'text' }>['name'];

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** Decodes a cursor of `kind`; throws InvalidCursorError for anything else. */
export function decodeCursor<K extends Cursor['kind']>(text: string, kind: K): Extract<Cursor, { kind: K }> {
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('not a cursor this API wrote');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor this API wrote');
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError('not a cursor this API wrote');
  if (parsed.data.kind !== kind) throw new InvalidCursorError('it continues another kind of list');
  return parsed.data as Extract<Cursor, { kind: K }>;
}

/**
 * Checks that a start key is one of the Query being continued: exactly `attributes`, with
 * `expected` values (the partition) and sort keys that start with `prefixes`.
 */
export function checkStartKey(
  key: StartKey,
  shape: { attributes: readonly string[]; expected: Record<string, string>; prefixes: Record<string, string> },
): StartKey {
  const names = Object.keys(key).sort();
  if (names.join() !== [...shape.attributes].sort().join()) throw new InvalidCursorError('it does not point into this list');
  for (const [name, value] of Object.entries(shape.expected)) {
    if (key[name] !== value) throw new InvalidCursorError('it continues another list');
  }
  for (const [name, prefix] of Object.entries(shape.prefixes)) {
    const value = key[name];
    if (typeof value !== 'string' || !value.startsWith(prefix)) throw new InvalidCursorError('it continues another list');
  }
  return key;
}
