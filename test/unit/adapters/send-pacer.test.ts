import { describe, expect, it } from 'vitest';
import { perWorkerRate, SendPacer } from '../../../functions/adapters/send-pacer.js';

describe('SendPacer', () => {
  it('spaces sends at the per-worker rate: 5/s over 2 workers is one send every 400 ms', async () => {
    let now = 1_000;
    const sleeps: number[] = [];
    const pacer = new SendPacer(perWorkerRate(5, 2), () => now, async (ms) => {
      sleeps.push(ms);
      now += ms;
    });
    for (let i = 0; i < 4; i++) await pacer.wait();
    expect(sleeps).toEqual([400, 400, 400]);
  });

  it('does not wait when sends are already further apart than the interval', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new SendPacer(10, () => now, async (ms) => void sleeps.push(ms));
    await pacer.wait();
    now += 500;
    await pacer.wait();
    expect(sleeps).toEqual([]);
  });

  it('does nothing without a configured rate', async () => {
    const pacer = new SendPacer(undefined, () => 0, async () => {
      throw new Error('must not sleep');
    });
    await pacer.wait();
    await pacer.wait();
  });
});
