/**
 * Sends a planned CSV to `POST /sequences/{id}/enrollments` one chunk at a time and puts
 * the answers back into the file's numbering (rows and the `line n:` of a reason). Chunks
 * go one after the other: the API enrolls a chunk in lanes already, and a second chunk in
 * flight would only compete with it. A chunk that could not be sent (network, 5xx) is
 * tried again; re-sending rows is safe (the API answers `already active` for enrolled
 * ones), and the rows of a chunk sent again carry a warning saying so: a first attempt
 * that failed half way may have enrolled them.
 */
import type { Api } from '../api.js';
import { ApiError } from '../api.js';
import type { EnrollmentResponse, EnrollmentRowResult } from '../types.js';
import { csvLine, fileLine, type CsvChunk, type CsvPlan } from './csv-chunks.js';

export interface ImportProgress {
  rowsSent: number;
  rowsTotal: number;
  chunksDone: number;
  chunksTotal: number;
  summary: EnrollmentResponse['summary'];
}

export interface ImportRun {
  results: EnrollmentRowResult[];
  summary: EnrollmentResponse['summary'];
  /** Set when the import stopped early: the API refused a chunk as a whole, or the user cancelled. */
  stoppedBy?: Error;
  cancelled: boolean;
}

const RETRIES = 3;
export const RESENT_WARNING = 'this chunk was sent again after an error: "skipped, already active" here most likely means the first attempt enrolled the row';

function renumber(chunk: CsvChunk, result: EnrollmentRowResult): EnrollmentRowResult {
  const row = chunk.firstRow - 1 + result.row;
  if (result.status !== 'invalid') return { ...result, row };
  const reason = result.reason.replace(/^line (\d+):/, (_, line: string) => `line ${fileLine(chunk, Number(line))}:`);
  return { ...result, row, reason };
}

function retryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

export async function runChunkedImport(options: {
  api: Api;
  sequenceId: string;
  plan: CsvPlan;
  /** Header → field mapping for the columns the aliases do not read as wanted. */
  columns?: Record<string, string>;
  /** Only check the rows (`?dryRun=true`): nothing is enrolled, valid rows answer `skipped` with the dry-run reason. */
  dryRun?: boolean;
  onProgress(progress: ImportProgress): void;
  isCancelled(): boolean;
}): Promise<ImportRun> {
  const { api, plan } = options;
  const results: EnrollmentRowResult[] = [];
  const summary = { enrolled: 0, skipped: 0, invalid: 0 };
  let rowsSent = 0;
  const progress = (chunksDone: number) =>
    options.onProgress({ rowsSent, rowsTotal: plan.rows, chunksDone, chunksTotal: plan.chunks.length, summary: { ...summary } });
  progress(0);
  for (const [index, chunk] of plan.chunks.entries()) {
    if (options.isCancelled()) return { results, summary, cancelled: true };
    let answer: EnrollmentResponse | undefined;
    let resent = false;
    for (let attempt = 1; !answer; attempt += 1) {
      resent = attempt > 1;
      try {
        answer = await api<EnrollmentResponse>('POST', `/sequences/${options.sequenceId}/enrollments`, {
          body: chunk.text,
          contentType: 'text/csv; charset=utf-8',
          query: {
            ...(options.columns && Object.keys(options.columns).length > 0 ? { columns: JSON.stringify(options.columns) } : {}),
            ...(options.dryRun ? { dryRun: 'true' } : {}),
          },
        });
      } catch (error) {
        if (attempt < RETRIES && retryable(error)) {
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          continue;
        }
        return { results, summary, stoppedBy: error as Error, cancelled: false };
      }
    }
    for (const result of answer.results) {
      const renumbered = renumber(chunk, result);
      results.push(resent && result.status === 'skipped' ? { ...renumbered, warnings: [...(renumbered.warnings ?? []), RESENT_WARNING] } : renumbered);
      summary[result.status] += 1;
    }
    rowsSent += chunk.rows;
    progress(index + 1);
  }
  return { results, summary, cancelled: false };
}

/** The results as a CSV a spreadsheet opens: one line per row that got an answer. */
export function resultsCsv(results: readonly EnrollmentRowResult[]): string {
  const lines = [csvLine(['row', 'status', 'reason', 'prospectId', 'enrollmentId', 'warnings'])];
  for (const r of results) {
    lines.push(
      csvLine([
        r.row,
        r.status,
        'reason' in r ? r.reason : '',
        'prospectId' in r ? r.prospectId : '',
        'enrollmentId' in r ? r.enrollmentId : '',
        r.warnings?.join('; ') ?? '',
      ]),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
