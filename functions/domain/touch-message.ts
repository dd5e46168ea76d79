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

/**
 * The touch queues: one per provider whose rate paces the sends (SES, Twilio). Steps of
 * the other channels ride one of them: a voicemail drop is a Twilio call, so it waits on
 * the SMS queue (a slow SES never holds it up, and its worker has the Twilio client);
 * call and task steps only put a task on a rep's list, so they take the email queue,
 * whose worker paces none of them (touch-worker.ts paces by the message's channel).
 */
export const TOUCH_QUEUES = ['email', 'sms'] as const;
export type TouchQueue = (typeof TOUCH_QUEUES)[number];

/** The queue a touch of `channel` is delivered to. */
export function touchQueueOf(channel: Channel): TouchQueue {
  switch (channel) {
    case 'email':
    case 'call':
    case 'task':
      return 'email';
    case 'sms':
    case 'voicemail':
      return 'sms';
  }
}
