/**
 * Import jobs (README "Imports", domain/import-job.ts): create one, report its progress,
 * cancel it, and the state changes the splitter and the chunk workers make. Each change
 * is ONE conditional write on the job item; progress is the sum of the chunk results.
 */
import { randomBytes } from 'node:crypto';
import {
  importObjects,
  importProgress,
  isImportEnded,
  type ImportChunkResult,
  type ImportJob,
  type ImportProgress,
} from '../domain/import-job.js';
import type { ImportQueue, ImportStore, ObjectStore, UploadUrls } from '../ports.js';
import { actedBy, ImportNotFoundError, ImportStateError, SequenceNotFoundError, type EnrollingContext, type UseCaseContext } from './context.js';

export { ImportNotFoundError, ImportStateError } from './context.js';

/** What the import use cases need besides the engine's ports. */
export interface ImportServices {
  imports: ImportStore;
  objects: ObjectStore;
  uploads: UploadUrls;
  importQueue: ImportQueue;
}

export type ImportContext = UseCaseContext & ImportServices;
export type ImportingContext = EnrollingContext & ImportServices;

/** How long the upload URL of a new job is valid. */
export const UPLOAD_URL_SECONDS = 3_600;

export function newImportId(): string {
  return `imp_${randomBytes(16).toString('hex')}`;
}

export async function createImport(
  ctx: ImportContext,
  input: { sequenceId: string; columns?: Record<string, string>; reenroll?: boolean; dryRun?: boolean },
): Promise<{ importId: string; uploadUrl: string; uploadExpiresAt: string; job: ImportJob }> {
  if (!(await ctx.store.getCurrentSequence(input.sequenceId))) throw new SequenceNotFoundError(input.sequenceId);
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const actor = actedBy(ctx).actor;
  const job: ImportJob = {
    id: newImportId(),
    sequenceId: input.sequenceId,
    status: 'waiting_for_upload',
    ...(input.columns && Object.keys(input.columns).length > 0 ? { columns: input.columns } : {}),
    reenroll: input.reenroll ?? false,
    dryRun: input.dryRun ?? false,
    ...(actor ? { actor } : {}),
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  if ((await ctx.imports.createImport(job)) === 'conflict') throw new Error('import id collision');
  const uploadUrl = await ctx.uploads.uploadUrl(importObjects.upload(job.id), UPLOAD_URL_SECONDS);
  ctx.logger.info('import created', { importId: job.id, sequenceId: job.sequenceId });
  return { importId: job.id, uploadUrl, uploadExpiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(), job };
}

export async function getImport(ctx: Pick<ImportContext, 'imports' | 'clock'>, importId: string): Promise<{ job: ImportJob; progress: ImportProgress; chunks: ImportChunkResult[] }> {
  const job = await ctx.imports.getImport(importId);
  if (!job) throw new ImportNotFoundError(importId);
  const chunks = await ctx.imports.listChunkResults(importId);
  return { job, progress: importProgress(job, chunks, ctx.clock.now()), chunks };
}

/**
 * Stops a job: chunks not yet started do nothing more, a chunk in flight finishes (its
 * rows are enrolled and listed in the results), nothing enrolled is undone. Cancelling a
 * cancelled job answers it as it is; a finished or failed one is a 409.
 */
export async function cancelImport(ctx: ImportContext, importId: string): Promise<ImportProgress> {
  const nowIso = ctx.clock.now().toISOString();
  const written = await ctx.imports.updateImport(importId, {
    from: ['waiting_for_upload', 'running'],
    set: { status: 'cancelled', endedAt: nowIso, updatedAt: nowIso },
  });
  if (written === 'conflict') {
    const { job, progress } = await getImport(ctx, importId);
    if (job.status !== 'cancelled') throw new ImportStateError(`import ${importId} is already ${job.status}; only a waiting or running import can be cancelled`);
    return progress;
  }
  ctx.logger.info('import cancelled', { importId });
  return (await getImport(ctx, importId)).progress;
}

/**
 * The upload arrived: the job runs. Answers the job when it is running (also when it was
 * already: a splitter run again after a crash resumes it), undefined when it ended
 * (cancelled before its upload, or a late duplicate event).
 */
export async function beginImport(ctx: ImportContext, importId: string, bytes: number): Promise<ImportJob | undefined> {
  const nowIso = ctx.clock.now().toISOString();
  const written = await ctx.imports.updateImport(importId, {
    from: ['waiting_for_upload'],
    set: { status: 'running', startedAt: nowIso, updatedAt: nowIso, bytes },
  });
  if (written !== 'conflict') return written;
  const job = await ctx.imports.getImport(importId);
  return job?.status === 'running' ? job : undefined;
}

/** The splitter read the whole file: how many chunks and rows; the job is done once its chunks are. */
export async function recordSplit(ctx: ImportContext, importId: string, split: { totalChunks: number; totalRows: number; encoding: string }): Promise<void> {
  const written = await ctx.imports.updateImport(importId, {
    from: ['running'],
    set: { ...split, updatedAt: ctx.clock.now().toISOString() },
  });
  if (written !== 'conflict') await finishIfComplete(ctx, written);
}

/** A per-file problem (no header, no address column, bad encoding): the job fails; what was enrolled stays. */
export async function failImport(ctx: ImportContext, importId: string, error: string): Promise<void> {
  const nowIso = ctx.clock.now().toISOString();
  await ctx.imports.updateImport(importId, {
    from: ['waiting_for_upload', 'running'],
    set: { status: 'failed', error: error.slice(0, 1000), endedAt: nowIso, updatedAt: nowIso },
  });
  ctx.logger.warn('import failed', { importId });
}

/**
 * Marks the job done when every chunk the splitter cut has its result (ONE conditional
 * write; whoever sees it first). `chunksDone` says when to look; the stored chunk results
 * decide. `recount`: look even when `chunksDone` is short (a worker died between storing
 * its result and counting it: the chunk's rerun finds its result and repairs the count here).
 */
export async function finishIfComplete(ctx: ImportContext, job: ImportJob, options: { recount?: boolean } = {}): Promise<void> {
  if (job.status !== 'running' || job.totalChunks === undefined) return;
  if (!options.recount && (job.chunksDone ?? 0) < job.totalChunks) return;
  if ((await ctx.imports.listChunkResults(job.id)).length < job.totalChunks) return;
  const nowIso = ctx.clock.now().toISOString();
  const written = await ctx.imports.updateImport(job.id, { from: ['running'], set: { status: 'done', endedAt: nowIso, updatedAt: nowIso } });
  if (written !== 'conflict') ctx.logger.info('import done', { importId: job.id, chunks: job.totalChunks });
}

/** Whether a job's chunks may still enroll. */
export function acceptsChunks(job: ImportJob | undefined): job is ImportJob {
  return job !== undefined && job.status === 'running';
}

export { isImportEnded };
