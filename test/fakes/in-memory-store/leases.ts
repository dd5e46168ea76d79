import type { ConditionalWriteResult, Lease, LeaseStore } from '../../../functions/ports.js';
import type { FakeTables } from './state.js';

export class FakeLeases implements LeaseStore {
  constructor(private readonly tables: FakeTables) {}

  async acquireLease(lease: Lease, now: Date): Promise<ConditionalWriteResult> {
    const untilMs = checked(lease);
    const held = this.tables.leases.get(lease.name);
    if (held && held.owner !== lease.owner && held.untilMs >= now.getTime()) return 'conflict';
    this.tables.leases.set(lease.name, { owner: lease.owner, until: lease.until, untilMs });
    return 'ok';
  }

  async renewLease(lease: Lease): Promise<ConditionalWriteResult> {
    const untilMs = checked(lease);
    const held = this.tables.leases.get(lease.name);
    if (!held || held.owner !== lease.owner) return 'conflict';
    this.tables.leases.set(lease.name, { owner: lease.owner, until: lease.until, untilMs });
    return 'ok';
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    if (this.tables.leases.get(name)?.owner === owner) this.tables.leases.delete(name);
  }
}

function checked(lease: Lease): number {
  const untilMs = Date.parse(lease.until);
  if (Number.isNaN(untilMs)) throw new RangeError(`Invalid lease until: ${lease.until}`);
  if (!lease.owner) throw new RangeError('A lease needs an owner');
  return untilMs;
}
