/**
 * Inbound email: SES receipt rule on the reply domain → SNS (the raw message, base64,
 * up to 150 KB) → this Lambda. The embedded runtime's `POST /dev/inbound/email` calls
 * `handleRawInboundEmail` with the raw MIME, i.e. the same code from the MIME on.
 *
 * What cannot be processed — a notification that is not JSON, an action without the
 * message content, spam or virus verdict FAIL, a message over the size limit, MIME that
 * does not parse — is logged (ids only) and acknowledged: throwing would make SNS/Lambda
 * retry something that can never succeed. Real failures (the table, a forward to the
 * owner that SES throttled) throw, so the invocation is retried and the idempotent
 * use case repeats safely.
 *
 * The MIME parser (postal-mime) and the use case are imported by
 * the first message, not when the function starts.
 */
import type { SNSEvent } from 'aws-lambda';
import * as z from '../zod.js';
import type { InboundEmailOutcome } from '../use-cases/handle-inbound-email.js';
import type { InboundContext } from '../use-cases/handle-sms-inbound.js';
import { awsContext } from './shared/aws-context.js';
import { withCorrelation } from './shared/correlation.js';
import { inboundEmailMetrics, noMetrics, type MetricsRecorder } from './shared/metrics.js';
import { observedHandler } from './shared/observability.js';

export interface SesInboundOptions {
  context: () => Promise<InboundContext>;
  maxBytes?: number;
  /** Where replies, auto-replies and opt-outs are counted. */
  metrics?: MetricsRecorder;
}

/** The parts of SES's "Received" notification we use (docs: receiving-email-notifications-contents). */
const receivedNotificationSchema = z.object({
  notificationType: z.literal('Received'),
  receipt: z.looseObject({
    recipients: z._default(z.array(z.string()), []),
    spamVerdict: z.optional(z.object({ status: z.string() })),
    virusVerdict: z.optional(z.object({ status: z.string() })),
    action: z.optional(z.object({ type: z.string(), encoding: z.optional(z.string()) })),
  }),
  mail: z.looseObject({ messageId: z.string(), timestamp: z.optional(z.string()) }),
  content: z.optional(z.string()),
});

export function createSesInboundHandler(options: SesInboundOptions) {
  return async (event: SNSEvent): Promise<void> => {
    const ctx = await options.context();
    for (const record of event.Records ?? []) {
      const snsMessageId = record.Sns?.MessageId;
      let raw: unknown;
      try {
        raw = JSON.parse(record.Sns?.Message ?? '');
      } catch {
        ctx.logger.warn('inbound email notification is not JSON; acknowledged', { snsMessageId });
        continue;
      }
      const parsed = receivedNotificationSchema.safeParse(raw);
      if (!parsed.success) {
        ctx.logger.warn('not an SES Received notification; acknowledged', { snsMessageId });
        continue;
      }
      const notification = parsed.data;
      const sesMessageId = notification.mail.messageId;
      if (notification.receipt.virusVerdict?.status === 'FAIL' || notification.receipt.spamVerdict?.status === 'FAIL') {
        ctx.logger.info('inbound email failed the spam/virus scan; ignored', { sesMessageId });
        continue;
      }
      if (notification.content === undefined) {
        ctx.logger.warn('inbound email notification without content (not an SNS action?); acknowledged', { sesMessageId });
        continue;
      }
      const mime =
        notification.receipt.action?.encoding?.toUpperCase() === 'BASE64'
          ? Buffer.from(notification.content, 'base64')
          : Buffer.from(notification.content, 'utf8');
      // The SES message id follows this mail through the logs.
      const outcome = await withCorrelation(sesMessageId, () =>
        handleRawInboundEmail(ctx, mime, {
          envelopeRecipients: notification.receipt.recipients,
          sourceId: sesMessageId,
          ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        }),
      );
      (options.metrics ?? noMetrics).record(inboundEmailMetrics(outcome));
    }
  };
}

/**
 * Raw MIME → parsed → the use case. Parsing problems are outcomes (`ignored`), not
 * exceptions; everything else propagates.
 */
export async function handleRawInboundEmail(
  ctx: InboundContext,
  mime: Buffer,
  options: { envelopeRecipients?: readonly string[]; sourceId?: string; maxBytes?: number } = {},
): Promise<InboundEmailOutcome> {
  const [mimeParser, { handleInboundEmail }] = await Promise.all([
    import('../adapters/mime-parser.js'),
    import('../use-cases/handle-inbound-email.js'),
  ]);
  const { EmailTooLargeError, MalformedEmailError, MAX_INBOUND_EMAIL_BYTES, parseInboundEmail } = mimeParser;
  let email: Awaited<ReturnType<typeof parseInboundEmail>>;
  try {
    email = await parseInboundEmail(mime, {
      maxBytes: options.maxBytes ?? MAX_INBOUND_EMAIL_BYTES,
      ...(options.envelopeRecipients ? { envelopeRecipients: options.envelopeRecipients } : {}),
    });
  } catch (error) {
    if (error instanceof MalformedEmailError || error instanceof EmailTooLargeError) {
      const reason = error instanceof EmailTooLargeError ? 'message too large' : 'malformed MIME';
      ctx.logger.warn(`inbound email ignored: ${reason}`, { sourceId: options.sourceId, bytes: mime.length });
      return { outcome: 'ignored', reason };
    }
    throw error;
  }
  return handleInboundEmail(ctx, email);
}

export const handler = observedHandler((metrics) => createSesInboundHandler({ context: awsContext, metrics }));
