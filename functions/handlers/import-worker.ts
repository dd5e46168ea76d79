/**
 * The import worker (README "Imports"): the messages of the import queue, one at a time.
 * `split` (in AWS: the S3 event of the upload) reads the file once and queues its chunks
 * (shared/import-splitter.ts); a chunk's rows are read by the same CSV reader as a request
 * body (shared/enrollment-body.ts) and enrolled by the same use case
 * (use-cases/run-import-chunk.ts). The embedded runtime calls `createImportWorker` from its
 * in-process queue; in AWS `handler` takes the SQS batch.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ImportMessage } from '../domain/import-job.js';
import type { ImportingContext } from '../use-cases/import-jobs.js';
import { runImportChunk } from '../use-cases/run-import-chunk.js';
import { columnMapping, parseCsvChunk } from './shared/enrollment-body.js';
import { splitImport } from './shared/import-splitter.js';
import type { ChunkLimits } from '../domain/csv-records.js';
import type { Logger } from '../ports.js';
import { awsContext, awsImportServices } from './shared/aws-context.js';
import { lazy } from '../async/lazy.js';
import { logger } from './shared/logger.js';
import { observedHandler } from './shared/observability.js';

export interface ImportWorkerOptions {
  /** How the splitter cuts files (default: domain/csv-records.ts DEFAULT_CHUNK_LIMITS). */
  chunkLimits?: Partial<ChunkLimits>;
}

export function createImportWorker(context: () => Promise<ImportingContext>, options: ImportWorkerOptions = {}) {
  return async (message: ImportMessage): Promise<void> => {
    const ctx = await context();
    switch (message.kind) {
      case 'split':
        await splitImport(ctx, message.importId, options.chunkLimits);
        return;
      case 'chunk': {
        const { text, ...chunk } = message.chunk;
        await runImportChunk(ctx, {
          importId: message.importId,
          chunk,
          rowsOf: (job) => parseCsvChunk(message.chunk, job.columns ? columnMapping(job.columns, 'columns') : undefined),
        });
        void text;
        return;
      }
    }
  };
}

/** `imports/<id>/upload.csv` → the import id (domain/import-job.ts `importObjects`). */
const UPLOAD_KEY = /^imports\/(imp_[0-9a-f]{32})\/upload\.csv$/;

/**
 * What an SQS record of the import queue asks: an S3 notification of uploads (one per
 * object; `s3:TestEvent` and other keys ask nothing), or a message the splitter sent.
 */
export function importMessagesOf(record: Pick<SQSRecord, 'body'>): ImportMessage[] {
  const body = JSON.parse(record.body) as { Records?: { s3?: { object?: { key?: string } } }[]; kind?: string };
  if (Array.isArray(body.Records)) {
    return body.Records.flatMap((r) => {
      const key = decodeURIComponent((r.s3?.object?.key ?? '').replace(/\+/g, ' '));
      const id = UPLOAD_KEY.exec(key)?.[1];
      return id ? [{ kind: 'split', importId: id } as const] : [];
    });
  }
  if (body.kind === 'split' || body.kind === 'chunk') return [body as ImportMessage];
  return [];
}

/** The SQS batch: each record alone, a failed one handed back to the queue (partial batch response). */
export function createImportQueueHandler(work: (message: ImportMessage) => Promise<void>, log: Pick<Logger, 'error'> = logger) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        for (const message of importMessagesOf(record)) await work(message);
      } catch (error) {
        // Handed back: SQS redelivers it after its visibility timeout (chunks are idempotent), then the DLQ.
        log.error('import message failed', { messageId: record.messageId, error: error instanceof Error ? error.message : String(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/** Loaded with the first message: only enrolling reads phone numbers' zones. */
const importingContext = lazy(async (): Promise<ImportingContext> => {
  const [ctx, services, { libphonenumberTimeZones }] = await Promise.all([awsContext(), awsImportServices(), import('../adapters/phone-time-zones.js')]);
  return { ...ctx, ...services, phoneTimeZones: libphonenumberTimeZones() };
});

/** The import splitter and chunk worker Lambdas (one function per queue, same code). */
export const handler = observedHandler(() => createImportQueueHandler(createImportWorker(importingContext)));
