import { addressHash } from '../../../functions/domain/address-hash.js';
import type { Suppression } from '../../../functions/domain/records.js';
import type { ConsentStore } from '../../../functions/ports.js';
import { clone, stored, type FakeTables } from './state.js';

export class FakeConsent implements ConsentStore {
  constructor(private readonly tables: FakeTables) {}

  async getSuppression(address: string): Promise<Suppression | undefined> {
    const found = this.tables.suppressions.get(addressHash(address));
    return found ? clone(found) : undefined;
  }

  async putSuppression(suppression: Suppression): Promise<void> {
    if (suppression.address !== undefined && addressHash(suppression.address) !== suppression.addressHash) {
      throw new Error('Suppression.addressHash must be addressHash(address) (domain/address-hash.ts)');
    }
    this.tables.suppressions.set(suppression.addressHash, stored(suppression));
  }

  async deleteSuppression(address: string): Promise<void> {
    this.tables.suppressions.delete(addressHash(address));
  }
}
