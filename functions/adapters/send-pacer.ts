/**
 * Keeps one worker's sends under its share of a provider's rate WITHOUT waiting inside
 * the (billed) invocation.
 *
 * Each channel's queue has a maximum worker concurrency N (infra/touch-sizing.ts); a
 * worker's share of the provider rate R is R / N. A fresh message (first receive) takes
 * the worker's next send slot (slots RATE_MARGIN under the share): when that slot is now,
 * it is sent now; otherwise the worker gives it back to the queue with a visibility
 * timeout ending at its slot (whole seconds, rounded up), and it comes back when it may
 * be sent. A message coming back is sent at once, within a per-worker cap
 * (SEND_CAP_FACTOR × the share, per second); past the cap it tries again a second later,
 * then takes a new slot. Waiting is SQS's, not Lambda's: a burst of 50,000 touches
 * costs each message one extra receive instead of seconds of billed sleep, and an
 * invocation lasts as long as its sends.
 *
 * When 50,000 touches fall due at 09:00 on a Monday, the N workers slot the whole burst
 * in the first minute or two (hundreds of receives per second), then send as the slots
 * come due, about R per second in total (`npm run bench` simulates it: bench/burst.ts).
 */
import type { Channel } from '../domain/sequence.js';

/**
 * SQS caps a message's visibility at 12 hours from its receive. A slot further out gives
 * the message back for the longest time allowed; it is then sent when it comes back (and
 * by then the send window has usually closed, so the worker reschedules it).
 */
export const MAX_GIVE_BACK_SECONDS = 12 * 3600 - 60;

/**
 * Slots are handed out a little under the worker's share: a message given back comes
 * back to any worker, not always the one that slotted it, and up to a second after its
 * slot; the margin leaves each worker room to send what comes back to it. It costs 5 %
 * of the drain time and keeps the providers' throttles away.
 */
export const RATE_MARGIN = 0.97;

/**
 * How far above its share one worker may send in a second. Slots are the worker's, but
 * a message given back comes back to ANY worker, and all the messages one batch slotted
 * into the same second come back at the same instant: a worker often receives more than
 * its share of a second's returns while another receives less. 1.5× lets it send them;
 * the slots (at RATE_MARGIN of the shares) keep the total at the provider's rate.
 */
export const SEND_CAP_FACTOR = 1.5;

export class SendPacer {
  private nextSlotMs = Number.NEGATIVE_INFINITY;
  /** Sends allowed right now: a token bucket one second deep, refilled at the rate. */
  private tokens: number;
  private refilledAtMs = Number.NEGATIVE_INFINITY;
  private readonly depth: number;
  private readonly capRate: number;

  private readonly slotMs: number;

  /**
   * `ratePerSecond` is this worker's share of the provider rate; no pacing when it is
   * undefined. Slots are handed out at RATE_MARGIN of it; sends are capped (a token
   * bucket one second deep) at SEND_CAP_FACTOR of it.
   */
  constructor(
    private readonly ratePerSecond: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.capRate = (ratePerSecond ?? 1) * SEND_CAP_FACTOR;
    this.depth = Math.max(1, this.capRate);
    this.tokens = this.depth;
    this.slotMs = ratePerSecond ? 1000 / (ratePerSecond * RATE_MARGIN) : 0;
  }

  /**
   * A fresh message takes this worker's next send slot: 0 to send now, else the whole
   * seconds to give it back for.
   */
  reserve(): number {
    if (!this.ratePerSecond) return 0;
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + this.slotMs;
    const wait = Math.ceil((slot - now) / 1000);
    if (wait > 0) return Math.min(MAX_GIVE_BACK_SECONDS, wait);
    return this.takeToken(now) ? 0 : 1;
  }

  /**
   * A message coming back had its slot: it is sent now while this worker stays within
   * its cap. Beyond it (a poller was busy and returns piled up, or two workers' returns
   * met), it tries again a second later, and after that takes a new slot: a pile-up is
   * spread over fresh slots instead of bursting into the provider's throttle.
   */
  admit(receiveCount = 2): number {
    if (!this.ratePerSecond) return 0;
    if (this.takeToken(this.now())) return 0;
    // Back for the first time: one second later it likely meets a worker with room.
    if (receiveCount <= 2) return 1;
    return Math.max(1, this.reserve());
  }

  private takeToken(now: number): boolean {
    const rate = this.capRate;
    const elapsed = Number.isFinite(this.refilledAtMs) ? (now - this.refilledAtMs) / 1000 : Number.POSITIVE_INFINITY;
    this.tokens = Math.min(this.depth, this.tokens + elapsed * rate);
    this.refilledAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}


/** This worker's share of a provider rate. */
export function perWorkerRate(rate: number | undefined, concurrency: number | undefined): number | undefined {
  if (!rate) return undefined;
  return rate / Math.max(1, concurrency ?? 1);
}

/** What pacing needs of a queue record. */
export interface PacedRecord {
  messageId: string;
  /** SQS `ApproximateReceiveCount`: 1 on the first receive. */
  receiveCount: number;
  /** The channel whose provider sends it, when known. */
  channel: Channel | undefined;
}

/**
 * The records of a batch that must wait, by message id → seconds. Records coming back
 * (already paced once) go first; records of a channel without a pacer are sent now.
 */
export function deferredRecords(
  records: readonly PacedRecord[],
  pacers: Partial<Record<Channel, SendPacer>>,
): Map<string, number> {
  const deferred = new Map<string, number>();
  const ordered = [...records.filter((r) => r.receiveCount > 1), ...records.filter((r) => r.receiveCount <= 1)];
  for (const record of ordered) {
    const pacer = record.channel === undefined ? undefined : pacers[record.channel];
    if (!pacer) continue;
    const wait = record.receiveCount > 1 ? pacer.admit(record.receiveCount) : pacer.reserve();
    if (wait > 0) deferred.set(record.messageId, wait);
  }
  return deferred;
}

/**
 * When a touch that could not be sent now (a throttle, a provider hiccup, a busy claim)
 * should come back: the provider's hint when it gave one, else a backoff doubling per
 * receive from 1 s up to 15 minutes. A rate throttle clears within the second (the
 * rate is per second), so the first retries are quick; a provider that keeps refusing
 * is retried less and less often until the message reaches its dead-letter queue.
 */
export function retryDelaySeconds(hintSeconds: number | undefined, receiveCount: number): number {
  if (hintSeconds !== undefined && Number.isFinite(hintSeconds) && hintSeconds >= 0) {
    return Math.min(MAX_GIVE_BACK_SECONDS, Math.ceil(hintSeconds));
  }
  return Math.min(900, 2 ** (Math.max(1, Math.min(receiveCount, 11)) - 1));
}
