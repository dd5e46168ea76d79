/**
 * A file of JSON lines, only ever appended to, for the embedded runtime's `--data-dir`
 * (pending schedules, the outbox).
 *
 * - Appends go through ONE queue: the lines queued in one tick are written together by
 *   one synchronous write (a few microseconds; an async write per line cost ~5× more in
 *   `npm run bench`), and `append` resolves once its line is in the file. Two writers
 *   never interleave.
 * - A `kill -9` loses nothing that was appended (the kernel has the bytes; no fsync per
 *   line, so a power cut may lose the last ones). A crash in the middle of a write can
 *   leave the last line torn: `read` drops it.
 * - `rewrite` replaces the whole file atomically (compaction): a temp file with a unique
 *   name, fsync, rename over the log, fsync of the folder.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface LogContents<T> {
  records: T[];
  /** Lines that could not be read: a torn last line, or a corrupt line in the middle. */
  unreadable: { line: number; torn: boolean }[];
}

interface QueuedLine {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AppendOnlyLog<T> {
  private fd: number | undefined;
  private queue: QueuedLine[] = [];
  private flushing: Promise<void> | undefined;

  constructor(readonly path: string) {}

  /** Every record in the file, in order (none when it does not exist). */
  async read(): Promise<LogContents<T>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: [] };
      throw error;
    }
    const lines = text.split('\n');
    // Whatever follows the last newline was being written when the process died.
    const tail = lines.pop() ?? '';
    const records: T[] = [];
    const unreadable: LogContents<T>['unreadable'] = [];
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        unreadable.push({ line: index + 1, torn: false });
      }
    });
    if (tail.trim() !== '') unreadable.push({ line: lines.length + 1, torn: true });
    return { records, unreadable };
  }

  /** Appends one record; resolves once it is written. */
  append(record: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(record)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Replaces the file's contents with `records`, atomically. */
  async rewrite(records: readonly T[]): Promise<void> {
    await this.idle();
    this.closeHandle();
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}-${randomUUID()}.tmp`);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncFolder(dirname(this.path));
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    await this.idle();
    this.closeHandle();
  }

  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      // Lines queued in this tick are written together, with one synchronous write: the
      // bytes are in the kernel before any `append` resolves, and nothing can interleave.
      await Promise.resolve();
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          this.fd ??= openSync(this.path, 'a');
          writeAll(this.fd, Buffer.from(batch.map((line) => line.text).join(''), 'utf8'));
          for (const line of batch) line.resolve();
        } catch (error) {
          for (const line of batch) line.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private closeHandle(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

/** Makes a rename durable (on platforms where a folder can be opened; elsewhere a no-op). */
async function syncFolder(path: string): Promise<void> {
  let folder: FileHandle | undefined;
  try {
    folder = await open(path, 'r');
    await folder.sync();
  } catch {
    // Not supported here (e.g. Windows): the rename itself is still atomic.
  } finally {
    await folder?.close().catch(() => undefined);
  }
}
