/**
 * SQS → Lambda touch worker. Each record is one touch; records fail individually
 * (partial batch response), so one throttled send never re-sends the rest of the batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../zod.js';
import type { TouchMessage } from '../ports.js';
import type { SendingContext } from '../use-cases/context.js';
import { RetryableTouchError, runTouch } from '../use-cases/run-touch.js';
import { TwilioSmsSender } from '../adapters/twilio-sms-sender.js';
import { TwilioVoiceCaller } from '../adapters/twilio-voice-caller.js';
import { pacedEmailSender, pacedSmsSender, perWorkerRate, SendPacer } from '../adapters/send-pacer.js';
import { awsContext, getConfig, twilioCredentials } from './shared/aws-context.js';
import { correlatedSmsSender, withCorrelation } from './shared/correlation.js';
import { lazy } from './shared/lazy.js';
import { logger } from './shared/logger.js';
import { noMetrics, touchOutcomeMetrics, touchRetryMetrics, type MetricsRecorder } from './shared/metrics.js';
import { observedHandler } from './shared/observability.js';

const touchMessageSchema = z.object({
  enrollmentId: z.string().check(z.minLength(1)),
  prospectId: z.string().check(z.minLength(1)),
  sequenceId: z.string().check(z.minLength(1)),
  run: z.number().check(z.int(), z.positive()),
  stepIndex: z.number().check(z.int(), z.nonnegative()),
  dueAt: z.iso.datetime({ offset: true }),
  addressHashes: z.optional(z.object({ email: z.optional(z.string()), phone: z.optional(z.string()) })),
  correlationId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

export class InvalidTouchMessageError extends Error {
  override name = 'InvalidTouchMessageError';
}

export function parseTouchMessage(body: string): TouchMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidTouchMessageError('touch message is not JSON');
  }
  const parsed = touchMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidTouchMessageError(`touch message field ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data as TouchMessage;
}

export interface TouchWorkerOptions {
  /** Where the touch outcomes are counted (sent / retried / failed / skipped per channel, latency). */
  metrics?: MetricsRecorder;
}

export function createTouchWorkerHandler(context: () => Promise<SendingContext>, options: TouchWorkerOptions = {}) {
  const metrics = options.metrics ?? noMetrics;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ctx = await context();
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord) => {
      // A malformed message fails like any other; after maxReceiveCount it lands in the
      // DLQ, where an alarm shows it: nothing is silently dropped.
      const message = parseTouchMessage(record.body);
      // Each record keeps the correlation id of the request that enrolled its prospect.
      return withCorrelation(message.correlationId, async () => {
        try {
          const outcome = await runTouch(ctx, message);
          metrics.record(touchOutcomeMetrics(outcome, message, ctx.clock.now()));
          ctx.logger.debug('touch processed', { messageId: record.messageId, enrollmentId: message.enrollmentId, outcome: outcome.kind });
          return outcome;
        } catch (error) {
          if (error instanceof RetryableTouchError) metrics.record(touchRetryMetrics(error.channel));
          throw error;
        }
      });
    };
    // One record at a time: the sends of a batch are paced, not fired together.
    return processPartialResponse(event, handleRecord, processor, {
      throwOnFullBatchFailure: false,
      processInParallel: false,
    });
  };
}

/** The shared context plus the Twilio sender and voice caller, which only this function (and click to call) needs. */
const awsSendingContext = lazy(async (): Promise<SendingContext> => {
  const ctx = await awsContext();
  const cfg = getConfig();
  const concurrency = cfg.TOUCH_WORKER_MAX_CONCURRENCY;
  const twilio = new TwilioSmsSender(() => twilioCredentials(cfg));
  return {
    ...ctx,
    // Voicemail drops: one call each, at the SMS sender's pace (Twilio's default is 1 call per second).
    voice: new TwilioVoiceCaller(() => twilioCredentials(cfg)),
    email: pacedEmailSender(ctx.email, new SendPacer(perWorkerRate(cfg.SES_MAX_SEND_RATE, concurrency))),
    sms: pacedSmsSender(correlatedSmsSender(twilio, logger), new SendPacer(perWorkerRate(cfg.TWILIO_MAX_SEND_RATE, concurrency))),
  };
});

export const handler = observedHandler((metrics) => createTouchWorkerHandler(awsSendingContext, { metrics }));

