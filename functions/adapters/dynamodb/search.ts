/**
 * Prospect search (`GET /prospects?q=`), at most 2 requests per page:
 * - an email (the query has `@`): one keys-only Query of byEmail, then one BatchGetItem
 *   of the profiles found;
 * - a phone (international format; domain/search-query.ts normalises a local one first):
 *   the same on byPhone;
 * - otherwise a prefix of the name or the company: byName and byCompany queried at once,
 *   merged by their sort text. A prospect whose name matches is listed by its name only,
 *   so nobody appears twice, not even across pages.
 *
 * The cursor of a merged search holds one position per index (cursors.ts).
 */
import { checkPageLimit, type Page } from '../../domain/page.js';
import type { ProspectSummary } from '../../domain/records.js';
import { classifySearch, searchKeyText } from '../../domain/search-text.js';
import type { ProspectSearch } from '../../ports.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey, type StreamPosition } from './cursors.js';
import { prospectSummaryFromItem, type Item } from './items.js';
import { addressKey, fullName, INDEX, keys, prefix, prospectIdOf, searchPartition } from './keys.js';
import type { Table } from './requests.js';

export const SEARCH_STREAMS = {
  name: { index: INDEX.byName, key: 'nameKey', sort: 'nameSort' },
  company: { index: INDEX.byCompany, key: 'companyKey', sort: 'companySort' },
} as const;
export type SearchStream = keyof typeof SEARCH_STREAMS;
const STREAMS = Object.keys(SEARCH_STREAMS) as SearchStream[];

const ADDRESS_INDEXES = {
  email: { index: INDEX.byEmail, key: 'emailKey' },
  phone: { index: INDEX.byPhone, key: 'phoneKey' },
} as const;

/** One hit of an index Query, with the start key that continues after it. */
export interface SearchHit {
  sort: string;
  summary: ProspectSummary;
  key: StartKey;
}

/** A page of one index: its hits in index order, and its LastEvaluatedKey when it may have more. */
export interface StreamPage {
  hits: SearchHit[];
  lastKey?: StartKey;
}

export type StreamPositions = Record<SearchStream, StreamPosition>;

/** The start key of a stream's position, checked to belong to this search. */
export function streamStart(stream: SearchStream, position: StreamPosition, folded: string): StartKey | undefined {
  if (position === 'done' || !position.after) return undefined;
  const { key, sort } = SEARCH_STREAMS[stream];
  return checkStartKey(position.after, {
    attributes: ['pk', 'sk', key, sort],
    expected: { [key]: searchPartition(folded) ?? '', sk: 'PROFILE' },
    prefixes: { pk: prefix.prospect, [sort]: folded },
  });
}

/**
 * Merges a page of each index into one page of at most `limit` prospects, sorted by sort
 * text, and says where each index goes on. Only hits that sort before the last hit of
 * every index with more to give are taken (an unread hit of that index could come first).
 */
export function mergeTextSearch(
  folded: string,
  limit: number,
  positions: StreamPositions,
  pages: Partial<Record<SearchStream, StreamPage>>,
): { items: ProspectSummary[]; next: StreamPositions } {
  type Entry = { stream: SearchStream; hit: SearchHit; listedByName: boolean };
  const order = (a: Entry, b: Entry) =>
    a.hit.sort < b.hit.sort ? -1 : a.hit.sort > b.hit.sort ? 1 : STREAMS.indexOf(a.stream) - STREAMS.indexOf(b.stream);
  const entries: Entry[] = [];
  for (const stream of STREAMS) {
    for (const hit of pages[stream]?.hits ?? []) {
      entries.push({
        stream,
        hit,
        listedByName: stream === 'company' && searchKeyText(fullName(hit.summary)).startsWith(folded),
      });
    }
  }
  entries.sort(order);
  const bounds = STREAMS.flatMap((stream) => {
    const page = pages[stream];
    const last = page?.hits[page.hits.length - 1];
    return page?.lastKey && last ? [{ stream, hit: last, listedByName: false }] : [];
  });

  const items: ProspectSummary[] = [];
  const seen = new Set<string>();
  const consumed: Partial<Record<SearchStream, SearchHit>> = {};
  for (const entry of entries) {
    if (items.length === limit) break;
    if (bounds.some((bound) => order(entry, bound) > 0)) break;
    consumed[entry.stream] = entry.hit;
    if (entry.listedByName || seen.has(entry.hit.summary.id)) continue;
    seen.add(entry.hit.summary.id);
    items.push(entry.hit.summary);
  }

  const next = { ...positions };
  for (const stream of STREAMS) {
    const page = pages[stream];
    if (positions[stream] === 'done' || !page) continue;
    const last = page.hits[page.hits.length - 1];
    const all = page.hits.length === 0 || consumed[stream] === last;
    if (all) next[stream] = page.lastKey ? { after: page.lastKey } : 'done';
    else if (consumed[stream]) next[stream] = { after: (consumed[stream] as SearchHit).key };
  }
  return { items, next };
}

