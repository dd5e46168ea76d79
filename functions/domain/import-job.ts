/**
 * Import jobs (README "Imports"): a CSV of any size, uploaded to the object store and
 * enrolled chunk by chunk through the same code as `POST /sequences/{id}/enrollments`.
 *
 * State lives in the store, never in memory: one job item (status, settings, what the
 * splitter found), and one result item per chunk, written ONCE with a conditional put. The
 * job's progress is the sum of its chunk results, so a chunk processed twice (a crash, a
 * redelivered message) is never counted twice. Pure: records and the sums.
 */

export const IMPORT_STATUSES = ['waiting_for_upload', 'running', 'done', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Statuses a job leaves only by being deleted: its chunks do no more work. */
export const ENDED_IMPORT_STATUSES = ['done', 'failed', 'cancelled'] as const satisfies readonly ImportStatus[];

export function isImportEnded(status: ImportStatus): boolean {
  switch (status) {
    case 'done':
    case 'failed':
    case 'cancelled':
      return true;
    case 'waiting_for_upload':
    case 'running':
      return false;
  }
}

export interface ImportJob {
  id: string;
  sequenceId: string;
  status: ImportStatus;
  /** The column mapping (header → field), as the request gave it. */
  columns?: Record<string, string>;
  reenroll: boolean;
  /** Rows are read and checked, nobody is enrolled. */
  dryRun: boolean;
  /** Who asked (`user:<email>` or `apiKey`). */
  actor?: string;
  createdAt: string;
  updatedAt: string;
  /** When the upload arrived and the job started. */
  startedAt?: string;
  endedAt?: string;
  /** Size of the uploaded file. */
  bytes?: number;
  /** What the file was read as (decided from its first bytes). */
  encoding?: string;
  /** Set once the splitter has read the whole file: how many chunks and data rows it has. */
  totalChunks?: number;
  totalRows?: number;
  /** Why the job failed (a per-file problem: no header, no address column, bad encoding…). */
  error?: string;
  /** Chunks whose result is stored (see `ImportStore.addChunkDone`): the job is done when it reaches `totalChunks`. */
  chunksDone?: number;
}

/** What one chunk did: written once per chunk (conditional put), summed for the job. */
export interface ImportChunkResult {
  importId: string;
  index: number;
  firstRow: number;
  rows: number;
  enrolled: number;
  skipped: number;
  invalid: number;
  /** Rows that had a field left out (a bad phone next to a good email…). */
  warnings: number;
  /** Skip and invalid reasons with their counts (the chunk's most common ones). */
  reasons: Record<string, number>;
  /** Bytes of the file read when the chunk was cut: how far the job has got. */
  byteEnd: number;
  at: string;
}

/** The answer of `GET /imports/{id}`. */
export interface ImportProgress {
  id: string;
  sequenceId: string;
  status: ImportStatus;
  rowsRead: number;
  enrolled: number;
  skipped: number;
  invalid: number;
  warnings: number;
  /** Rows per second since the upload arrived (until the job ended). */
  rowsPerSecond: number;
  /** Seconds left at that rate; 0 once ended; undefined before the first chunk. */
  etaSeconds?: number;
  chunksDone: number;
  totalChunks?: number;
  totalRows?: number;
  dryRun: boolean;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  topReasons: { reason: string; count: number }[];
}

/** How many reasons a chunk keeps and the job shows. */
export const TOP_REASONS = 10;

/**
 * The reason without its row-specific parts, so equal causes add up: quoted values become
 * `"…"` and row and line numbers `N` (`email: "bad" is not…` → `email: "…" is not…`).
 */
export function reasonKind(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b(rows?|lines?) \d+/g, '$1 N')
    .slice(0, 200);
}

export function topReasons(reasons: Record<string, number>, limit = TOP_REASONS): { reason: string; count: number }[] {
  return Object.entries(reasons)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
    .slice(0, limit);
}

/** A job's progress from its chunk results (each counted once, whatever was retried). */
export function importProgress(job: ImportJob, chunks: readonly ImportChunkResult[], now: Date): ImportProgress {
  const sum = { rowsRead: 0, enrolled: 0, skipped: 0, invalid: 0, warnings: 0 };
  const reasons: Record<string, number> = {};
  let byteEnd = 0;
  for (const chunk of chunks) {
    sum.rowsRead += chunk.rows;
    sum.enrolled += chunk.enrolled;
    sum.skipped += chunk.skipped;
    sum.invalid += chunk.invalid;
    sum.warnings += chunk.warnings;
    byteEnd = Math.max(byteEnd, chunk.byteEnd);
    for (const [reason, count] of Object.entries(chunk.reasons)) reasons[reason] = (reasons[reason] ?? 0) + count;
  }
  const until = job.endedAt ? Date.parse(job.endedAt) : now.getTime();
  const seconds = job.startedAt ? Math.max(0.001, (until - Date.parse(job.startedAt)) / 1000) : 0;
  const rowsPerSecond = seconds > 0 ? Math.round((sum.rowsRead / seconds) * 10) / 10 : 0;
  return {
    id: job.id,
    sequenceId: job.sequenceId,
    status: job.status,
    ...sum,
    rowsPerSecond,
    ...etaOf(job, sum.rowsRead, byteEnd, rowsPerSecond),
    chunksDone: chunks.length,
    ...(job.totalChunks !== undefined ? { totalChunks: job.totalChunks } : {}),
    ...(job.totalRows !== undefined ? { totalRows: job.totalRows } : {}),
    dryRun: job.dryRun,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.endedAt ? { endedAt: job.endedAt } : {}),
    ...(job.error ? { error: job.error } : {}),
    topReasons: topReasons(reasons),
  };
}

/** Rows left ÷ rate; the rows left come from the row count once split, else from the bytes read. */
function etaOf(job: ImportJob, rowsRead: number, byteEnd: number, rowsPerSecond: number): { etaSeconds?: number } {
  if (isImportEnded(job.status)) return { etaSeconds: 0 };
  if (rowsPerSecond <= 0 || rowsRead === 0) return {};
  const expectedRows = job.totalRows ?? (job.bytes && byteEnd > 0 ? (rowsRead * job.bytes) / byteEnd : undefined);
  if (expectedRows === undefined) return {};
  return { etaSeconds: Math.max(0, Math.round((expectedRows - rowsRead) / rowsPerSecond)) };
}

/** The results CSV's header; one line per input row follows (row, status, reason, prospectId). */
export const RESULTS_HEADER = ['row', 'status', 'reason', 'prospectId', 'enrollmentId', 'warnings'] as const;

/** Object store keys of a job's files. */
export const importObjects = {
  upload: (importId: string) => `imports/${importId}/upload.csv`,
  chunkResults: (importId: string, index: number) => `imports/${importId}/results/${String(index).padStart(8, '0')}.csv`,
} as const;

/** How long a job, its chunk results and its files are kept (DynamoDB TTL, S3 lifecycle). */
export const IMPORT_RETENTION_DAYS = 30;

/**
 * The messages of the import queue: `split` (the upload arrived: read the file once and
 * cut it; in AWS the S3 event is that message), then one per chunk the splitter cut (the
 * chunk's CSV text travels in the message, so a worker never re-reads the file).
 */
export type ImportMessage = { kind: 'split'; importId: string } | { kind: 'chunk'; importId: string; chunk: ImportChunkMessage };

export interface ImportChunkMessage {
  index: number;
  text: string;
  firstRow: number;
  rows: number;
  firstLine: number;
  headerLines: number;
  byteEnd: number;
}
