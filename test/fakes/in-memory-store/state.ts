/**
 * The in-memory fake's tables, shared by its parts (one file per aggregate, like the
 * DynamoDB adapter), and the copy helpers that make it behave like a remote store: reads
 * and writes deep-clone, and a written record loses its `undefined` values.
 */
import type { ConsentRecord, Enrollment, Prospect, ReplyRecord, Suppression, Task, TimelineEvent } from '../../../functions/domain/records.js';
import type { PublishedSequence } from '../../../functions/domain/sequence.js';
import type { UserSettings } from '../../../functions/domain/user-progress.js';
import type { WebhookDelivery } from '../../../functions/domain/webhook-events.js';
import type { InboxItem } from '../../../functions/domain/inbox.js';

export interface StoredClaim {
  run: number;
  stepIndex: number;
  leaseUntil: string;
  leaseUntilMs: number;
}

export interface StoredLease {
  owner: string;
  until: string;
  untilMs: number;
}

export class FakeTables {
  readonly versions = new Map<string, Map<number, PublishedSequence>>();
  readonly prospects = new Map<string, Prospect>();
  readonly enrollments = new Map<string, Enrollment>();
  /** bySequence's sort text per enrollment id: like the adapter's, it moves only with the status. */
  readonly sequenceSorts = new Map<string, string>();
  readonly claims = new Map<string, StoredClaim>();
  /** `<addressHash>` for an address's own entry, `<addressHash>#call` for a phone's call entry (as the keys). */
  readonly suppressions = new Map<string, Suppression>();
  readonly tasks = new Map<string, Task>();
  /** By lower-case email. */
  readonly users = new Map<string, UserSettings>();
  /** By the delivery's sort key (at, event, endpoint, attempt). */
  readonly deliveries = new Map<string, WebhookDelivery>();
  /** Ledger entries by address hash, like the suppressions. */
  readonly replies = new Map<string, ReplyRecord>();
  readonly consents = new Map<string, ConsentRecord>();
  /** prospectId → sort key (as in DynamoDB: UTC `at` + content hash) → event. */
  readonly timeline = new Map<string, Map<string, TimelineEvent>>();
  /** sequenceId → UTC day → counters. */
  readonly counters = new Map<string, Map<string, Record<string, number>>>();
  readonly leases = new Map<string, StoredLease>();
  /** Inbox items by id. */
  readonly inbox = new Map<string, InboxItem>();
  /** Idempotency key → expiresAt (epoch seconds). */
  readonly idempotency = new Map<string, number>();
  /** Phone holders items by the phone's address hash (keys.ts, "phone holders"). */
  readonly phoneHolders = new Map<string, string[]>();
  /** The layout marker: a fresh store, like a table `createTable` made, has it. */
  phoneHoldersComplete = true;
}

export const clone = <T>(value: T): T => structuredClone(value);

/** Deep copy without `undefined` values, like an item written to DynamoDB. */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty: an attribute named `__proto__` is a key like any other (DynamoDB keeps it too).
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) Object.defineProperty(out, k, { value: clean(v), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}

/** Stores a copy: what the caller keeps mutating afterwards is not stored. */
export const stored = <T>(value: T): T => clean(clone(value));

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
