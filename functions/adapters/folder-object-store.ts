/**
 * The object store of the embedded runtime: a folder (under `--data-dir`, or a temporary
 * one in memory mode). Writes go to a temporary file renamed into place, so a reader never
 * sees half an object and a crash leaves none.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../ports.js';

export class FolderObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file of a key; a key that would leave the folder is refused. */
  pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new RangeError(`object key outside the store: ${key.slice(0, 80)}`);
    return path;
  }

  async put(key: string, body: string | Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(temporary, body);
    else await pipeline(Readable.from(body), createWriteStream(temporary));
    await rename(temporary, path);
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.pathOf(key);
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(path, { highWaterMark: 256 * 1024 });
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }
}
