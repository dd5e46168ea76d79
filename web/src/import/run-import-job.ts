/**
 * An import from the console is an import job, as with the CLI and a script (README
 * "Imports"): `POST /imports`, the file PUT to the upload URL it answers (S3 presigned in
 * AWS, the same origin with `npm start`; the URL carries the authority, so no token goes
 * with it), then `GET /imports/{id}` until the job ends. The server reads the file, so a
 * list of any size goes in one upload, and closing the tab does not stop it.
 *
 * The per-row results are read afterwards from `GET /imports/{id}/results.csv`, which pages
 * with `X-Next-Cursor`: the page keeps the first rows of each result for its table and the
 * whole text only for a download (resultsText).
 */
import type { ImportProgressBody } from '../../../functions/contract/imports.js';
import { csvCells } from '../../../functions/domain/csv-records.js';
import { followImportJob } from '../../../functions/contract/follow-import-job.js';
import { RESULTS_HEADER } from '../../../functions/domain/import-job.js';
import { type Api, ApiError } from '../api.js';
import type { EnrollmentRowResult } from '../types.js';

export interface ImportJobRun {
  job: ImportProgressBody;
  /** Per result, its first `keep` rows in file order (the job's counts say how many there are). */
  results: EnrollmentRowResult[];
}

export interface ImportJobOptions {
  api: Api;
  sequenceId: string;
  file: Blob;
  /** Header → field mapping for the columns the aliases do not read as wanted. */
  columns?: Record<string, string>;
  dryRun?: boolean;
  onProgress(job: ImportProgressBody): void;
  /** Asked between polls: true once the user asked to cancel (the job is then cancelled once). */
  isCancelled(): boolean;
  /** Rows kept per result for the table. @default 200 */
  keep?: number;
  /** @default 500 */
  pollMs?: number;
}

export async function runImportJob(options: ImportJobOptions): Promise<ImportJobRun> {
  const { api } = options;
  const created = await api<{ importId: string; uploadUrl: string }>('POST', '/imports', {
    body: {
      sequenceId: options.sequenceId,
      ...(options.columns && Object.keys(options.columns).length > 0 ? { columns: options.columns } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    },
  });
  let uploaded: Response;
  try {
    uploaded = await fetch(created.uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: options.file });
  } catch (error) {
    throw new ApiError(0, `the upload could not be sent (${(error as Error).message})`);
  }
  if (!uploaded.ok) {
    const text = await uploaded.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // S3 answers XML; its text is the message.
    }
    throw new ApiError(uploaded.status, `the upload was refused: ${message}`);
  }

  const path = `/imports/${encodeURIComponent(created.importId)}`;
  const job = await followImportJob({
    read: () => api<ImportProgressBody>('GET', path),
    onProgress: options.onProgress,
    cancelRequested: options.isCancelled,
    cancel: () => api('POST', `${path}/cancel`),
    pollMs: options.pollMs ?? 500,
  });
  return { job, results: await readResults(api, created.importId, options.keep ?? 200) };
}

/** Every page of the job's results.csv, in order. */
async function* resultPages(api: Api, importId: string): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await api<{ text: string; headers: Headers }>('GET', `/imports/${encodeURIComponent(importId)}/results.csv`, {
      raw: true,
      query: { cursor },
    });
    yield page.text;
    cursor = page.headers.get('x-next-cursor') ?? undefined;
  } while (cursor);
}

/** One line of results.csv (RESULTS_HEADER) as the row result the table shows. */
export function rowResultOf(cells: readonly string[]): EnrollmentRowResult | undefined {
  const [row, status, reason = '', prospectId = '', enrollmentId = '', warnings = ''] = cells;
  const base = { row: Number(row), ...(warnings ? { warnings: warnings.split('; ') } : {}) };
  if (!Number.isInteger(base.row)) return undefined;
  switch (status) {
    case 'enrolled':
      return { ...base, status, prospectId, enrollmentId };
    case 'skipped':
      return { ...base, status, prospectId, reason, ...(enrollmentId ? { enrollmentId } : {}) };
    case 'invalid':
      return { ...base, status, reason };
    default:
      return undefined;
  }
}

async function readResults(api: Api, importId: string, keep: number): Promise<EnrollmentRowResult[]> {
  const kept: EnrollmentRowResult[] = [];
  const counts = { enrolled: 0, skipped: 0, invalid: 0 };
  for await (const page of resultPages(api, importId)) {
    for (const cells of csvCells(page)) {
      if (cells[0] === RESULTS_HEADER[0]) continue;
      const result = rowResultOf(cells);
      if (!result || counts[result.status] >= keep) continue;
      counts[result.status] += 1;
      kept.push(result);
    }
  }
  return kept.sort((a, b) => a.row - b.row);
}

/** The whole results.csv, for a download. */
export async function resultsText(api: Api, importId: string): Promise<string> {
  const parts: string[] = [];
  for await (const page of resultPages(api, importId)) parts.push(page);
  return parts.join('');
}
