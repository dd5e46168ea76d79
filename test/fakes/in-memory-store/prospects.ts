import { addressHash } from '../../../functions/domain/address-hash.js';
import type { Prospect } from '../../../functions/domain/records.js';
import type { ProspectStore } from '../../../functions/ports.js';
import { clone, type FakeTables } from './state.js';

export class FakeProspects implements ProspectStore {
  constructor(private readonly tables: FakeTables) {}

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    const found = this.tables.prospects.get(prospectId);
    return found ? clone(found) : undefined;
  }

  /** Like the adapter: an address with `@` is looked up among emails, any other among phones. */
  async findProspectIdsByAddress(address: string): Promise<string[]> {
    const hash = addressHash(address);
    const field = address.includes('@') ? 'email' : 'phone';
    return [...this.tables.prospects.values()]
      .filter((p) => p[field] !== undefined && addressHash(p[field]) === hash)
      .map((p) => p.id)
      .sort();
  }

  async deleteProspectData(prospectId: string): Promise<void> {
    this.tables.prospects.delete(prospectId);
    for (const [id, enrollment] of this.tables.enrollments) {
      if (enrollment.prospectId === prospectId) {
        this.tables.enrollments.delete(id);
        this.tables.claims.delete(id);
      }
    }
    this.tables.timeline.delete(prospectId);
  }
}
