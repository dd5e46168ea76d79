/**
 * Records ↔ items: what the adapter adds to a record when it stores it (keys, index keys,
 * `entity`), and strips again when it reads it back.
 */
import { addressHash } from '../../domain/address-hash.js';
import type { Prospect } from '../../domain/records.js';
import type { PublishedSequence } from '../../domain/sequence.js';
import type { Key } from './keys.js';

export type Item = Record<string, unknown>;

/** Attributes the store adds to an item; stripped when an item is turned back into a record. */
export const STORAGE_ATTRIBUTES = ['pk', 'sk', 'entity', 'expiresAt', 'addrKey', 'listKey', 'listSort', 'claim', 'writeToken'];

export type Entity =
  | 'prospect'
  | 'address'
  | 'enrollment'
  | 'timeline'
  | 'suppression'
  | 'sequence-version'
  | 'sequence-pointer';

/** Deep copy without `undefined` (DynamoDB has no such value). */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clean(v);
    return out as T;
  }
  return value;
}

export function toItem(key: Key, entity: Entity, record: object): Item {
  return { ...clean(record), ...key, entity };
}

export function fromItem<T>(item: Item): T {
  const record: Item = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete record[attribute];
  return record as T;
}

export function sequenceItem(key: Key, entity: Entity, sequence: PublishedSequence): Item {
  return {
    ...key,
    entity,
    sequenceId: sequence.id,
    version: sequence.version,
    hash: sequence.hash,
    publishedAt: sequence.publishedAt,
    body: JSON.stringify(sequence),
  };
}

export function sequenceFromItem(item: Item): PublishedSequence {
  return JSON.parse(String(item['body'])) as PublishedSequence;
}

/** The address hashes of a prospect's current email and phone. */
export function profileHashes(prospect: Pick<Prospect, 'email' | 'phone'>): string[] {
  const hashes: string[] = [];
  if (prospect.email) hashes.push(addressHash(prospect.email));
  if (prospect.phone) hashes.push(addressHash(prospect.phone));
  return hashes;
}
