/**
 * A bounded map for process-lifetime caches (a warm Lambda container lives for hours):
 * at most `capacity` entries, the least recently used dropped first. One helper for every
 * such cache, so none grows with the input it is fed. Pure: no I/O.
 */
export class LruCache<K, V> {
  /** A Map iterates in insertion order: re-inserting on use keeps the oldest first. */
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('an LRU cache needs a capacity of at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return this;
  }

  clear(): void {
    this.entries.clear();
  }
}
