/** The consent ledger: one suppression item per address hash, global to every sequence. */
import { addressHash } from '../../domain/address-hash.js';
import type { ConsentChannel } from '../../domain/people-steps.js';
import type { Suppression } from '../../domain/records.js';
import type { ConsentStore } from '../../ports.js';
import { fromItem, toItem } from './items.js';
import { keys } from './keys.js';
import type { Table } from './requests.js';

export class DynamoConsent implements ConsentStore {
  constructor(private readonly table: Table) {}

  async getSuppression(address: string, channel?: ConsentChannel): Promise<Suppression | undefined> {
    const item = await this.table.get(keys.suppression(addressHash(address), channel));
    return item ? fromItem<Suppression>(item) : undefined;
  }

  async putSuppression(suppression: Suppression): Promise<void> {
    if (suppression.address !== undefined && addressHash(suppression.address) !== suppression.addressHash) {
      throw new Error('Suppression.addressHash must be addressHash(address) (domain/address-hash.ts)');
    }
    // A full put: erasing (an entry without `address`) must drop the plain address.
    await this.table.put(toItem(keys.suppression(suppression.addressHash, suppression.channel), 'suppression', suppression));
  }

  async deleteSuppression(address: string, channel?: ConsentChannel): Promise<void> {
    await this.table.delete(keys.suppression(addressHash(address), channel));
  }
}
