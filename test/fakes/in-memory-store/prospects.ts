import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from '../../../functions/adapters/dynamodb/cursors.js';
import { prospectSummaryFromItem } from '../../../functions/adapters/dynamodb/items.js';
import { addressKey, fullName, keys, profileIndexKeys, searchKeys, searchPartition } from '../../../functions/adapters/dynamodb/keys.js';
import {
  mergeTextSearch,
  SEARCH_STREAMS,
  streamStart,
  type SearchHit,
  type SearchStream,
  type StreamPage,
  type StreamPositions,
} from '../../../functions/adapters/dynamodb/search.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import type { Prospect, ProspectSummary } from '../../../functions/domain/records.js';
import { classifySearch } from '../../../functions/domain/search-text.js';
import type { ProspectSearch, ProspectStore } from '../../../functions/ports.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { clone, stored, type FakeTables } from './state.js';

const summaryOf = (prospect: Prospect): ProspectSummary => prospectSummaryFromItem({ ...prospect, pk: keys.profile(prospect.id).pk });

export class FakeProspects implements ProspectStore {
  constructor(private readonly tables: FakeTables) {}

  async getProspect(prospectId: string): Promise<Prospect | undefined> {
    const found = this.tables.prospects.get(prospectId);
    return found ? clone(found) : undefined;
  }

  async putProspect(prospect: Prospect): Promise<void> {
    if (prospect.id.includes('.') || prospect.id.includes('#')) throw new Error(`Prospect id must not contain '.' or '#': ${prospect.id}`);
    this.tables.prospects.set(prospect.id, stored(prospect));
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

  /** Like the adapter: the same query rules and cursors over the same index keys, kept in memory. */
  async searchProspects(search: ProspectSearch): Promise<Page<ProspectSummary>> {
    const limit = checkPageLimit(search.limit);
    const query = classifySearch(search.q);
    if (query.kind === 'text') return this.byText(query.text, limit, search.cursor);
    const kind = query.kind;
    const attribute = kind === 'email' ? 'emailKey' : 'phoneKey';
    const value = addressKey(kind === 'email' ? query.email : query.phone);
    const after = search.cursor
      ? checkStartKey(decodeCursor(search.cursor, kind).after, {
          attributes: ['pk', 'sk', attribute],
          expected: { [attribute]: value, sk: 'PROFILE' },
          prefixes: { pk: 'P#' },
        })
      : undefined;
    const entries: IndexEntry<Prospect>[] = [...this.tables.prospects.values()].flatMap((prospect) => {
      const indexKey = profileIndexKeys(prospect)[attribute];
      const { pk, sk } = keys.profile(prospect.id);
      return indexKey ? [{ partition: indexKey, sort: pk, startKey: { pk, sk, [attribute]: indexKey }, value: prospect }] : [];
    });
    const page = queryIndex(entries, { partition: value, limit, ...(after ? { after: String(after['pk']) } : {}) });
    return {
      items: page.values.map(summaryOf),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind, after: page.lastKey }) } : {}),
    };
  }

  private byText(folded: string, limit: number, cursor: string | undefined): Page<ProspectSummary> {
    const partition = searchPartition(folded);
    if (!partition) return { items: [] };
    const positions: StreamPositions = cursor ? decodeCursor(cursor, 'text') : { name: {}, company: {} };
    const pages: Partial<Record<SearchStream, StreamPage>> = {};
    for (const stream of Object.keys(SEARCH_STREAMS) as SearchStream[]) {
      const start = streamStart(stream, positions[stream], folded);
      if (positions[stream] === 'done') continue;
      const { key, sort } = SEARCH_STREAMS[stream];
      const entries: IndexEntry<SearchHit>[] = [];
      for (const prospect of this.tables.prospects.values()) {
        const indexed = searchKeys(stream === 'name' ? fullName(prospect) : prospect.company, prospect.id);
        if (!indexed) continue;
        const startKey: StartKey = { ...keys.profile(prospect.id), [key]: indexed.key, [sort]: indexed.sort };
        entries.push({ partition: indexed.key, sort: indexed.sort, startKey, value: { sort: indexed.sort, summary: summaryOf(prospect), key: startKey } });
      }
      const page = queryIndex(entries, { partition, prefix: folded, limit, ...(start ? { after: String(start[sort]) } : {}) });
      pages[stream] = { hits: page.values, ...(page.lastKey ? { lastKey: page.lastKey } : {}) };
    }
    const { items, next } = mergeTextSearch(folded, limit, positions, pages);
    const more = next.name !== 'done' || next.company !== 'done';
    return { items, ...(more ? { nextCursor: encodeCursor({ v: 1, kind: 'text', ...next }) } : {}) };
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
    for (const [id, task] of this.tables.tasks) if (task.prospectId === prospectId) this.tables.tasks.delete(id);
    // Inbox items live in the prospect's partition: erased with it.
    for (const [id, item] of this.tables.inbox) if (item.prospectId === prospectId) this.tables.inbox.delete(id);
  }
}
