import { describe, expect, it } from 'vitest';
import {
  deferredRecords,
  MAX_GIVE_BACK_SECONDS,
  perWorkerRate,
  RATE_MARGIN,
  retryDelaySeconds,
  SEND_CAP_FACTOR,
  SendPacer,
} from '../../../functions/adapters/send-pacer.js';

describe('SendPacer', () => {
  it('shares a provider rate among the workers: 10/s over 4 workers is 2.5/s each', () => {
    expect(perWorkerRate(10, 4)).toBe(2.5);
    expect(perWorkerRate(undefined, 4)).toBeUndefined();
  });

  it(`hands out slots ${RATE_MARGIN} of the share apart, and the wait for each, rounded up to whole seconds`, () => {
    // 2.5/s at the margin: a slot every 1000 / (2.5 x 0.97) = 412 ms.
    const pacer = new SendPacer(2.5, () => 1_000);
    const waits = Array.from({ length: 6 }, () => pacer.reserve());
    // Slots at +0, +0.41, +0.82, +1.24, +1.65, +2.06 s: never before their slot.
    expect(waits).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('sends at once when sends are already further apart than the interval', () => {
    let now = 0;
    const pacer = new SendPacer(10, () => now);
    expect(pacer.reserve()).toBe(0);
    now += 500;
    expect(pacer.reserve()).toBe(0);
  });

  it('keeps a burst in order: slots taken are not given again when time has moved on a little', () => {
    let now = 0;
    const pacer = new SendPacer(1 / RATE_MARGIN, () => now);
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 1, 2]);
    now = 1_500;
    // The next free slot is at +3 s, 1.5 s from now.
    expect(pacer.reserve()).toBe(2);
  });

  it(`sends messages coming back at once, up to ${SEND_CAP_FACTOR} times the share per second; then one second later; then on a new slot`, () => {
    let now = 0;
    const pacer = new SendPacer(4, () => now);
    // 4/s share: a cap of 6 per second.
    const firstTime = Array.from({ length: 8 }, () => pacer.admit(2));
    expect(firstTime).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    // A message back for the second time while the cap is spent takes the next slot.
    expect(pacer.admit(3)).toBe(1);
    now = 1_000;
    expect(pacer.admit(3)).toBe(0);
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
    expect([pacer.reserve(), pacer.admit(2), pacer.reserve()]).toEqual([0, 0, 0]);
  });
});

describe('deferredRecords', () => {
  const record = (messageId: string, receiveCount = 1, channel: 'email' | 'sms' | undefined = 'sms') => ({
    messageId,
    receiveCount,
    channel,
  });

  it('defers fresh records past the slot of this instant; records coming back go first and are sent within the cap', () => {
    const pacers = { sms: new SendPacer(1 / RATE_MARGIN, () => 0) };
    const deferred = deferredRecords([record('a'), record('b'), record('back', 2), record('c')], pacers);
    // "back" takes a token first; "a" has the slot of now but the one-second cap (1.5) is spent.
    expect([...deferred]).toEqual([
      ['a', 1],
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

  it('backs off by doubling per receive from 1 s, up to 15 minutes', () => {
    expect([1, 2, 3, 4, 7, 50].map((count) => retryDelaySeconds(undefined, count))).toEqual([1, 2, 4, 8, 64, 900]);
  });
});
