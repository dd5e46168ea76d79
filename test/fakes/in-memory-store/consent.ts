import { addressHash } from '../../../functions/domain/address-hash.js';
import type { ConsentChannel } from '../../../functions/domain/people-steps.js';
import type { ConsentRecord, ReplyRecord, Suppression } from '../../../functions/domain/records.js';
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

  async putReplyRecord(reply: ReplyRecord): Promise<void> {
    this.tables.replies.set(checkHash(reply.addressHash), stored(reply));
  }

  async getReplyRecord(address: string): Promise<ReplyRecord | undefined> {
    const found = this.tables.replies.get(addressHash(address));
    return found ? clone(found) : undefined;
  }

  async deleteReplyRecord(address: string): Promise<void> {
    this.tables.replies.delete(addressHash(address));
  }

  async putConsentRecord(consent: ConsentRecord): Promise<void> {
    this.tables.consents.set(checkHash(consent.addressHash), stored(consent));
  }

  async getConsentRecord(address: string): Promise<ConsentRecord | undefined> {
    const found = this.tables.consents.get(addressHash(address));
    return found ? clone(found) : undefined;
  }
}

function checkHash(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('addressHash must be addressHash(address) (domain/address-hash.ts)');
  return hash;
}

/** Like the adapter's keys: a phone's `call` entry apart from its own. */
export function ledgerKey(hash: string, channel?: ConsentChannel): string {
  return channel === 'call' ? `${hash}#call` : hash;
}
