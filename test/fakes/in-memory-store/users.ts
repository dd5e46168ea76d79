import { checkStartKey, decodeCursor, encodeCursor } from '../../../functions/adapters/dynamodb/cursors.js';
import { keys, USER_LIST } from '../../../functions/adapters/dynamodb/keys.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import type { UserSettings } from '../../../functions/domain/user-progress.js';
import type { ConditionalWriteResult, UserStore } from '../../../functions/ports.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { clone, stored, type FakeTables } from './state.js';

export class FakeUsers implements UserStore {
  constructor(private readonly tables: FakeTables) {}

  async getUser(email: string): Promise<UserSettings | undefined> {
    const found = this.tables.users.get(email.toLowerCase());
    return found ? clone(found) : undefined;
  }

  async putUser(user: UserSettings, expectedVersion: number | undefined): Promise<ConditionalWriteResult> {
    const email = user.email.toLowerCase();
    const existing = this.tables.users.get(email);
    if (expectedVersion === undefined ? existing !== undefined : existing?.version !== expectedVersion) return 'conflict';
    this.tables.users.set(email, stored({ ...user, email }));
    return 'ok';
  }

  async listUsers(query: { limit: number; cursor?: string }): Promise<Page<UserSettings>> {
    const limit = checkPageLimit(query.limit);
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'users').after, {
          attributes: ['pk', 'sk', 'listKey', 'listSort'],
          expected: { listKey: USER_LIST, sk: 'USER' },
          prefixes: { pk: 'U#' },
        })
      : undefined;
    const entries: IndexEntry<UserSettings>[] = [...this.tables.users.values()].map((user) => ({
      partition: USER_LIST,
      sort: user.email,
      startKey: { ...keys.user(user.email), listKey: USER_LIST, listSort: user.email },
      value: user,
    }));
    const page = queryIndex(entries, { partition: USER_LIST, limit, ...(after ? { after: String(after['listSort']) } : {}) });
    return {
      items: page.values.map(clone),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind: 'users', after: page.lastKey }) } : {}),
    };
  }
}
