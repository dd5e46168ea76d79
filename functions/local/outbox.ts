/**
 * The embedded runtime's outbox: every email and SMS that went through the (local) SES
 * and Twilio servers, as the real adapters sent it, stamped with the virtual clock.
 * Recording wraps the real adapters, so what is listed really went out through them.
 */
import type { Clock, EmailSender, OutgoingEmail, OutgoingSms, SendResult, SmsSender } from '../ports.js';

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  from: string;
  subject?: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  sentAt: string;
  enrollmentId?: string;
  stepId?: string;
  providerMessageId: string;
}

export class Outbox {
  private readonly messages: OutboxMessage[] = [];

  constructor(private readonly clock: Clock) {}

  list(): OutboxMessage[] {
    return [...this.messages];
  }

  recordingEmailSender(inner: EmailSender): EmailSender {
    return {
      send: async (email: OutgoingEmail): Promise<SendResult> => {
        const result = await inner.send(email);
        if (result.kind === 'sent') {
          this.messages.push({
            channel: 'email',
            to: email.to,
            from: email.from,
            subject: email.subject,
            text: email.text,
            html: email.html,
            headers: { ...(email.replyTo ? { 'Reply-To': email.replyTo } : {}), ...email.headers },
            sentAt: offsetIso(this.clock.now()),
            ...email.touch,
            providerMessageId: result.providerMessageId,
          });
        }
        return result;
      },
    };
  }

  recordingSmsSender(inner: SmsSender): SmsSender {
    return {
      send: async (sms: OutgoingSms): Promise<SendResult> => {
        const result = await inner.send(sms);
        if (result.kind === 'sent') {
          this.messages.push({
            channel: 'sms',
            to: sms.to,
            from: sms.from ?? sms.messagingServiceSid ?? '',
            text: sms.body,
            sentAt: offsetIso(this.clock.now()),
            ...sms.touch,
            providerMessageId: result.providerMessageId,
          });
        }
        return result;
      },
    };
  }
}

/** ISO 8601 with an explicit offset (UTC), as DESIGN §6 asks for `sentAt`. */
function offsetIso(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}
