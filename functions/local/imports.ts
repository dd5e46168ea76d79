/**
 * Import jobs in the embedded runtime (README "Imports"): the same job code as in AWS,
 * with a folder for S3 (adapters/folder-object-store.ts), signed local upload URLs for S3
 * presigned PUTs, and an in-process queue for SQS.
 *
 * The queue runs `concurrency` chunks at a time and makes the splitter wait while
 * `capacity` chunks are queued, so a file of any size never sits in memory: the splitter
 * reads only as fast as the chunks are enrolled. Nothing of a job lives only in memory: on
 * start, `resume` finds the jobs whose upload is stored and that are not over, and splits
 * them again, which queues only the chunks without a stored result (a `--data-dir`
 * restart carries on where it stopped).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { importObjects, isImportEnded, type ImportMessage } from '../domain/import-job.js';
import type { FolderObjectStore } from '../adapters/folder-object-store.js';
import type { ImportQueue, ImportStore, Logger, UploadUrls } from '../ports.js';
import { writeJson } from './api-gateway-bridge.js';

/** Attempts of a chunk that throws before it is dropped (as an SQS queue's maxReceiveCount before its DLQ). */
const MAX_ATTEMPTS = 3;

export interface LocalImportQueueOptions {
  logger: Logger;
  /** Chunks enrolled at once. */
  concurrency?: number;
  /** Chunks waiting before the splitter is held back. */
  capacity?: number;
}

export class ImportQueueClosedError extends Error {
  override name = 'ImportQueueClosedError';
  constructor() {
    super('the import queue is closed (the runtime is stopping)');
  }
}

export class LocalImportQueue implements ImportQueue {
  private work: ((message: ImportMessage) => Promise<void>) | undefined;
  private readonly queued: { message: ImportMessage; attempt: number }[] = [];
  private readonly waitingForRoom: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly splits = new Set<Promise<void>>();
  private active = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly capacity: number;

  constructor(private readonly options: LocalImportQueueOptions) {
    this.concurrency = options.concurrency ?? 2;
    this.capacity = options.capacity ?? 4;
  }

  connect(work: (message: ImportMessage) => Promise<void>): void {
    this.work = work;
  }

  async send(messages: readonly ImportMessage[]): Promise<void> {
    for (const message of messages) {
      // A splitter still reading when the runtime stops: it stops too (a restart resumes it).
      if (this.closed) throw new ImportQueueClosedError();
      if (message.kind === 'split') {
        // A split reads a whole file: it runs beside the pool, which runs the chunks it queues.
        const split = this.run(message).finally(() => {
          this.splits.delete(split);
          this.notifyIdle();
        });
        this.splits.add(split);
        continue;
      }
      while (this.queued.length >= this.capacity && !this.closed) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
      if (this.closed) throw new ImportQueueClosedError();
      this.queued.push({ message, attempt: 1 });
      this.pump();
    }
  }

