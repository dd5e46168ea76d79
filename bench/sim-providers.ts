/**
 * The providers of the burst simulation (bench/burst.ts), each enforcing its rate the way
 * the real one does: SES refuses sends above the account's maximum send rate, Twilio
 * queues what a sender cannot send yet.
 */
import type { EmailSender, SendResult, SmsSender } from '../functions/ports.js';

/** What a fake provider tells the simulation. */
export interface SimProvider {
  sent: number;
  refused: number;
  /** When the last accepted message left the provider (SES: at once; Twilio: from its queue). */
  lastDepartureAt: number;
}

/**
 * SES: the account's maximum send rate, enforced per second (a token bucket one second
 * deep); a send above it is refused with TooManyRequestsException ("Maximum sending rate
 * exceeded"), and the message is not sent.
 */
export class SesLikeProvider implements SimProvider {
  sent = 0;
  refused = 0;
  lastDepartureAt = 0;
  private tokens: number;
  private updatedAt = Number.NEGATIVE_INFINITY;
  private readonly capacity: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.max(1, rate);
    this.tokens = this.capacity;
  }

  sender(): EmailSender {
    return {
      send: async (): Promise<SendResult> => {
        const now = this.now();
        const elapsed = Number.isFinite(this.updatedAt) ? (now - this.updatedAt) / 1000 : Infinity;
        this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
        this.updatedAt = now;
        if (this.tokens < 1) {
          this.refused++;
          return { kind: 'retryable', reason: 'TooManyRequestsException: Maximum sending rate exceeded.' };
        }
        this.tokens -= 1;
        this.sent++;
        this.lastDepartureAt = now;
        const id = `0100019b-burst-${String(this.sent).padStart(8, '0')}-000000`;
        return { kind: 'sent', providerMessageId: id, messageIdHeader: `<${id}@email.amazonses.com>` };
      },
    };
  }
}

/**
 * Twilio: a sender's MPS is enforced by Twilio's queue, not by refusals: a message
 * created faster is accepted and leaves at the sender's rate; a queue holding more than
 * 10 hours of messages refuses new ones (21611). Pacing on our side keeps this queue
 * near empty, so a touch leaves when the worker decided to send it (inside the send
 * window, and never after a STOP that arrived while it waited in OUR queue).
 */
export class TwilioLikeProvider implements SimProvider {
  sent = 0;
  refused = 0;
  lastDepartureAt = 0;
  /** Seconds the longest-waiting message sat in Twilio's queue. */
  maxQueueSeconds = 0;

  constructor(
    private readonly mps: number,
    private readonly now: () => number,
  ) {}

  sender(): SmsSender {
    return {
      send: async (): Promise<SendResult> => {
        const now = this.now();
        const departure = Math.max(now, this.lastDepartureAt + 1000 / this.mps);
        if (departure - now > 36_000_000) {
          this.refused++;
          return { kind: 'retryable', reason: "Twilio 21611: This 'From' number has exceeded the maximum number of queued messages" };
        }
        this.lastDepartureAt = departure;
        this.maxQueueSeconds = Math.max(this.maxQueueSeconds, (departure - now) / 1000);
        this.sent++;
        return { kind: 'sent', providerMessageId: `SM${String(this.sent).padStart(32, '0')}` };
      },
    };
  }
}

