/**
 * Fakes of the import job ports: the job store with the DynamoDB adapter's semantics (the
 * contract in test/integration/store/import-contract.test.ts runs against both), an object
 * store in memory, and a queue that keeps what was sent.
 */
import type { ImportChunkResult, ImportJob, ImportMessage, ImportStatus } from '../../functions/domain/import-job.js';
import type { ConditionalWriteResult, ImportQueue, ImportStore, ObjectStore, UploadUrls } from '../../functions/ports.js';

export class FakeImports implements ImportStore {
  private readonly jobs = new Map<string, ImportJob>();
  private readonly chunks = new Map<string, ImportChunkResult>();

  async createImport(job: ImportJob): Promise<ConditionalWriteResult> {
    if (this.jobs.has(job.id)) return 'conflict';
    this.jobs.set(job.id, structuredClone(job));
    return 'ok';
  }

  async getImport(importId: string): Promise<ImportJob | undefined> {
    const job = this.jobs.get(importId);
    return job ? structuredClone(job) : undefined;
  }

  async updateImport(importId: string, change: { from: readonly ImportStatus[]; set: Partial<Omit<ImportJob, 'id'>> }): Promise<ImportJob | 'conflict'> {
    const job = this.jobs.get(importId);
    if (!job || !change.from.includes(job.status)) return 'conflict';
    const next: Record<string, unknown> = { ...job };
    for (const [name, value] of Object.entries(change.set)) {
      if (value === undefined) delete next[name];
      else next[name] = structuredClone(value);
    }
    this.jobs.set(importId, next as unknown as ImportJob);
    return structuredClone(next as unknown as ImportJob);
  }

  async putChunkResult(result: ImportChunkResult): Promise<ConditionalWriteResult> {
    const key = `${result.importId}#${result.index}`;
    if (this.chunks.has(key)) return 'conflict';
    this.chunks.set(key, structuredClone(result));
    return 'ok';
  }

  async hasChunkResult(importId: string, index: number): Promise<boolean> {
    return this.chunks.has(`${importId}#${index}`);
  }

  async addChunkDone(importId: string): Promise<ImportJob | undefined> {
    const job = this.jobs.get(importId);
    if (!job) return undefined;
    job.chunksDone = (job.chunksDone ?? 0) + 1;
    return structuredClone(job);
  }

  async listChunkResults(importId: string): Promise<ImportChunkResult[]> {
    return [...this.chunks.values()].filter((c) => c.importId === importId).sort((a, b) => a.index - b.index).map((c) => structuredClone(c));
  }
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();

  async put(key: string, body: string | Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    if (typeof body === 'string') this.objects.set(key, new TextEncoder().encode(body));
    else if (body instanceof Uint8Array) this.objects.set(key, body.slice());
    else {
      const pieces: Uint8Array[] = [];
      for await (const piece of body) pieces.push(piece);
      this.objects.set(key, Buffer.concat(pieces));
    }
  }

  /** Streams in pieces of `pieceBytes`, like a file or S3 would. */
  pieceBytes = 4096;

  async get(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = this.objects.get(key);
    if (!bytes) return undefined;
    const size = this.pieceBytes;
    return (async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    })();
  }

  async size(key: string): Promise<number | undefined> {
    return this.objects.get(key)?.length;
  }

  text(key: string): string | undefined {
    const bytes = this.objects.get(key);
    return bytes ? new TextDecoder().decode(bytes) : undefined;
  }
}

export class RecordingImportQueue implements ImportQueue {
  readonly sent: ImportMessage[] = [];
  async send(messages: readonly ImportMessage[]): Promise<void> {
    this.sent.push(...structuredClone(messages));
  }
}

export const fakeUploadUrls: UploadUrls = {
  uploadUrl: async (key, seconds) => `https://uploads.example.test/${key}?expires=${seconds}`,
};
