/**
 * `followup inbox --since 1d`: what prospects sent back (replies, opt-outs, bounces,
 * auto-replies), newest first. A lookback counts back from the server's clock (its Date
 * header), so `1d` means the last day of the engine's time, virtual clock included.
 */
import type { Command } from 'commander';
import { INBOX_KINDS, inboxPage, type InboxItemView } from '../../functions/contract/queries.js';
import { contextOf } from '../context.js';
import { parseSince, positiveInt, sinceInstant, type Since } from '../options.js';
import { printJson, table, truncate } from '../output.js';

interface InboxOptions {
  since?: Since;
  kind?: string;
  limit: number;
  all?: boolean;
}

export function registerInbox(program: Command): void {
  program
    .command('inbox')
    .description('replies, opt-outs, bounces and auto-replies, newest first')
    .option('--since <when>', 'a lookback (30m, 12h, 1d, 2w) or an ISO time with a zone', parseSince)
    .option('--kind <kind>', `only one kind: ${INBOX_KINDS.join(', ')}`)
    .option('--limit <n>', 'items per page (1 to 100)', (value) => positiveInt(value, 100), 50)
    .option('--all', 'every page, not only the first')
    .action(async (options: InboxOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const since = options.since ? sinceInstant(options.since, await client.serverTime()) : undefined;
      const items: InboxItemView[] = [];
      let cursor: string | undefined;
      let more: string | undefined;
      do {
        const page = await client.json('GET', '/inbox', inboxPage, { query: { since, kind: options.kind, limit: options.limit, cursor } });
        items.push(...page.items);
        cursor = options.all ? page.nextCursor : undefined;
        more = page.nextCursor;
      } while (cursor);
      if (output.json) return printJson(output, { items, ...(more && !options.all ? { nextCursor: more } : {}) });
      if (items.length === 0) return output.note(since ? `nothing in the inbox since ${since}` : 'the inbox is empty');
      output.print(
        table(
          ['AT', 'KIND', 'CHANNEL', 'PROSPECT', 'SEQUENCE', 'STEP', 'HANDLED', 'TEXT'],
          items.map((i) => [i.at, i.kind, i.channel, i.prospectId, i.sequenceId, i.stepId, i.handled ? (i.handledBy ?? 'yes') : 'no', truncate(i.text ?? i.subject, 60)]),
        ),
      );
      if (more && !options.all) output.note('more items: add --all, or a larger --limit');
    });
}
