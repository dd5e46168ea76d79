import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../functions/domain/lru-cache.js';
import { createSequenceCache, loadSequenceVersion, SEQUENCE_CACHE_LIMIT } from '../../../functions/use-cases/context.js';
import { createTestContext, loadExampleSequence } from '../../fakes/test-context.js';
import { publishSequence } from '../../../functions/use-cases/publish-sequence.js';

describe('LruCache', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    cache.set('c', 30); // an update counts as a use
    cache.set('e', 5);
    expect(cache.has('a')).toBe(false);
    expect(cache.get('c')).toBe(30);
  });

  it('remembers undefined answers too, and refuses a capacity below 1', () => {
    const cache = new LruCache<string, string | undefined>(2);
    cache.set('unknown', undefined);
    expect(cache.has('unknown')).toBe(true);
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});

describe("a container's cache of published sequence versions", () => {
  it(`keeps at most ${SEQUENCE_CACHE_LIMIT} versions however many are read`, async () => {
    const t = await createTestContext();
    const compiled = await loadExampleSequence();
    const cache = createSequenceCache();
    const ctx = { ...t.ctx, sequenceCache: cache };
    const read: number[] = [];
    for (let i = 0; i < SEQUENCE_CACHE_LIMIT + 25; i++) {
      const changed = { ...compiled, hash: `${compiled.hash}-${i}`, definition: { ...compiled.definition, name: `Version ${i}` } };
      const { sequence } = await publishSequence(ctx, changed);
      expect(await loadSequenceVersion(ctx, sequence.id, sequence.version)).toMatchObject({ version: sequence.version, definition: { name: `Version ${i}` } });
      read.push(sequence.version);
    }
    expect(cache.size).toBe(SEQUENCE_CACHE_LIMIT);
    // The most recently read are the ones kept.
    expect(cache.has(`${compiled.id}@${read.at(-1)}`)).toBe(true);
    expect(cache.has(`${compiled.id}@${read[0]}`)).toBe(false);
  });
});
