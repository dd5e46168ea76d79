/**
 * The embedded runtime's outbox: every email, SMS and call that went through the (local)
 * SES and Twilio servers, as the real adapters sent it, stamped with the virtual clock.
 * Recording wraps the real adapters, so what is listed really went out through them.
 *
 * With `--data-dir` every message is also appended to `outbox.log` (one JSON line, written
 * before the send result is handed back to the engine), so the outbox survives restarts
 * and a `kill -9`.
 *
 * The local providers are idempotent per touch after a crash: when the scheduler
 * redelivers a touch whose delivery was in flight when the process died
 * (`redelivering`), and the outbox already holds that touch's message, the recorded
 * result is handed back instead of sending a second message. That closes, locally, the
 * window between the provider accepting a message and the engine recording it, which
 * SES and Twilio (no idempotency keys) leave open in the cloud (README, "How it works").
 * Outside such a redelivery nothing is deduplicated, so a double send by the engine
 * still shows up here.
 */
import { AppendOnlyLog } from '../adapters/append-only-log.js';
import type { Clock, EmailSender, Logger, OutgoingCall, OutgoingEmail, OutgoingSms, SendResult, SmsSender, TouchMessage, VoiceCaller } from '../ports.js';

export interface OutboxMessage {
  /** `call`: click to call (the rep's phone first); `voicemail`: a voicemail drop. */
  channel: 'email' | 'sms' | 'call' | 'voicemail';
  to: string;
  from: string;
  subject?: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** Email only: the SES email tags it was sent with (they identify the touch in SES events). */
  tags?: Record<string, string>;
  sentAt: string;
  enrollmentId?: string;
  stepId?: string;
  providerMessageId: string;
  /** Calls: the task of a click to call. */
  taskId?: string;
  /** Calls: `queued` until `POST /dev/calls/{sid}` plays the callee's side, then its final status. */
  status?: string;
  /** Calls: what answering machine detection said, once answered. */
  answeredBy?: string;
  /** Calls: the TwiML the engine served when the call was answered, and what it spoke or played. */
  twiml?: string;
  played?: string[];
  /** Click to call: the number the call was bridged to. */
  bridgedTo?: string;
}

/** What is kept per message: the message, and what the idempotency check needs. */
interface OutboxRecord {
  message: OutboxMessage;
  /** `<enrollmentId>#<run>#<stepIndex>` of a touch; absent for other mail (owner notifications). */
  touchKey?: string;
  messageIdHeader?: string;
}

export interface OutboxOptions {
  clock: Clock;
  logger: Logger;
  /** `--data-dir`: where the outbox is kept across restarts. */
  file?: string;
}

export class Outbox {
  private readonly records: OutboxRecord[] = [];
  private readonly byTouch = new Map<string, OutboxRecord>();
  private readonly log: AppendOnlyLog<OutboxRecord & { update?: boolean }> | undefined;
  private readonly listeners: ((message: OutboxMessage) => void)[] = [];
  /** The touch being redelivered after a crash, while it is. */
  private recovering: string | undefined;

  constructor(private readonly options: OutboxOptions) {
    this.log = options.file ? new AppendOnlyLog<OutboxRecord & { update?: boolean }>(options.file) : undefined;
  }

  async load(): Promise<void> {
    if (!this.log) return;
    const { records, unreadable } = await this.log.read();
    if (unreadable.length > 0) this.options.logger.warn('outbox log: unreadable lines ignored', { lines: unreadable.map((u) => u.line) });
    for (const record of records) this.remember(record);
  }

  async close(): Promise<void> {
    await this.log?.close();
  }

  list(): OutboxMessage[] {
    return this.records.map((record) => record.message);
  }

  /** The call with this Call SID, if any. */
  findCall(callSid: string): OutboxMessage | undefined {
    return this.records.find((r) => (r.message.channel === 'call' || r.message.channel === 'voicemail') && r.message.providerMessageId === callSid)?.message;
  }

  /** What happened to a call once its callee's side was played (local/call-player.ts); kept with --data-dir. */
  async updateCall(callSid: string, changes: Partial<Pick<OutboxMessage, 'status' | 'answeredBy' | 'twiml' | 'played' | 'bridgedTo' | 'text'>>): Promise<void> {
    const record = this.records.find((r) => (r.message.channel === 'call' || r.message.channel === 'voicemail') && r.message.providerMessageId === callSid);
    if (!record) return;
    Object.assign(record.message, changes);
    await this.log?.append({ ...record, update: true });
  }

  /** The email sent with this SES MessageId, if any. */
  findEmail(providerMessageId: string): OutboxMessage | undefined {
    return this.records.find((r) => r.message.channel === 'email' && r.message.providerMessageId === providerMessageId)?.message;
  }

  /** Called with every message recorded from now on (the local SES emits its events from here). */
  onMessage(listener: (message: OutboxMessage) => void): void {
    this.listeners.push(listener);
  }

  /** Runs the redelivery of a touch whose previous delivery died in flight (see the file comment). */
  async redelivering<T>(message: TouchMessage, run: () => Promise<T>): Promise<T> {
    this.recovering = touchKeyOf(message.enrollmentId, message.run, message.stepIndex);
    try {
      return await run();
    } finally {
      this.recovering = undefined;
    }
  }

