import { describe, expect, it } from 'vitest';
import {
  deferredRecords,
  MAX_GIVE_BACK_SECONDS,
  perWorkerRate,
  retryDelaySeconds,
  SendPacer,
} from '../../../functions/adapters/send-pacer.js';

describe('SendPacer', () => {
  it('gives slots at the per-worker rate: 5/s over 2 workers is one slot every 400 ms, waits rounded up to whole seconds', () => {
    const pacer = new SendPacer(perWorkerRate(5, 2), () => 1_000);
    const waits = Array.from({ length: 6 }, () => pacer.reserve());
    // Slots at +0, +0.4, +0.8, +1.2, +1.6, +2.0 s: never before their slot.
    expect(waits).toEqual([0, 1, 1, 2, 2, 2]);
  });

  it('sends at once when sends are already further apart than the interval', () => {
    let now = 0;
    const pacer = new SendPacer(10, () => now);
    expect(pacer.reserve()).toBe(0);
    now += 500;
    expect(pacer.reserve()).toBe(0);
  });

  it('keeps a burst in order: slots taken now are not given again when time has moved on a little', () => {
    let now = 0;
    const pacer = new SendPacer(1, () => now);
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 1, 2]);
    now = 1_500;
    // The next free slot is at +3 s, 1.5 s from now.
    expect(pacer.reserve()).toBe(2);
  });

  it('never gives a message back for longer than SQS allows (12 hours from its receive)', () => {
    const pacer = new SendPacer(1, () => 0);
    let last = 0;
    for (let i = 0; i < 50_000; i++) last = pacer.reserve();
    expect(last).toBe(MAX_GIVE_BACK_SECONDS);
    expect(MAX_GIVE_BACK_SECONDS).toBeLessThanOrEqual(43_200);
  });

  it('does nothing without a configured rate', () => {
    const pacer = new SendPacer(undefined, () => 0);
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 0, 0]);
  });
});

describe('deferredRecords', () => {
  const record = (messageId: string, receiveCount = 1, channel: 'email' | 'sms' | undefined = 'sms') => ({
    messageId,
    receiveCount,
    channel,
  });

  it('defers fresh records past the slot of this instant; records coming back are sent at once and take no slot', () => {
    const pacers = { sms: new SendPacer(1, () => 0) };
    const deferred = deferredRecords([record('a'), record('b'), record('back', 2), record('c')], pacers);
    expect([...deferred]).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('sends records of a channel without a pacer, or without a known channel, at once', () => {
    const pacers = { sms: new SendPacer(1, () => 0) };
    expect(deferredRecords([record('e1', 1, 'email'), record('e2', 1, 'email'), record('x', 1, undefined)], pacers).size).toBe(0);
  });
});

describe('retryDelaySeconds', () => {
  it("uses the provider's Retry-After when it gave one", () => {
    expect(retryDelaySeconds(7, 1)).toBe(7);
    expect(retryDelaySeconds(2.2, 5)).toBe(3);
  });

  it('backs off by doubling per receive from 10 s, up to 15 minutes', () => {
    expect([1, 2, 3, 4, 7, 50].map((count) => retryDelaySeconds(undefined, count))).toEqual([10, 20, 40, 80, 640, 900]);
  });
});
