/**
 * Idempotency records: one item `I#<key>` / `I` each (layout in keys.ts), claimed with ONE
 * conditional PutItem and removed by DynamoDB's TTL after `expiresAt`.
 */
import type { ConditionalWriteResult, IdempotencyStore } from '../../ports.js';
import { absent, lessThan, or } from './conditions.js';
import { keys } from './keys.js';
import type { Table } from './requests.js';

export class DynamoIdempotency implements IdempotencyStore {
  constructor(private readonly table: Table) {}

  async claimIdempotencyKey(key: string, expiresAt: Date, now: Date): Promise<ConditionalWriteResult> {
    const seconds = Math.ceil(expiresAt.getTime() / 1000);
    if (!Number.isFinite(seconds)) throw new RangeError('expiresAt must be a valid date');
    // TTL removes items up to a few days late: an expired record counts as absent.
    return this.table.put(
      { ...keys.idempotency(key), entity: 'idempotency', expiresAt: seconds },
      or(absent(), lessThan('expiresAt', Math.floor(now.getTime() / 1000))),
    );
  }

  async releaseIdempotencyKey(key: string): Promise<void> {
    await this.table.delete(keys.idempotency(key));
  }
}
