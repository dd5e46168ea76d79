import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../functions/adapters/token-bucket.js';

describe('TokenBucket', () => {
  it('lets a burst through, then at most the rate per second, in order', async () => {
    let now = 0;
    const order: number[] = [];
    const bucket = new TokenBucket(10, 5, () => now, async (ms) => {
      now += ms;
    });
    await Promise.all(Array.from({ length: 25 }, (_, i) => bucket.take().then(() => order.push(i))));
    // 5 at once, then 20 more at 10 a second: 2 seconds of virtual time.
    expect(now).toBeGreaterThanOrEqual(2_000);
    expect(now).toBeLessThan(2_200);
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});
