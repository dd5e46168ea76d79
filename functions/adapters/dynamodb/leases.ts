/**
 * Leases: one item `L#<name>` / `LEASE` each (layout in keys.ts). Every operation is ONE
 * conditional write on it.
 */
import type { ConditionalWriteResult, Lease, LeaseStore } from '../../ports.js';
import { absent, equals, lessThan, or, Update } from './conditions.js';
import { keys } from './keys.js';
import type { Table } from './requests.js';

/** Expired leases are removed by DynamoDB's TTL a day after they expire (free; no item lingers). */
const TTL_AFTER_EXPIRY_SECONDS = 86_400;

export class DynamoLeases implements LeaseStore {
  constructor(private readonly table: Table) {}

  async acquireLease(lease: Lease, now: Date): Promise<ConditionalWriteResult> {
    return this.table.update(
      keys.lease(lease.name),
      leaseUpdate(lease),
      or(absent(), lessThan('untilMs', now.getTime()), equals('owner', lease.owner)),
    );
  }

  async renewLease(lease: Lease): Promise<ConditionalWriteResult> {
    return this.table.update(keys.lease(lease.name), leaseUpdate(lease), equals('owner', lease.owner));
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.table.delete(keys.lease(name), equals('owner', owner));
  }
}

function leaseUpdate(lease: Lease): Update {
  const untilMs = Date.parse(lease.until);
  if (Number.isNaN(untilMs)) throw new RangeError(`Invalid lease until: ${lease.until}`);
  if (!lease.owner) throw new RangeError('A lease needs an owner');
  return new Update()
    .set('owner', lease.owner)
    .set('until', lease.until)
    .set('untilMs', untilMs)
    .set('expiresAt', Math.ceil(untilMs / 1000) + TTL_AFTER_EXPIRY_SECONDS);
}
