/**
 * The SES events of the embedded runtime. aws-ses-v2-local ignores configuration sets and
 * email tags, so the runtime builds the events itself from what it sent (the outbox keeps
 * each email's tags, which carry the touch identity) and hands them, as the EventBridge
 * events SES would publish, to the same handler the Lambda runs (handlers/ses-events.ts).
 *
 * - Every sent email gets a Delivery event. A touch's event is handled after the touch
 *   worker has recorded the touch (`flush`, called by the runtime after each delivery):
 *   SES's events also arrive after the send call returned.
 * - `POST /dev/email-events` plays any other event for a sent email: a bounce (permanent
 *   by default), a complaint, an open, a click — so the whole consent ledger can be
 *   exercised locally.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { encodeEmailTagValue } from '../adapters/email-tags.js';
import type { SesEventDetail } from '../handlers/ses-events.js';
import type { Clock, Logger } from '../ports.js';
import type { EmailEventOutcome } from '../use-cases/handle-email-event.js';
import type { EmailEventRequest } from './dev-routes.js';
import type { Outbox, OutboxMessage } from './outbox.js';

type SesEventType = EmailEventRequest['type'];
type SesEventsHandler = (event: EventBridgeEvent<string, unknown>) => Promise<EmailEventOutcome | 'invalid'>;

/** EventBridge detail types of SES's events. */
const DETAIL_TYPES: Record<SesEventType, string> = {
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Delivery: 'Email Delivered',
  Open: 'Email Opened',
  Click: 'Email Clicked',
};

export interface LocalSesEventsOptions {
  outbox: Outbox;
  handler: SesEventsHandler;
  clock: Clock;
  logger: Logger;
  /** Shown in the events as the configuration set, as the sender names it. */
  configurationSetName: string;
}

export class LocalSesEvents {
  private pending: OutboxMessage[] = [];

  constructor(private readonly options: LocalSesEventsOptions) {
    options.outbox.onMessage((message) => {
      if (message.channel !== 'email') return;
      // A touch's delivery waits for the worker to record the touch; other mail needs nothing recorded.
      if (message.enrollmentId) this.pending.push(message);
      else void this.emit(message, 'Delivery').catch((error) => this.logFailure(error));
    });
  }

  /** Handles the delivery events of the emails sent since the last call. */
  async flush(): Promise<void> {
    const messages = this.pending;
    this.pending = [];
    for (const message of messages) await this.emit(message, 'Delivery').catch((error) => this.logFailure(error));
  }

  /** `POST /dev/email-events`. */
  async play(request: EmailEventRequest): Promise<{ statusCode: number; body: unknown }> {
    const message = this.options.outbox.findEmail(request.messageId);
    if (!message) {
      return { statusCode: 404, body: { error: 'no email was sent with this messageId (see providerMessageId in /dev/outbox)', field: 'messageId' } };
    }
    const outcome = await this.emit(message, request.type, request);
    return { statusCode: 200, body: { outcome } };
  }

  private emit(message: OutboxMessage, type: SesEventType, options: Partial<EmailEventRequest> = {}): Promise<EmailEventOutcome | 'invalid'> {
    return this.options.handler(this.eventFor(message, type, options));
  }

  /** The EventBridge event SES would publish for this email (see test/fixtures/ses/). */
  private eventFor(message: OutboxMessage, type: SesEventType, options: Partial<EmailEventRequest>): EventBridgeEvent<string, SesEventDetail> {
    const now = this.options.clock.now().toISOString();
    const recipient = options.recipient ?? message.to;
    const tags: Record<string, string[]> = {
      'ses:configuration-set': [this.options.configurationSetName],
      'ses:from-domain': [message.from.slice(message.from.lastIndexOf('@') + 1)],
      ...Object.fromEntries(Object.entries(message.tags ?? {}).map(([name, value]) => [name, [encodeEmailTagValue(value)]])),
    };
    const detail: SesEventDetail = {
      eventType: type,
      mail: { messageId: message.providerMessageId, timestamp: message.sentAt, source: message.from, destination: [message.to], tags },
      ...eventBody(type, recipient, now, options),
    };
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': DETAIL_TYPES[type],
      source: 'aws.ses',
      account: '000000000000',
      time: now,
      region: 'local',
      resources: [],
      detail,
    };
  }

  private logFailure(error: unknown): void {
    this.options.logger.error('local SES event failed', { error: error instanceof Error ? error.message : String(error) });
  }
}

function eventBody(type: SesEventType, recipient: string, timestamp: string, options: Partial<EmailEventRequest>): Partial<SesEventDetail> {
  switch (type) {
    case 'Bounce': {
      const bounceType = options.bounceType ?? 'Permanent';
      return {
        bounce: {
          bounceType,
          bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
          bouncedRecipients: [{ emailAddress: recipient }],
          timestamp,
        },
      };
    }
    case 'Complaint':
      return { complaint: { complainedRecipients: [{ emailAddress: recipient }], complaintFeedbackType: 'abuse', timestamp } };
    case 'Delivery':
      return { delivery: { timestamp } };
    case 'Open':
      return { open: { timestamp } };
    case 'Click':
      return { click: { timestamp, link: 'http://127.0.0.1/clicked-link' } };
  }
}
