/**
 * Keeps one worker's sends under its share of a provider's rate. The queue's maximum
 * concurrency bounds how many workers run at once; each paces itself at
 * rate ÷ concurrency, so together they stay under the account's SES or Twilio limit
 * even when 50,000 touches fall due at 09:00 on a Monday.
 */
import type { EmailSender, OutgoingEmail, OutgoingSms, SendResult, SmsSender } from '../ports.js';

export class SendPacer {
  private nextSlotMs = 0;

  /** `ratePerSecond` is this worker's share; no pacing when it is undefined. */
  constructor(
    private readonly ratePerSecond: number | undefined,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Waits for this worker's next send slot. */
  async wait(): Promise<void> {
    if (!this.ratePerSecond) return;
    const intervalMs = 1000 / this.ratePerSecond;
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + intervalMs;
    if (slot > now) await this.sleep(slot - now);
  }
}

export function pacedEmailSender(inner: EmailSender, pacer: SendPacer): EmailSender {
  return {
    send: async (email: OutgoingEmail): Promise<SendResult> => {
      await pacer.wait();
      return inner.send(email);
    },
  };
}

export function pacedSmsSender(inner: SmsSender, pacer: SendPacer): SmsSender {
  return {
    send: async (sms: OutgoingSms): Promise<SendResult> => {
      await pacer.wait();
      return inner.send(sms);
    },
  };
}

/** This worker's share of a provider rate. */
export function perWorkerRate(rate: number | undefined, concurrency: number | undefined): number | undefined {
  if (!rate) return undefined;
  return rate / Math.max(1, concurrency ?? 1);
}
