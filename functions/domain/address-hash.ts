/**
 * The hash that identifies a channel address (email or phone) in storage: suppression
 * keys, the by-address index and `TouchMessage.addressHashes` all use it, so there is
 * exactly one definition.
 *
 * sha256 hex of the address, trimmed and lower-cased. Callers pass the normalised address
 * (lower-case email, E.164 phone); trimming and lower-casing again here only guarantees
 * that a stray capital letter can never split one address into two suppressions.
 * Pure computation (no I/O): use cases may import it.
 */
import { createHash } from 'node:crypto';
import { LruCache } from './lru-cache.js';

/** Enrolling one list hashes each address four times (keys, index, touch message): remember recent ones. */
const recent = new LruCache<string, string>(20_000);

export function addressHash(address: string): string {
  let hash = recent.get(address);
  if (hash === undefined) {
    hash = createHash('sha256').update(address.trim().toLowerCase(), 'utf8').digest('hex');
    recent.set(address, hash);
  }
  return hash;
}
