/**
 * dynalite 4.0.0 (the latest release) ends the range stream of a Query or a Scan by calling
 * `iterator.return()`, a method abstract-level 3's iterators do not have (theirs is
 * `close()`). So every Query and Scan left its LevelDB iterator open, held by the database
 * until the database closed, each pinning a snapshot of the data it started from: the
 * embedded server's resident memory grew with every Query whatever its result (an import
 * of 20,000 rows, one Query per row, ended at 1.2 GB with a V8 heap of 250 MB) and reads
 * slowed down as the pinned snapshots piled up.
 *
 * Until dynalite closes its iterators itself, its iterators get the `return()` it calls.
 * The classes are taken from the copy of abstract-level that dynalite's own modules load.
 */
import { createRequire } from 'node:module';

interface IteratorClass {
  prototype: { close(): Promise<void>; return?: () => Promise<void> };
}

let installed = false;

export function closeDynaliteIterators(): void {
  if (installed) return;
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const level = fromDynalite('abstract-level') as Record<'AbstractIterator' | 'AbstractKeyIterator' | 'AbstractValueIterator', IteratorClass>;
  for (const iteratorClass of [level.AbstractIterator, level.AbstractKeyIterator, level.AbstractValueIterator]) {
    if (typeof iteratorClass.prototype.return === 'function') continue;
    iteratorClass.prototype.return = function (this: { close(): Promise<void> }) {
      return this.close();
    };
  }
  installed = true;
}
