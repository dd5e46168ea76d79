/**
 * The splitter of an import job: reads the uploaded file ONCE, as a stream (memory stays
 * flat whatever its size), decides its encoding from its first bytes
 * (domain/text-encoding.ts), cuts it into chunks of whole records (domain/csv-records.ts)
 * and queues one message per chunk, carrying the chunk's CSV text; then records how many
 * chunks there are. The header is checked as a request body's is (enrollment-body.ts): a
 * file without one, or whose header maps no address column, fails the job with that
 * message before any row is enrolled.
 *
 * Run again after a crash (the upload's event is redelivered, or `npm start` restarts), it
 * reads the file again and queues only the chunks without a stored result: chunking is
 * deterministic, so chunk n is the same rows every time, and a chunk queued twice is
 * harmless (run-import-chunk.ts).
 */
import { importObjects, type ImportChunkMessage, type ImportMessage } from '../../domain/import-job.js';
import { CsvChunker, type ChunkLimits } from '../../domain/csv-records.js';
import { decodeStream, TextEncodingError } from '../../domain/text-encoding.js';
import { beginImport, failImport, recordSplit, type ImportContext } from '../../use-cases/import-jobs.js';
import { checkCsvHeader, columnMapping } from './enrollment-body.js';
import { HttpError } from './http.js';

/** Messages sent per queue request (SQS SendMessageBatch takes 10). */
const SEND_BATCH = 10;
/** How often (in chunks) the splitter looks whether the job was cancelled. */
const CANCEL_CHECK_EVERY = 20;

export type SplitOutcome = 'split' | 'not-running' | 'failed' | 'cancelled';

export async function splitImport(ctx: ImportContext, importId: string, limits: Partial<ChunkLimits> = {}): Promise<SplitOutcome> {
  const key = importObjects.upload(importId);
  const bytes = await ctx.objects.size(key);
  if (bytes === undefined) return 'not-running';
  const job = await beginImport(ctx, importId, bytes);
  if (!job) return 'not-running';
  const done = new Set((await ctx.imports.listChunkResults(importId)).map((chunk) => chunk.index));
  const columns = job.columns ? columnMapping(job.columns, 'columns') : undefined;

  const body = await ctx.objects.get(key);
  if (!body) return 'not-running';
  const chunker = new CsvChunker(limits);
  let headerChecked = false;
  let encoding = 'utf-8';
  let pending: ImportMessage[] = [];
  let cut = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await ctx.importQueue.send(batch);
  };
  try {
    const queue = async (chunks: ReturnType<CsvChunker['push']>, byteEnd: number): Promise<boolean> => {
      for (const chunk of chunks) {
        if (!headerChecked) {
          checkCsvHeader(chunker.headerText ?? '', columns);
          headerChecked = true;
        }
        cut += 1;
        if (cut % CANCEL_CHECK_EVERY === 0 && (await ctx.imports.getImport(importId))?.status !== 'running') return false;
        if (done.has(chunk.index)) continue;
        const message: ImportChunkMessage = { ...chunk, byteEnd };
        pending.push({ kind: 'chunk', importId, chunk: message });
        if (pending.length >= SEND_BATCH) await flush();
      }
      return true;
    };
    for await (const piece of decodeStream(body)) {
      encoding = piece.encoding;
      if (!(await queue(chunker.push(piece.text), piece.bytesRead))) return 'cancelled';
    }
    if (!(await queue(chunker.end(), bytes))) return 'cancelled';
    if (!headerChecked) {
      if (chunker.headerText === undefined) throw new HttpError(400, 'CSV file is empty; expected a header row and data rows');
      checkCsvHeader(chunker.headerText, columns);
    }
    await flush();
  } catch (error) {
    if (error instanceof HttpError || error instanceof TextEncodingError) {
      // Chunks already queued still run (the job's results list them); the rest is not read.
      await failImport(ctx, importId, error.message);
      return 'failed';
    }
    throw error;
  }
  await recordSplit(ctx, importId, { totalChunks: cut, totalRows: chunker.rowsSeen, encoding });
  ctx.logger.info('import split', { importId, chunks: cut, rows: chunker.rowsSeen });
  return 'split';
}
