/** Prospect profiles, the lookup by address, and erasure of a prospect's partition. */
import { addressHash } from '../../domain/address-hash.js';
import type { Prospect } from '../../domain/records.js';
import type { ProspectStore } from '../../ports.js';
import { fromItem } from './items.js';
import { addressKey, INDEX, keys, prospectIdOf, prospectPk } from './keys.js';
import type { Table } from './requests.js';

export class DynamoProspects implements ProspectStore {
  constructor(private readonly table: Table) {}

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    const item = await this.table.get(keys.profile(prospectId));
    return item ? fromItem<Prospect>(item) : undefined;
  }

  async findProspectIdsByAddress(address: string): Promise<string[]> {
    const items = await this.table.queryAll({
      IndexName: INDEX.byAddress,
      KeyConditionExpression: 'addrKey = :a',
      ExpressionAttributeValues: { ':a': addressKey(addressHash(address)) },
    });
    return [...new Set(items.map((item) => prospectIdOf(item['pk'])))];
  }

  async deleteProspectData(prospectId: string): Promise<void> {
    // Repeat while items appear (a touch in flight may still append to the timeline).
    for (let round = 0; round < 5; round++) {
      const items = await this.table.queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': prospectPk(prospectId) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      if (items.length === 0) return;
      await this.table.batchWrite(items.map((item) => ({ DeleteRequest: { Key: { pk: item['pk'], sk: item['sk'] } } })));
    }
  }
}