  recordingEmailSender(inner: EmailSender): EmailSender {
    return {
      send: async (email: OutgoingEmail): Promise<SendResult> => {
        const touchKey = email.touch ? touchKeyOf(email.touch.enrollmentId, email.tags['run'], email.tags['stepIndex']) : undefined;
        const earlier = this.alreadySent(touchKey);
        if (earlier) return earlier;
        const result = await inner.send(email);
        if (result.kind === 'sent') {
          await this.record({
            message: {
              channel: 'email',
              to: email.to,
              from: email.from,
              subject: email.subject,
              text: email.text,
              html: email.html,
              headers: { ...(email.replyTo ? { 'Reply-To': email.replyTo } : {}), ...email.headers },
              tags: email.tags,
              sentAt: offsetIso(this.options.clock.now()),
              ...email.touch,
              providerMessageId: result.providerMessageId,
            },
            ...(touchKey ? { touchKey } : {}),
            ...(result.messageIdHeader ? { messageIdHeader: result.messageIdHeader } : {}),
          });
        }
        return result;
      },
    };
  }

  recordingVoiceCaller(inner: VoiceCaller): VoiceCaller {
    return {
      placeCall: async (call: OutgoingCall): Promise<SendResult> => {
        const touchKey = call.purpose.kind === 'voicemail' ? callTouchKey(call) : undefined;
        const earlier = this.alreadySent(touchKey);
        if (earlier) return earlier;
        const result = await inner.placeCall(call);
        if (result.kind === 'sent') {
          await this.record({
            message: {
              channel: call.purpose.kind === 'voicemail' ? 'voicemail' : 'call',
              to: call.to,
              from: call.from,
              text: '',
              sentAt: offsetIso(this.options.clock.now()),
              ...(call.purpose.kind === 'voicemail' ? call.purpose.touch : { taskId: call.purpose.taskId }),
              providerMessageId: result.providerMessageId,
              status: 'queued',
            },
            ...(touchKey ? { touchKey } : {}),
          });
        }
        return result;
      },
    };
  }

  recordingSmsSender(inner: SmsSender): SmsSender {
    return {
      send: async (sms: OutgoingSms): Promise<SendResult> => {
        const touchKey = sms.touch ? smsTouchKey(sms) : undefined;
        const earlier = this.alreadySent(touchKey);
        if (earlier) return earlier;
        const result = await inner.send(sms);
        if (result.kind === 'sent') {
          await this.record({
            message: {
              channel: 'sms',
              to: sms.to,
              from: sms.from ?? sms.messagingServiceSid ?? '',
              text: sms.body,
              sentAt: offsetIso(this.options.clock.now()),
              ...sms.touch,
              providerMessageId: result.providerMessageId,
            },
            ...(touchKey ? { touchKey } : {}),
          });
        }
        return result;
      },
    };
  }

  /** During a crash redelivery, the result of the touch's message if it already went out. */
  private alreadySent(touchKey: string | undefined): SendResult | undefined {
    if (!touchKey || touchKey !== this.recovering) return undefined;
    const earlier = this.byTouch.get(touchKey);
    if (!earlier) return undefined;
    this.options.logger.warn('redelivered touch was already sent before the restart; not sent again', {
      enrollmentId: earlier.message.enrollmentId,
      stepId: earlier.message.stepId,
      providerMessageId: earlier.message.providerMessageId,
    });
    return {
      kind: 'sent',
      providerMessageId: earlier.message.providerMessageId,
      ...(earlier.messageIdHeader ? { messageIdHeader: earlier.messageIdHeader } : {}),
    };
  }

  private async record(record: OutboxRecord): Promise<void> {
    this.remember(record);
    // Durable before the engine learns the message went out.
    await this.log?.append(record);
    for (const listener of this.listeners) listener(record.message);
  }

  private remember(record: OutboxRecord & { update?: boolean }): void {
    if (record.update) {
      // A call's later state (answered, played, completed): replaces what was recorded at placing.
      const earlier = this.records.find((r) => r.message.providerMessageId === record.message.providerMessageId);
      if (earlier) {
        earlier.message = record.message;
        return;
      }
    }
    const { update: _update, ...kept } = record;
    this.records.push(kept);
    if (kept.touchKey) this.byTouch.set(kept.touchKey, kept);
  }
}

function touchKeyOf(enrollmentId: string, run: number | string | undefined, stepIndex: number | string | undefined): string | undefined {
  if (run === undefined || stepIndex === undefined) return undefined;
  return `${enrollmentId}#${run}#${stepIndex}`;
}

/** An SMS touch names its run and step in the status callback URL (`?e=…&r=…&s=…`). */
function smsTouchKey(sms: OutgoingSms): string | undefined {
  if (!sms.touch || !sms.statusCallbackUrl) return undefined;
  try {
    const query = new URL(sms.statusCallbackUrl).searchParams;
    return touchKeyOf(sms.touch.enrollmentId, query.get('r') ?? undefined, query.get('s') ?? undefined);
  } catch {
    return undefined;
  }
}

/** A voicemail drop names its run and step in its status callback URL (`?e=…&r=…&s=…`). */
function callTouchKey(call: OutgoingCall): string | undefined {
  if (call.purpose.kind !== 'voicemail') return undefined;
  try {
    const query = new URL(call.statusCallbackUrl).searchParams;
    return touchKeyOf(call.purpose.touch.enrollmentId, query.get('r') ?? undefined, query.get('s') ?? undefined);
  } catch {
    return undefined;
  }
}

/** ISO 8601 with an explicit offset (UTC), as the outbox contract asks for `sentAt`. */
function offsetIso(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}
