/**
 * `followup import leads.csv --sequence ID [--map "Work Email=email"] [--dry-run]`: a list
 * of any size as an import job (README "Imports"). The job is created, the file is streamed
 * to its upload URL (never read whole into memory), then the job is followed until it ends:
 * progress with rows/s and the ETA on stderr (a plain line every few seconds when stderr is
 * not a terminal), a summary with the top reasons, and the per-row results saved beside the
 * file (`--results` to choose where). `--json` prints the final job instead of the table.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { followImportJob } from '../../functions/contract/follow-import-job.js';
import { createImportResponse, importProgressBody, type ImportProgressBody } from '../../functions/contract/imports.js';
import { type ApiClient, CliError } from '../client.js';
import { contextOf, pathWith } from '../context.js';
import { fields, printJson, table } from '../output.js';
import { createProgress } from '../progress.js';

const POLL_MS = 1000;

interface ImportOptions {
  sequence: string;
  map: string[];
  dryRun?: boolean;
  reenroll?: boolean;
  results?: string;
}

/** `--map "Work Email=email"`, repeatable: the CSV header, then the field it is read as. */
function collectMapping(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function mappingOf(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const columns: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new CliError(`--map ${JSON.stringify(pair)}: expected "<CSV header>=<field>", e.g. "Work Email=email"`, 2);
    columns[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return columns;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a CSV of any size into a sequence as an import job, with progress and per-row results')
    .argument('<file>', 'the CSV file (UTF-8, UTF-16 or Windows-1252, with a header row)')
    .requiredOption('--sequence <id>', 'the sequence to enroll the rows in')
    .option('--map <header=field>', 'read a column as a field, e.g. "Work Email=email" (repeatable)', collectMapping, [])
    .option('--dry-run', 'check every row, enroll nobody')
    .option('--reenroll', 'start an ended run again (completed or stopped)')
    .option('--results <file>', 'where to save the per-row results (default: <file>.results.csv)')
    .action(async (file: string, options: ImportOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const size = await stat(file).then(
        (s) => s.size,
        () => {
          throw new CliError(`${file}: no such file`);
        },
      );
      const columns = mappingOf(options.map);
      const job = await client.json('POST', '/imports', createImportResponse, {
        body: { sequenceId: options.sequence, ...(columns ? { columns } : {}), ...(options.reenroll ? { reenroll: true } : {}), ...(options.dryRun ? { dryRun: true } : {}) },
      });

      const upload = createProgress(output, `upload ${file}`);
      let sent = 0;
      const body = createReadStream(file).on('data', (piece) => {
        sent += piece.length;
        upload.update({ done: sent, total: size, unit: 'bytes' });
      });
      // The upload URL is signed (S3 presigned in AWS): no Authorization header goes with it.
      const uploaded = await fetch(job.uploadUrl, {
        method: 'PUT',
        headers: { 'content-type': 'text/csv', 'content-length': String(size) },
        body: Readable.toWeb(body) as ReadableStream,
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => {
        throw new CliError(`upload of ${file} failed: ${(error as Error).message}`);
      });
      if (!uploaded.ok) throw new CliError(`upload of ${file} refused (${uploaded.status}): ${(await uploaded.text()).slice(0, 300)}`);
      upload.stop(`uploaded ${size.toLocaleString('en-US')} bytes`);

      const progress = createProgress(output, `import ${job.importId}`);
      const state = await followImportJob({
        read: () => client.json('GET', pathWith('/imports/{id}', { id: job.importId }), importProgressBody),
        onProgress: (read: ImportProgressBody) =>
          progress.update({ done: read.rowsRead, ...(read.totalRows !== undefined ? { total: read.totalRows } : {}), unit: 'rows' }),
        pollMs: POLL_MS,
      });
      progress.stop();

      const resultsFile = options.results ?? `${file.replace(/\.csv$/i, '')}.results.csv`;
      await saveResults(client, job.importId, resultsFile);

      if (output.json) return printJson(output, { ...state, resultsFile });
      await output.write(
        `${fields([
          ['import', state.id],
          ['status', state.dryRun ? `${state.status} (dry run: nobody enrolled)` : state.status],
          ['enrolled', state.enrolled],
          ['skipped', state.skipped],
          ['invalid', state.invalid],
          ['warnings', state.warnings],
          ['results', resultsFile],
          ...(state.error ? ([['error', state.error]] as const) : []),
        ])}\n`,
      );
      if (state.topReasons.length > 0) await output.write(`\n${table(['reason', 'rows'], state.topReasons.map((r) => [r.reason, r.count]))}\n`);
      if (state.status === 'failed') throw new CliError(`import ${state.id} failed: ${state.error ?? `see GET /imports/${state.id}`}`);
    });
}

/** Every part of results.csv (it pages by chunk with X-Next-Cursor; the first part has the header). */
async function saveResults(client: ApiClient, importId: string, file: string): Promise<void> {
  const out = createWriteStream(file);
  let cursor: string | undefined;
  do {
    const part = await client.text('GET', pathWith('/imports/{id}/results.csv', { id: importId }), { query: { cursor } });
    if (!out.write(part.text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    cursor = part.headers.get('x-next-cursor') ?? undefined;
  } while (cursor);
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}
