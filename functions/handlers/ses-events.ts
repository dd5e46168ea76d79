/**
 * SES sending events: configuration set → EventBridge (default bus) → this Lambda.
 * Detail types "Email Bounced", "Email Complaint Received", "Email Delivered",
 * "Email Opened", "Email Clicked", "Email Rejected" (infra/engine/email.ts); the
 * `detail` is SES's event record (eventType, mail, bounce | complaint | delivery | open |
 * click | reject), and `detail.mail.tags` holds our email tags as `{name: [values]}`,
 * encoded with `encodeEmailTagValue` — decoded here, so the use case sees plain ids.
 *
 * An event that cannot be understood is logged and acknowledged (retrying cannot help);
 * a failure of the table throws, so EventBridge retries it (the use case is idempotent).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from '../zod.js';
import { decodeEmailTagValue } from '../adapters/email-tags.js';
import type { UseCaseContext } from '../use-cases/context.js';
import { handleEmailEvent, type EmailEvent, type EmailEventInput, type EmailEventOutcome, type TouchTags } from '../use-cases/handle-email-event.js';
import { awsContext } from './shared/aws-context.js';
import { CORRELATION_TAG } from './shared/correlation.js';
import { emailEventMetrics, noMetrics, type MetricsRecorder } from './shared/metrics.js';
import { observedHandler } from './shared/observability.js';

export interface SesEventsOptions {
  context: () => Promise<UseCaseContext>;
  /** Where bounces and complaints are counted. */
  metrics?: MetricsRecorder;
}

const recipientList = z._default(z.array(z.looseObject({ emailAddress: z.string() })), []);
const optionalText = z.optional(z.string());

const detailSchema = z.looseObject({
  eventType: z.string(),
  mail: z.looseObject({
    messageId: z.string().check(z.minLength(1)),
    timestamp: optionalText,
    tags: z._default(z.record(z.string(), z.array(z.string())), {}),
  }),
  bounce: z.optional(
    z.looseObject({
      bounceType: z.string(),
      bounceSubType: optionalText,
      bouncedRecipients: recipientList,
      timestamp: optionalText,
    }),
  ),
  complaint: z.optional(
    z.looseObject({
      complainedRecipients: recipientList,
      complaintFeedbackType: optionalText,
      timestamp: optionalText,
    }),
  ),
  delivery: z.optional(z.looseObject({ timestamp: optionalText })),
  open: z.optional(z.looseObject({ timestamp: optionalText })),
  click: z.optional(z.looseObject({ timestamp: optionalText, link: optionalText })),
  reject: z.optional(z.looseObject({ reason: optionalText })),
});

export type SesEventDetail = z.input<typeof detailSchema>;

/**
 * A delivery, an open and a click come for nearly every email, and at CloudWatch Logs'
 * ingestion price their ~460-byte line costs about as much as the event's Lambda time: debug
 * (engine prop `logLevel: 'DEBUG'` shows them). What an operator acts on is rare and
 * stays at info: bounces, complaints, rejects, and events we do not know.
 */
const SES_EVENT_LOG_LEVEL: Record<EmailEvent['type'], 'debug' | 'info'> = {
  delivery: 'debug',
  open: 'debug',
  click: 'debug',
  bounce: 'info',
  complaint: 'info',
  reject: 'info',
  other: 'info',
};

export function createSesEventsHandler(options: SesEventsOptions) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<EmailEventOutcome | 'invalid'> => {
    const ctx = await options.context();
    const parsed = detailSchema.safeParse(event.detail);
    if (!parsed.success) {
      ctx.logger.warn('SES event not understood; acknowledged', { eventId: event.id, detailType: event['detail-type'] });
      return 'invalid';
    }
    const input = toInput(parsed.data, event.time);
    const outcome = await handleEmailEvent(ctx, input);
    (options.metrics ?? noMetrics).record(emailEventMetrics(input, outcome));
    ctx.logger[SES_EVENT_LOG_LEVEL[input.event.type]]('SES event handled', {
      eventId: event.id,
      detailType: event['detail-type'],
      messageId: input.messageId,
      outcome,
    });
    return outcome;
  };
}

type Detail = z.output<typeof detailSchema>;

export function toInput(detail: Detail, eventTime: string | undefined): EmailEventInput {
  const touch = touchFromTags(detail.mail.tags);
  const event = toEvent(detail);
  const at =
    detail.bounce?.timestamp ??
    detail.complaint?.timestamp ??
    detail.delivery?.timestamp ??
    detail.open?.timestamp ??
    detail.click?.timestamp ??
    eventTime ??
    detail.mail.timestamp ??
    new Date().toISOString();
  return { messageId: detail.mail.messageId, at: normalizeTime(at), ...(touch ? { touch } : {}), event };
}

function toEvent(detail: Detail): EmailEvent {
  switch (detail.eventType) {
    case 'Bounce':
      return {
        type: 'bounce',
        bounceType: detail.bounce?.bounceType ?? 'Undetermined',
        ...(detail.bounce?.bounceSubType ? { bounceSubType: detail.bounce.bounceSubType } : {}),
        recipients: (detail.bounce?.bouncedRecipients ?? []).map((r) => bareAddress(r.emailAddress)),
      };
    case 'Complaint':
      return {
        type: 'complaint',
        ...(detail.complaint?.complaintFeedbackType ? { feedbackType: detail.complaint.complaintFeedbackType } : {}),
        recipients: (detail.complaint?.complainedRecipients ?? []).map((r) => bareAddress(r.emailAddress)),
      };
    case 'Delivery':
      return { type: 'delivery' };
    case 'Open':
      return { type: 'open' };
    case 'Click':
      return { type: 'click', ...(detail.click?.link ? { link: detail.click.link } : {}) };
    case 'Reject':
      return { type: 'reject', ...(detail.reject?.reason ? { reason: detail.reject.reason } : {}) };
    default:
      return { type: 'other', name: detail.eventType };
  }
}

/** Our tags (prospectId, sequenceId, run, stepIndex), decoded; `undefined` unless all four are valid. */
export function touchFromTags(tags: Record<string, string[]>): TouchTags | undefined {
  const value = (name: string) => {
    const encoded = tags[name]?.[0];
    return encoded === undefined ? undefined : decodeEmailTagValue(encoded);
  };
  const prospectId = value('prospectId');
  const sequenceId = value('sequenceId');
  const run = Number(value('run'));
  const stepIndex = Number(value('stepIndex'));
  if (!prospectId || !sequenceId || !Number.isInteger(run) || run < 1 || !Number.isInteger(stepIndex) || stepIndex < 0) {
    return undefined;
  }
  return { prospectId, sequenceId, run, stepIndex };
}

/** `"Ada" <ada@example.com>` → `ada@example.com`. */
function bareAddress(value: string): string {
  const match = /<([^<>]+)>\s*$/.exec(value);
  return (match?.[1] ?? value).trim().toLowerCase();
}

function normalizeTime(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}

/** The correlation id the touch's email carried as a tag (correlation.ts), else the event's id. */
export function correlationIdOf(event: EventBridgeEvent<string, unknown>): string | undefined {
  const tags = (event.detail as { mail?: { tags?: Record<string, string[] | undefined> } } | undefined)?.mail?.tags;
  const encoded = tags?.[CORRELATION_TAG]?.[0];
  return (encoded !== undefined ? decodeEmailTagValue(encoded) : undefined) ?? event.id;
}

export const handler = observedHandler((metrics) => createSesEventsHandler({ context: awsContext, metrics }), {
  correlationId: correlationIdOf,
});