  /** Resolves once nothing is queued, running or splitting (tests and the bench wait on it). */
  async idle(): Promise<void> {
    while (this.active > 0 || this.queued.length > 0 || this.splits.size > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Stops taking work; what is running finishes (its chunk result is stored or not at all). */
  async close(): Promise<void> {
    this.closed = true;
    this.queued.length = 0;
    for (const resolve of this.waitingForRoom.splice(0)) resolve();
    await this.idle();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queued.length > 0 && !this.closed) {
      const next = this.queued.shift() as { message: ImportMessage; attempt: number };
      this.waitingForRoom.shift()?.();
      this.active += 1;
      void this.attempt(next).finally(() => {
        this.active -= 1;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private async attempt(entry: { message: ImportMessage; attempt: number }): Promise<void> {
    try {
      await this.run(entry.message, true);
    } catch (error) {
      if (entry.attempt < MAX_ATTEMPTS && !this.closed) {
        this.queued.push({ message: entry.message, attempt: entry.attempt + 1 });
        return;
      }
      this.options.logger.error('import chunk dropped after retries', { importId: entry.message.importId, error: String(error) });
    }
  }

  private async run(message: ImportMessage, rethrow = false): Promise<void> {
    if (!this.work) throw new Error('import queue not connected');
    try {
      await this.work(message);
    } catch (error) {
      if (rethrow) throw error;
      if (error instanceof ImportQueueClosedError) return;
      this.options.logger.error('import split failed', { importId: message.importId, error: String(error) });
    }
  }

  private notifyIdle(): void {
    if (this.active === 0 && this.queued.length === 0 && this.splits.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The path prefix of upload URLs; served by the runtime's front door before any body is read. */
export const UPLOAD_PATH = '/uploads/';

/**
 * Signed upload URLs: `<url>/uploads/<key>?expires=<ms>&signature=<hmac>`, an HMAC of the
 * key and the expiry with the runtime's signing secret (as S3 signs a presigned URL with
 * the account's key). Real time, not the virtual clock: a person uploads in real time.
 */
export class LocalUploadUrls implements UploadUrls {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
  ) {}

  async uploadUrl(key: string, expiresInSeconds: number): Promise<string> {
    const expires = Date.now() + expiresInSeconds * 1000;
    return `${this.baseUrl}${UPLOAD_PATH}${key}?expires=${expires}&signature=${this.sign(key, expires)}`;
  }

  /** The key an upload request may write, or why not. */
  verify(url: URL): { ok: true; key: string } | { ok: false; status: number; error: string } {
    const key = decodeURIComponent(url.pathname.slice(UPLOAD_PATH.length));
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature') ?? '';
    const expected = this.sign(key, expires);
    if (!Number.isFinite(expires) || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return { ok: false, status: 403, error: 'upload URL signature does not match; use the uploadUrl POST /imports answered' };
    }
    if (expires < Date.now()) return { ok: false, status: 403, error: 'upload URL expired; create a new import with POST /imports' };
    if (!/^imports\/imp_[0-9a-f]{32}\/upload\.csv$/.test(key)) return { ok: false, status: 404, error: 'not an upload key' };
    return { ok: true, key };
  }

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`PUT\n${key}\n${expires}`).digest('base64url');
  }
}

/**
 * `PUT <uploadUrl>`: the body streams to the object store as it arrives (never whole in
 * memory), then the job's split is queued, as S3's event notification does in AWS. A
 * second upload to the same URL replaces the file only while the job waits for it.
 */
export function createUploadRoute(options: {
  urls: LocalUploadUrls;
  objects: FolderObjectStore;
  imports: ImportStore;
  queue: LocalImportQueue;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'PUT') {
      req.resume();
      return writeJson(res, 405, { error: 'upload with PUT' });
    }
    const checked = options.urls.verify(url);
    if (!checked.ok) {
      req.resume();
      return writeJson(res, checked.status, { error: checked.error });
    }
    const importId = checked.key.split('/')[1] as string;
    const job = await options.imports.getImport(importId);
    if (job?.status !== 'waiting_for_upload') {
      req.resume();
      return writeJson(res, 409, { error: job ? `import ${importId} is ${job.status}; its file was uploaded already` : `import ${importId} does not exist` });
    }
    await options.objects.put(checked.key, req);
    const bytes = (await options.objects.size(checked.key)) ?? 0;
    await options.queue.send([{ kind: 'split', importId }]);
    writeJson(res, 200, { importId, bytes });
  };
}

/** After a restart: every job with a stored upload that is not over is split again (only its missing chunks run). */
export async function resumeImports(options: { root: string; imports: ImportStore; queue: LocalImportQueue; objects: FolderObjectStore; logger: Logger }): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(join(options.root, 'imports'));
  } catch {
    return 0;
  }
  let resumed = 0;
  for (const importId of entries.filter((name) => /^imp_[0-9a-f]{32}$/.test(name))) {
    if ((await options.objects.size(importObjects.upload(importId))) === undefined) continue;
    const job = await options.imports.getImport(importId);
    if (!job || isImportEnded(job.status)) continue;
    await options.queue.send([{ kind: 'split', importId }]);
    resumed += 1;
  }
  if (resumed > 0) options.logger.info('imports resumed', { count: resumed });
  return resumed;
}
