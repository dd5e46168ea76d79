import { checkIdempotencyKey } from '../../../functions/adapters/dynamodb/keys.js';
import type { ConditionalWriteResult, IdempotencyStore } from '../../../functions/ports.js';
import type { FakeTables } from './state.js';

export class FakeIdempotency implements IdempotencyStore {
  constructor(private readonly tables: FakeTables) {}

  async claimIdempotencyKey(key: string, expiresAt: Date, now: Date): Promise<ConditionalWriteResult> {
    checkIdempotencyKey(key);
    const seconds = Math.ceil(expiresAt.getTime() / 1000);
    if (!Number.isFinite(seconds)) throw new RangeError('expiresAt must be a valid date');
    const held = this.tables.idempotency.get(key);
    if (held !== undefined && held >= Math.floor(now.getTime() / 1000)) return 'conflict';
    this.tables.idempotency.set(key, seconds);
    return 'ok';
  }

  async releaseIdempotencyKey(key: string): Promise<void> {
    checkIdempotencyKey(key);
    this.tables.idempotency.delete(key);
  }
}
