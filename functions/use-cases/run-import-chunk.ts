/**
 * One chunk of an import job: its rows through the enrollment use case (the same code as
 * `POST /sequences/{id}/enrollments`), its per-row results written to the object store,
 * then its counts stored ONCE (conditional put) and the job told.
 *
 * Run twice (a crash mid-chunk, a redelivered message) it changes nothing the first run
 * did: a chunk whose result is stored is not run again; one that died half way is run
 * again and the enrollment use case finds the rows it already enrolled as enrolled by this
 * very import and row (enroll-chunk.ts), re-ensures their schedules under the same
 * deterministic names (so no touch is scheduled twice) and answers them as enrolled again.
 * The results object is written before the result item, so a stored result always has
 * its rows listed.
 */
import { csvLine } from '../domain/csv.js';
import { importObjects, reasonKind, topReasons, TOP_REASONS, type ImportChunkMessage, type ImportChunkResult, type ImportJob } from '../domain/import-job.js';
import { BUSY_REASON, enrollProspects, type EnrollmentRowInput, type EnrollmentRowResult } from './enroll-prospects.js';
import { checkRows } from './check-rows.js';
import { acceptsChunks, finishIfComplete, type ImportingContext } from './import-jobs.js';

export type ChunkOutcome = 'done' | 'already-done' | 'job-not-running';


export async function runImportChunk(
  ctx: ImportingContext,
  input: {
    importId: string;
    chunk: Omit<ImportChunkMessage, 'text'>;
    /** The chunk's rows, read with the job's column mapping (the CSV reader is the handlers'). */
    rowsOf: (job: ImportJob) => EnrollmentRowInput[];
  },
): Promise<ChunkOutcome> {
  const { importId, chunk } = input;
  const job = await ctx.imports.getImport(importId);
  // Cancelled or failed meanwhile: nothing more is enrolled (what was, stays).
  if (!acceptsChunks(job)) return 'job-not-running';
  if (await ctx.imports.hasChunkResult(importId, chunk.index)) {
    await finishIfComplete(ctx, job, { recount: true });
    return 'already-done';
  }

  const rows = input.rowsOf(job);
  const results = job.dryRun ? checkRows(ctx.settings, rows) : await enrollRows(ctx, job, rows);

  await ctx.objects.put(importObjects.chunkResults(importId, chunk.index), results.map(resultLine).join(''), 'text/csv; charset=utf-8');
  const result = summarize(importId, chunk, results, ctx.clock.now());
  if ((await ctx.imports.putChunkResult(result)) === 'conflict') {
    // Another run of this chunk got there first (both enrolled the same rows, once).
    await finishIfComplete(ctx, job, { recount: true });
    return 'already-done';
  }
  const counted = await ctx.imports.addChunkDone(importId);
  if (counted) await finishIfComplete(ctx, counted);
  return 'done';
}

/** Passes over rows whose enrollment lane stayed busy (another chunk, of this import or another, held it). */
const BUSY_PASSES = 5;

/**
 * The chunk's rows through the enrollment use case. Chunks of one import run side by side
 * and share the 16 lanes, so under load a lane can stay busy past the use case's wait: those
 * rows are enrolled again (a rerun is idempotent) rather than answered "busy" to the user.
 */
async function enrollRows(ctx: ImportingContext, job: ImportJob, rows: EnrollmentRowInput[]): Promise<EnrollmentRowResult[]> {
  const enroll = (subset: EnrollmentRowInput[]) =>
    enrollProspects(ctx, { sequenceId: job.sequenceId, rows: subset, importId: job.id, reenroll: job.reenroll, within: 'import' });
  const results = await enroll(rows);
  for (let pass = 1; pass < BUSY_PASSES; pass++) {
    const busy = new Set(results.filter((r) => r.status === 'skipped' && r.reason === BUSY_REASON).map((r) => r.row));
    if (busy.size === 0) break;
    const again = new Map((await enroll(rows.filter((r) => busy.has(r.row)))).map((r) => [r.row, r]));
    for (const [index, result] of results.entries()) results[index] = again.get(result.row) ?? result;
  }
  return results;
}

/** A dry run: every row read and checked as enrolling would, nobody enrolled. */
function resultLine(result: EnrollmentRowResult): string {
  const reason = result.status === 'enrolled' ? '' : result.reason;
  const prospectId = result.status === 'invalid' ? '' : result.prospectId;
  const enrollmentId = result.status === 'invalid' ? '' : (result.enrollmentId ?? '');
  return csvLine([result.row, result.status, reason, prospectId, enrollmentId, (result.warnings ?? []).join('; ')]);
}

function summarize(importId: string, chunk: Omit<ImportChunkMessage, 'text'>, results: EnrollmentRowResult[], now: Date): ImportChunkResult {
  const counts = { enrolled: 0, skipped: 0, invalid: 0, warnings: 0 };
  const reasons: Record<string, number> = {};
  for (const result of results) {
    counts[result.status] += 1;
    if (result.warnings?.length) counts.warnings += 1;
    if (result.status !== 'enrolled') {
      const kind = reasonKind(result.reason);
      reasons[kind] = (reasons[kind] ?? 0) + 1;
    }
  }
  const kept = Object.fromEntries(topReasons(reasons, TOP_REASONS).map(({ reason, count }) => [reason, count]));
  return {
    importId,
    index: chunk.index,
    firstRow: chunk.firstRow,
    // Rows of the file the chunk covers (blank lines give no result but are read).
    rows: chunk.rows,
    ...counts,
    reasons: kept,
    byteEnd: chunk.byteEnd,
    at: now.toISOString(),
  };
}
