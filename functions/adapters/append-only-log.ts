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
 * - `append` and `rewrite` answer where each line is in the file, and `readLine` reads one
 *   back: a reader may keep a line's position in memory instead of its record (the local
 *   scheduler's pending touches, so memory does not grow with them).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface LogContents<T> {
  records: T[];
  /** Lines that could not be read: a torn last line, or a corrupt line in the middle. */
  unreadable: { line: number; torn: boolean }[];
}

/** Where a line is in the file: its first byte and its length in bytes (with its newline). */
export interface LinePosition {
  offset: number;
  length: number;
}

interface QueuedLine {
  text: string;
  resolve: (position: LinePosition) => void;
  reject: (error: unknown) => void;
}

export class AppendOnlyLog<T> {
  private fd: number | undefined;
  /** Bytes in the file, where the next line goes (unknown until the file is opened, or after a failed write). */
  private size: number | undefined;
  private readFd: number | undefined;
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

  /** Appends one record; resolves once it is written, with where it was written. */
  append(record: T): Promise<LinePosition> {
    return new Promise<LinePosition>((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(record)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Replaces the file's contents with `records`, atomically; answers where each one is. */
  async rewrite(records: readonly T[]): Promise<LinePosition[]> {
    await this.idle();
    this.closeHandle();
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}-${randomUUID()}.tmp`);
    const file = await open(temp, 'w');
    const positions: LinePosition[] = [];
    try {
      let offset = 0;
      const text = records
        .map((record) => {
          const line = `${JSON.stringify(record)}\n`;
          const length = Buffer.byteLength(line, 'utf8');
          positions.push({ offset, length });
          offset += length;
          return line;
        })
        .join('');
      await file.writeFile(text);
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
    return positions;
  }

  /** The record of a line `append` or `rewrite` wrote (the file must not have been rewritten since). */
  readLine(position: LinePosition): T {
    this.readFd ??= openSync(this.path, 'r');
    const bytes = Buffer.allocUnsafe(position.length);
    let read = 0;
    while (read < position.length) {
      const n = readSync(this.readFd, bytes, read, position.length - read, position.offset + read);
      if (n === 0) throw new RangeError(`${this.path}: no line at byte ${position.offset} (${position.length} bytes)`);
      read += n;
    }
    return JSON.parse(bytes.toString('utf8')) as T;
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
          this.size ??= fstatSync(this.fd).size;
          const lengths = batch.map((line) => Buffer.byteLength(line.text, 'utf8'));
          writeAll(this.fd, Buffer.from(batch.map((line) => line.text).join(''), 'utf8'));
          let offset = this.size;
          for (const [index, line] of batch.entries()) {
            const length = lengths[index] as number;
            line.resolve({ offset, length });
            offset += length;
          }
          this.size = offset;
        } catch (error) {
          // How much of the batch reached the file is unknown: look again before the next write.
          this.size = undefined;
          for (const line of batch) line.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private closeHandle(): void {
    const { fd, readFd } = this;
    this.fd = undefined;
    this.readFd = undefined;
    this.size = undefined;
    if (fd !== undefined) closeSync(fd);
    if (readFd !== undefined) closeSync(readFd);
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
