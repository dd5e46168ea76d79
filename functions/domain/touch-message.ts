/**
 * What a fired schedule delivers to the touch worker. Domain, not a port: planning a
 * touch (touch-plan.ts) builds these, and the ports and adapters carry them.
 */
import type { Channel } from './sequence.js';

/** The body of a touch message: what a fired schedule puts on the touch queue. */
export interface TouchMessage {
  enrollmentId: string;
  prospectId: string;
  sequenceId: string;
  /** Which enrollment run of this prospect in this sequence (re-enrolling starts a new run). */
  run: number;
  stepIndex: number;
  /** When the touch was due (ISO 8601, UTC). */
  dueAt: string;
  /**
   * `addressHash()` (domain/address-hash.ts) of the prospect's email and phone, as known
   * when the touch was scheduled. With them `Store.loadTouchContext` reads the enrollment,
   * the profile AND the suppressions in ONE consistent batch read. Optional: without them,
   * or when the prospect's address changed since scheduling, the store spends one more
   * read on the current address's suppression (correctness first).
   */
  addressHashes?: { email?: string; phone?: string };
  /** The request that enrolled the prospect (API Gateway request id), carried into every log line of its touches. */
  correlationId?: string;
  /**
   * The channel of the step at `stepIndex`: the schedule delivers the message to that
   * channel's touch queue, so email and SMS drain at their own providers' rates.
   * Optional: messages scheduled before the queues were split lack it (they arrive on
   * the email queue, and the worker still sends on the step's channel).
   */
  channel?: Channel;
}

export interface ScheduledTouch extends TouchMessage {
  /** Deterministic schedule name, so a retry can never create a second schedule. */
  scheduleName: string;
}
