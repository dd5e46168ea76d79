/**
 * A token bucket: `take()` resolves when a token is free, at most `ratePerSecond` a
 * second with bursts of `burst`. Shared by everything in one container that calls a rate-
 * limited API (EventBridge Scheduler's CreateSchedule quota: 1,000 a second per account
 * and region by default), so the callers of a container together stay under its share.
 */
export interface RateLimiter {
  take(): Promise<void>;
}

export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, ratePerSecond),
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Callers are served in order: one waiting caller never lets a later one pass it. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}
