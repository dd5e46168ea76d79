/**
 * Programmable EmailSender / SmsSender fakes. Every call is recorded in `attempts`;
 * successful ones also in `sent`. By default each call succeeds; `failNext(...)`
 * queues results for the next calls (consumed in order), `respondWith(fn)` decides
 * per call. An optional `latency` makes the send really asynchronous, so concurrent
 * touches interleave, and `maxInFlight` shows they did.
 */
import type { EmailSender, OutgoingCall, OutgoingEmail, OutgoingSms, SendResult, SmsSender, VoiceCaller } from '../../functions/ports.js';
import { pause, type Latency } from './delay.js';

export type FailureResult = Exclude<SendResult, { kind: 'sent' }>;

export interface SenderOptions {
  latency?: Latency;
}

export interface Attempt<M> {
  message: M;
  result: SendResult;
}

abstract class ProgrammableSender<M> {
  readonly attempts: Attempt<M>[] = [];
  readonly sent: M[] = [];
  latency: Latency | undefined;
  inFlight = 0;
  maxInFlight = 0;
  private readonly queued: SendResult[] = [];
  private responder: ((message: M, call: number) => SendResult | undefined) | undefined;
  private counter = 0;

  constructor(options: SenderOptions = {}) {
    this.latency = options.latency;
  }

  /** The next `times` calls answer `result` (after any results already queued). */
  failNext(result: FailureResult, times = 1): this {
    for (let i = 0; i < times; i++) this.queued.push(result);
    return this;
  }

  /** Queues any results, in order, for the next calls. */
  queue(...results: SendResult[]): this {
    this.queued.push(...results);
    return this;
  }

  /** Decides every call's result (return undefined for the default success). Queued results win. */
  respondWith(responder: (message: M, call: number) => SendResult | undefined): this {
    this.responder = responder;
    return this;
  }

  /** Messages that went out (successful sends) to this address. */
  sentTo(address: string): M[] {
    return this.sent.filter((m) => this.recipientOf(m) === address);
  }

  clear(): void {
    this.attempts.length = 0;
    this.sent.length = 0;
    this.queued.length = 0;
  }

  protected async dispatch(message: M): Promise<SendResult> {
    const call = ++this.counter;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await pause(this.latency);
      const result = this.queued.shift() ?? this.responder?.(message, call) ?? this.success(call);
      const copy = structuredClone(message);
      this.attempts.push({ message: copy, result });
      if (result.kind === 'sent') this.sent.push(copy);
      return result;
    } finally {
      this.inFlight--;
    }
  }

  protected abstract success(call: number): Extract<SendResult, { kind: 'sent' }>;
  protected abstract recipientOf(message: M): string;
}

export class FakeEmailSender extends ProgrammableSender<OutgoingEmail> implements EmailSender {
  send(email: OutgoingEmail): Promise<SendResult> {
    return this.dispatch(email);
  }

  protected success(call: number): Extract<SendResult, { kind: 'sent' }> {
    const id = `0100019a-${String(call).padStart(8, '0')}-fake`;
    return { kind: 'sent', providerMessageId: id, messageIdHeader: `<${id}@email.amazonses.com>` };
  }

  protected recipientOf(message: OutgoingEmail): string {
    return message.to;
  }
}

export class FakeSmsSender extends ProgrammableSender<OutgoingSms> implements SmsSender {
  send(sms: OutgoingSms): Promise<SendResult> {
    return this.dispatch(sms);
  }

  protected success(call: number): Extract<SendResult, { kind: 'sent' }> {
    return { kind: 'sent', providerMessageId: `SM${String(call).padStart(32, '0')}` };
  }

  protected recipientOf(message: OutgoingSms): string {
    return message.to;
  }
}

export class FakeVoiceCaller extends ProgrammableSender<OutgoingCall> implements VoiceCaller {
  placeCall(call: OutgoingCall): Promise<SendResult> {
    return this.dispatch(call);
  }

  protected success(call: number): Extract<SendResult, { kind: 'sent' }> {
    return { kind: 'sent', providerMessageId: `CA${String(call).padStart(32, '0')}` };
  }

  protected recipientOf(message: OutgoingCall): string {
    return message.to;
  }
}
