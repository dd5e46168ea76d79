/**
 * The consent ledger: items per address hash, global to every sequence (keys.ts): the
 * suppression (`S`), the reply entry (`R`) and the latest consent (`C`).
 */
import { addressHash } from '../../domain/address-hash.js';
import type { ConsentChannel } from '../../domain/people-steps.js';
import type { ConsentRecord, ReplyRecord, Suppression } from '../../domain/records.js';
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

  async putReplyRecord(reply: ReplyRecord): Promise<void> {
    await this.table.put(toItem(keys.replyRecord(checkHash(reply.addressHash)), 'reply', reply));
  }

  async getReplyRecord(address: string): Promise<ReplyRecord | undefined> {
    const item = await this.table.get(keys.replyRecord(addressHash(address)));
    return item ? fromItem<ReplyRecord>(item) : undefined;
  }

  async deleteReplyRecord(address: string): Promise<void> {
    await this.table.delete(keys.replyRecord(addressHash(address)));
  }

  async putConsentRecord(consent: ConsentRecord): Promise<void> {
    await this.table.put(toItem(keys.consentRecord(checkHash(consent.addressHash)), 'consent', consent));
  }

  async getConsentRecord(address: string): Promise<ConsentRecord | undefined> {
    const item = await this.table.get(keys.consentRecord(addressHash(address)));
    return item ? fromItem<ConsentRecord>(item) : undefined;
  }
}

/** Ledger entries without a plain address are keyed by the hash they carry: it must be one. */
function checkHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('addressHash must be addressHash(address) (domain/address-hash.ts)');
  return hash;
}
