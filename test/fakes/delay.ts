/** Artificial latency for fakes, so concurrent use-case calls really interleave. */

/** A fixed number of milliseconds, a function returning one, or 'tick' (one macrotask turn). */
export type Latency = number | 'tick' | (() => number);

export async function pause(latency: Latency | undefined): Promise<void> {
  if (latency === undefined) return;
  const ms = typeof latency === 'function' ? latency() : latency;
  if (ms === 'tick') {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return;
  }
  if (ms <= 0) {
    await Promise.resolve();
    return;
  }
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Random whole milliseconds in [0, maxMs]; 0 still yields to the event loop once. */
export function jitter(maxMs: number, random: () => number = Math.random): () => number {
  return () => Math.floor(random() * (maxMs + 1));
}

/** Small deterministic PRNG (mulberry32) so a flaky interleaving can be replayed by seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wraps an object so every method call first waits `latency` (e.g. a Store, to let
 * concurrent use cases interleave between its requests). The wrapped object's own
 * semantics are unchanged: each call still runs atomically once it starts.
 */
export function withLatency<T extends object>(target: T, latency: Latency): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await pause(latency);
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}
