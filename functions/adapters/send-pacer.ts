/**
 * Keeps one worker's sends under its share of a provider's rate WITHOUT waiting inside
 * the (billed) invocation.
 *
 * Each channel's queue has a maximum worker concurrency N (infra/touch-sizing.ts);
 * a worker's share of the provider rate R is R / N, i.e. one send slot every N / R
 * seconds. A fresh message (first receive) takes the worker's next free slot: when that
 * slot is now, it is sent now; otherwise the worker gives it back to the queue with a
 * visibility timeout that ends at its slot (whole seconds, rounded up), and it comes
 * back when it may be sent. A message that comes back (receive count above 1: given back
 * by a pacer, or retried after a throttle or a crash) already waited for its turn, so it
 * is sent at once. Waiting is SQS's, not Lambda's: a burst of 50,000 touches costs each
 * message one extra receive instead of seconds of billed sleep, and the worker's
 * invocation stays as short as its sends.
 *
 * When 50,000 touches fall due at 09:00 on a Monday, the N workers slot the whole burst
 * in the first minutes (a few hundred receives per second), then send as the slots come
 * due: R per second in total, within one second of their slot.
 */
import type { Channel } from '../domain/sequence.js';

/**
 * SQS caps a message's visibility at 12 hours from its receive. A slot further out gives
 * the message back for the longest time allowed; it is then sent when it comes back (and
 * by then the send window has usually closed, so the worker reschedules it).
 */
export const MAX_GIVE_BACK_SECONDS = 12 * 3600 - 60;

export class SendPacer {
  private nextSlotMs = Number.NEGATIVE_INFINITY;

  /** `ratePerSecond` is this worker's share; no pacing when it is undefined. */
  constructor(
    private readonly ratePerSecond: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes this worker's next send slot and answers how long the message must wait for
   * it: 0 to send now, else whole seconds to give it back for.
   */
  reserve(): number {
    if (!this.ratePerSecond) return 0;
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + 1000 / this.ratePerSecond;
    return Math.min(MAX_GIVE_BACK_SECONDS, Math.ceil((slot - now) / 1000));
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
 * The records of a batch that must wait for their slot, by message id → seconds. Records
 * of a channel without a pacer, and records coming back, are sent now.
 */
export function deferredRecords(
  records: readonly PacedRecord[],
  pacers: Partial<Record<Channel, SendPacer>>,
): Map<string, number> {
  const deferred = new Map<string, number>();
  for (const record of records) {
    if (record.receiveCount > 1 || record.channel === undefined) continue;
    const wait = pacers[record.channel]?.reserve() ?? 0;
    if (wait > 0) deferred.set(record.messageId, wait);
  }
  return deferred;
}

/**
 * When a touch that could not be sent now (a throttle, a busy claim) should come back:
 * the provider's hint when it gave one, else a backoff doubling per receive from 10 s
 * up to 15 minutes (SES asks for "up to 10 minutes" after a throttle).
 */
export function retryDelaySeconds(hintSeconds: number | undefined, receiveCount: number): number {
  if (hintSeconds !== undefined && Number.isFinite(hintSeconds) && hintSeconds >= 0) {
    return Math.min(MAX_GIVE_BACK_SECONDS, Math.ceil(hintSeconds));
  }
  return Math.min(900, 10 * 2 ** Math.max(0, Math.min(receiveCount, 10) - 1));
}
