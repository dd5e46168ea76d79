/**
 * `followup export ID > results.csv`: every enrollment of a sequence as CSV. A large
 * export comes in parts (the API ends an answer at a page boundary after 2.5 MB, README
 * "CSV exports"): each part's `X-Next-Cursor` is asked for next and appended without its
 * header, so the file is the whole list, every row once. `--json` pages the JSON list
 * instead and prints `{items}`.
 */
import type { Command } from 'commander';
import { enrollmentsPage, type EnrollmentSummaryItem } from '../../functions/contract/queries.js';
import { CliError } from '../client.js';
import { contextOf, pathWith } from '../context.js';
import { printJson } from '../output.js';
import { createProgress } from '../progress.js';

/** More parts than any real list has (2.5 MB each): a server that keeps answering cursors is broken. */
const MAX_PARTS = 10_000;

interface ExportOptions {
  status?: string;
  step?: string;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("a sequence's enrollments as CSV on stdout, every part of a large export: followup export ID > results.csv")
    .argument('<id>', 'the sequence id')
    .option('--status <status>', 'only enrollments in this status (active, paused, completed, stopped, replied, …)')
    .option('--step <step>', 'only enrollments at this step (its id, or its index from 0)')
    .action(async (id: string, options: ExportOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const filters = { status: options.status, step: options.step };
      if (output.json) {
        const items: EnrollmentSummaryItem[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.json('GET', pathWith('/sequences/{id}/enrollments', { id }), enrollmentsPage, { query: { ...filters, limit: 100, cursor } });
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return printJson(output, { items });
      }
      const progress = createProgress(output, `export ${id}`);
      let cursor: string | undefined;
      let rows = 0;
      let parts = 0;
      do {
        if (++parts > MAX_PARTS) throw new CliError(`export ${id}: more than ${MAX_PARTS} parts; the server keeps answering X-Next-Cursor`);
        const part = await client.text('GET', pathWith('/sequences/{id}/enrollments.csv', { id }), { query: { ...filters, cursor } });
        await output.write(part.text);
        rows += countLines(part.text) - (parts === 1 ? 1 : 0);
        cursor = part.headers.get('x-next-cursor') ?? undefined;
        progress.update({ done: rows, unit: 'rows' });
      } while (cursor);
      progress.stop(`exported ${rows.toLocaleString('en-US')} enrollments of ${id} (${parts} part${parts === 1 ? '' : 's'})`);
    });
}

/** CSV records in a part. Quoted cells may hold newlines, so count outside quotes only. */
function countLines(text: string): number {
  let lines = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) quoted = !quoted;
    else if (c === 10 /* \n */ && !quoted) lines++;
  }
  return lines;
}
