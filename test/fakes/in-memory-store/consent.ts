import { addressHash } from '../../../functions/domain/address-hash.js';
import type { ConsentChannel } from '../../../functions/domain/people-steps.js';
import type { Suppression } from '../../../functions/domain/records.js';
import type { ConsentStore } from '../../../functions/ports.js';
import { clone, stored, type FakeTables } from './state.js';

export class FakeConsent implements ConsentStore {
  constructor(private readonly tables: FakeTables) {}

  async getSuppression(address: string, channel?: ConsentChannel): Promise<Suppression | undefined> {
    const found = this.tables.suppressions.get(ledgerKey(addressHash(address), channel));
    return found ? clone(found) : undefined;
  }

  async putSuppression(suppression: Suppression): Promise<void> {
    if (suppression.address !== undefined && addressHash(suppression.address) !== suppression.addressHash) {
      throw new Error('Suppression.addressHash must be addressHash(address) (domain/address-hash.ts)');
    }
    this.tables.suppressions.set(ledgerKey(suppression.addressHash, suppression.channel), stored(suppression));
  }

  async deleteSuppression(address: string, channel?: ConsentChannel): Promise<void> {
    this.tables.suppressions.delete(ledgerKey(addressHash(address), channel));
  }
}

/** Like the adapter's keys: a phone's `call` entry apart from its own. */
export function ledgerKey(hash: string, channel?: ConsentChannel): string {
  return channel === 'call' ? `${hash}#call` : hash;
}