export class DynamoSearch {
  constructor(private readonly table: Table) {}

  async searchProspects(search: ProspectSearch): Promise<Page<ProspectSummary>> {
    const limit = checkPageLimit(search.limit);
    const query = classifySearch(search.q);
    switch (query.kind) {
      case 'email':
        return this.byAddress('email', query.email, limit, search.cursor);
      case 'phone':
        return this.byAddress('phone', query.phone, limit, search.cursor);
      case 'text':
        return this.byText(query.text, limit, search.cursor);
    }
  }

  private async byAddress(
    kind: 'email' | 'phone',
    address: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<ProspectSummary>> {
    const { index, key } = ADDRESS_INDEXES[kind];
    const value = addressKey(address);
    const after = cursor
      ? checkStartKey(decodeCursor(cursor, kind).after, {
          attributes: ['pk', 'sk', key],
          expected: { [key]: value, sk: 'PROFILE' },
          prefixes: { pk: prefix.prospect },
        })
      : undefined;
    const page = await this.table.queryPage(
      {
        IndexName: index,
        KeyConditionExpression: '#a = :a',
        ExpressionAttributeNames: { '#a': key },
        ExpressionAttributeValues: { ':a': value },
        Limit: limit,
      },
      after,
    );
    const ids = page.items.map((item) => prospectIdOf(item['pk']));
    const profiles = ids.length > 0 ? await this.table.batchGet(ids.map(keys.profile)) : [];
    const byId = new Map(profiles.map((item) => [prospectIdOf(item['pk']), item]));
    return {
      items: ids.flatMap((id) => {
        const profile = byId.get(id);
        return profile ? [prospectSummaryFromItem(profile)] : [];
      }),
      ...(page.lastEvaluatedKey
        ? { nextCursor: encodeCursor({ v: 1, kind, after: page.lastEvaluatedKey as StartKey }) }
        : {}),
    };
  }

  private async byText(folded: string, limit: number, cursor: string | undefined): Promise<Page<ProspectSummary>> {
    const partition = searchPartition(folded);
    if (!partition) return { items: [] };
    const positions: StreamPositions = cursor ? decodeCursor(cursor, 'text') : { name: {}, company: {} };
    const starts = Object.fromEntries(STREAMS.map((stream) => [stream, streamStart(stream, positions[stream], folded)]));
    const pages: Partial<Record<SearchStream, StreamPage>> = {};
    await Promise.all(
      STREAMS.filter((stream) => positions[stream] !== 'done').map(async (stream) => {
        const { index, key, sort } = SEARCH_STREAMS[stream];
        const page = await this.table.queryPage(
          {
            IndexName: index,
            KeyConditionExpression: '#k = :k AND begins_with(#s, :q)',
            ExpressionAttributeNames: { '#k': key, '#s': sort },
            ExpressionAttributeValues: { ':k': partition, ':q': folded },
            Limit: limit,
          },
          starts[stream],
        );
        pages[stream] = {
          hits: page.items.map((item) => hitOf(item, key, sort)),
          ...(page.lastEvaluatedKey ? { lastKey: page.lastEvaluatedKey as StartKey } : {}),
        };
      }),
    );
    const { items, next } = mergeTextSearch(folded, limit, positions, pages);
    const more = STREAMS.some((stream) => next[stream] !== 'done');
    return { items, ...(more ? { nextCursor: encodeCursor({ v: 1, kind: 'text', ...next }) } : {}) };
  }
}

function hitOf(item: Item, key: string, sort: string): SearchHit {
  return {
    sort: String(item[sort]),
    summary: prospectSummaryFromItem(item),
    key: { pk: String(item['pk']), sk: String(item['sk']), [key]: String(item[key]), [sort]: String(item[sort]) },
  };
}
