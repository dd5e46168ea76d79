/** Prospect profiles, the lookup by address, and erasure of a prospect's partition. */
import type { Page } from '../../domain/page.js';
import type { Prospect, ProspectSummary } from '../../domain/records.js';
import type { ProspectSearch, ProspectStore } from '../../ports.js';
import { profileItem, prospectFromItem } from './items.js';
import { addressKey, INDEX, keys, prospectIdOf, prospectPk } from './keys.js';
import type { Table } from './requests.js';
import { DynamoSearch } from './search.js';

export class DynamoProspects implements ProspectStore {
  private readonly search: DynamoSearch;

  constructor(private readonly table: Table) {
    this.search = new DynamoSearch(table);
  }

  searchProspects(search: ProspectSearch): Promise<Page<ProspectSummary>> {
    return this.search.searchProspects(search);
  }

  async putProspect(prospect: Prospect): Promise<void> {
    await this.table.put(profileItem(prospect));
  }

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    const item = await this.table.get(keys.profile(prospectId));
    return item ? prospectFromItem(item) : undefined;
  }

  /** An address with `@` is an email (byEmail), any other a phone (byPhone). */
  async findProspectIdsByAddress(address: string): Promise<string[]> {
    const byEmail = address.includes('@');
    const items = await this.table.queryAll({
      IndexName: byEmail ? INDEX.byEmail : INDEX.byPhone,
      KeyConditionExpression: `${byEmail ? 'emailKey' : 'phoneKey'} = :a`,
      ExpressionAttributeValues: { ':a': addressKey(address) },
    });
    return [...new Set(items.map((item) => prospectIdOf(item['pk'])))];
  }

  async deleteProspectData(prospectId: string): Promise<void> {
    const profile = keys.profile(prospectId);
    // Repeat while items appear (a touch in flight may still append to the timeline). The
    // profile goes last, alone: an erasure that fails half way still finds the prospect
    // when it is asked again (use-cases/erase-prospect.ts), and finishes.
    for (let round = 0; round < 5; round++) {
      const items = await this.table.queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': prospectPk(prospectId) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      const rest = items.filter((item) => item['sk'] !== profile.sk);
      if (rest.length === 0) break;
      await this.table.batchWrite(rest.map((item) => ({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } })));
    }
    await this.table.delete(profile);
  }
}
