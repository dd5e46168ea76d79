/**
 * `GET /inbox` (and its CSV export): replies, opt-outs, bounces and auto-replies, newest
 * first, ONE Query per page (keys.ts, "Inbox"), with the time in the prospect's zone.
 */
import type { InboxItem } from '../domain/inbox.js';
import { localTimeOf } from '../domain/local-time.js';
import type { Page } from '../domain/page.js';
import type { InboxQuery } from '../ports.js';
import type { UseCaseContext } from './context.js';

export interface InboxListItem extends InboxItem {
  atLocal?: string;
}

export async function listInbox(ctx: UseCaseContext, query: InboxQuery): Promise<Page<InboxListItem>> {
  const page = await ctx.store.listInbox(query);
  return { ...page, items: page.items.map(withLocalTime) };
}

export async function* allInbox(ctx: UseCaseContext, query: Omit<InboxQuery, 'limit'>): AsyncGenerator<Page<InboxListItem>> {
  let cursor = query.cursor;
  do {
    const page = await listInbox(ctx, { ...query, limit: 100, ...(cursor ? { cursor } : {}) });
    yield page;
    cursor = page.nextCursor;
  } while (cursor);
}

/** Shown in the prospect's zone when it is known (a time in a guessed zone would mislead). */
export function withLocalTime(item: InboxItem): InboxListItem {
  const local = item.timezone ? localTimeOf(item.at, item.timezone, 'UTC') : undefined;
  return local ? { ...item, atLocal: local.local, timezone: local.timezone } : item;
}
