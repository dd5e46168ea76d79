/** Per-user settings and progress: one item per user, the team through byList. Layout in keys.ts. */
import { checkPageLimit, type Page } from '../../domain/page.js';
import type { UserSettings } from '../../domain/user-progress.js';
import type { ConditionalWriteResult, UserStore } from '../../ports.js';
import { absent, and, equals, exists } from './conditions.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from './cursors.js';
import { fromItem, toItem } from './items.js';
import { INDEX, keys, prefix, USER_LIST } from './keys.js';
import type { Table } from './requests.js';

export class DynamoUsers implements UserStore {
  constructor(private readonly table: Table) {}

  async getUser(email: string): Promise<UserSettings | undefined> {
    const item = await this.table.get(keys.user(email.toLowerCase()));
    return item ? fromItem<UserSettings>(item) : undefined;
  }

  async putUser(user: UserSettings, expectedVersion: number | undefined): Promise<ConditionalWriteResult> {
    const email = user.email.toLowerCase();
    const item = { ...toItem(keys.user(email), 'user', { ...user, email }), listKey: USER_LIST, listSort: email };
    return this.table.put(item, expectedVersion === undefined ? absent() : and(exists(), equals('version', expectedVersion)));
  }

  async listUsers(query: { limit: number; cursor?: string }): Promise<Page<UserSettings>> {
    const limit = checkPageLimit(query.limit);
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'users').after, {
          attributes: ['pk', 'sk', 'listKey', 'listSort'],
          expected: { listKey: USER_LIST, sk: 'USER' },
          prefixes: { pk: prefix.user },
        })
      : undefined;
    const page = await this.table.queryPage(
      {
        IndexName: INDEX.byList,
        KeyConditionExpression: 'listKey = :k',
        ExpressionAttributeValues: { ':k': USER_LIST },
        Limit: limit,
      },
      after,
    );
    return {
      items: page.items.map((item) => fromItem<UserSettings>(item)),
      ...(page.lastEvaluatedKey ? { nextCursor: encodeCursor({ v: 1, kind: 'users', after: page.lastEvaluatedKey as StartKey }) } : {}),
    };
  }
}
