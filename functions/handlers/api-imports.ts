/**
 * The import job routes of the API function (README "Imports"): thin, like the others.
 * Loaded with the first of them.
 *
 * `GET /imports/{id}/results.csv` answers the chunks' result files in file order, up to
 * CSV_BUDGET_BYTES per response (API Gateway refuses a Lambda answer over 6 MB), then
 * `X-Next-Cursor` (a chunk index), as the other CSV exports do (api-queries.ts): the CLI and
 * the console follow it. While the job runs it stops at the first chunk not done yet.
 */
import { createImportRequest, importResultsQuery } from '../contract/imports.js';
import { csvLine } from '../domain/csv.js';
import { importObjects, isImportEnded, RESULTS_HEADER } from '../domain/import-job.js';
import { cancelImport, createImport, getImport, type ImportContext } from '../use-cases/import-jobs.js';
import { continuationUrl, CSV_BUDGET_BYTES } from './api-queries.js';
import { columnMapping } from './shared/enrollment-body.js';
import { json, parseBody, parseQuery, pathParameter, type HttpEvent, type HttpResult } from './shared/http.js';

export interface ImportRequest {
  event: HttpEvent;
  context(): Promise<ImportContext>;
}

export async function postImport({ event, context }: ImportRequest): Promise<HttpResult> {
  const body = parseBody(createImportRequest, event);
  // A mapping that names no field is refused now, not when the file is read.
  if (body.columns) columnMapping(body.columns, 'columns');
  const created = await createImport(await context(), body);
  const statusUrl = `${event.rawPath.replace(/\/$/, '')}/${created.importId}`;
  return json(201, { importId: created.importId, uploadUrl: created.uploadUrl, statusUrl }, { location: statusUrl });
}

export async function getImportStatus({ event, context }: ImportRequest): Promise<HttpResult> {
  // The id is checked before anything is built (a malformed one is a 400 naming it).
  const importId = pathParameter(event, 'id');
  const { progress } = await getImport(await context(), importId);
  return json(200, progress, { 'cache-control': 'no-store' });
}

export async function postCancelImport({ event, context }: ImportRequest): Promise<HttpResult> {
  const importId = pathParameter(event, 'id');
  return json(200, await cancelImport(await context(), importId));
}

export async function getImportResults({ event, context }: ImportRequest): Promise<HttpResult> {
  const importId = pathParameter(event, 'id');
  const { cursor } = parseQuery(importResultsQuery, event);
  const ctx = await context();
  const { job, chunks } = await getImport(ctx, importId);
  const from = cursor === undefined ? 0 : Number(cursor);
  const parts: string[] = cursor === undefined ? [csvLine(RESULTS_HEADER)] : [];
  let bytes = parts[0]?.length ?? 0;
  let next: number | undefined;
  const ended = isImportEnded(job.status);
  let expected = from;
  for (const chunk of chunks.filter((c) => c.index >= from).sort((a, b) => a.index - b.index)) {
    // Running: a chunk not done yet holds the place of its rows (the next page starts there).
    if (!ended && chunk.index !== expected) {
      next = expected;
      break;
    }
    if (bytes >= CSV_BUDGET_BYTES) {
      next = chunk.index;
      break;
    }
    const text = await readText(ctx, importObjects.chunkResults(importId, chunk.index));
    parts.push(text);
    bytes += Buffer.byteLength(text);
    expected = chunk.index + 1;
  }
  if (next === undefined && !ended && (job.totalChunks === undefined || expected < job.totalChunks)) next = expected;
  const continuation = next !== undefined ? continuationUrl(event, String(next)) : undefined;
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${importId}-results.csv"`,
      'cache-control': 'no-store',
      'x-import-status': job.status,
      ...(next !== undefined && continuation ? { 'x-next-cursor': String(next), link: `<${continuation}>; rel="next"` } : {}),
    },
    body: parts.join(''),
  };
}

async function readText(ctx: ImportContext, key: string): Promise<string> {
  const body = await ctx.objects.get(key);
  if (!body) return '';
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}
