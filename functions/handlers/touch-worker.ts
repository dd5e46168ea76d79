/**
 * SQS → Lambda touch worker. Each record is one touch; records fail individually
 * (partial batch response), so one throttled send never re-sends the rest of the batch.
 *
 * One queue per channel feeds this function (one event source mapping each, with its
 * own maximum concurrency). Records of a batch run in parallel; each channel's pacer
 * (adapters/send-pacer.ts) decides which may be sent now and which go back to the queue
 * until their send slot, and throttled sends go back for the provider's Retry-After:
 * nothing waits inside the billed invocation.
 *
 * The batch's counter deltas are written once, after its records (use-cases/counter-batch.ts):
 * one counters request per sequence and batch instead of one per touch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SDK_CLIENT_OPTIONS } from '../adapters/aws-sdk-options.js';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../zod.js';
import { CHANNELS, type Channel } from '../domain/sequence.js';
import type { TouchMessage } from '../ports.js';
import type { SendingContext } from '../use-cases/context.js';
import { RetryableTouchError, runTouch } from '../use-cases/run-touch.js';
import { CounterBatch } from '../use-cases/counter-batch.js';
import { TwilioSmsSender } from '../adapters/twilio-sms-sender.js';
import { TWILIO_CALLS_PER_SECOND, TwilioVoiceCaller } from '../adapters/twilio-voice-caller.js';
import { deferredRecords, perWorkerRate, retryDelaySeconds, SendPacer } from '../adapters/send-pacer.js';
import type { MessageReturner, ReturnedMessage } from '../adapters/sqs-message-returner.js';
import { awsContext, getConfig, twilioCredentials } from './shared/aws-context.js';
import { correlatedSmsSender, withCorrelation } from './shared/correlation.js';
import { lazy } from '../async/lazy.js';
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
  channel: z.optional(z.enum(CHANNELS as [Channel, ...Channel[]])),
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
  /** One pacer per channel; a channel without one sends every record at once (the embedded runtime). */
  pacers?: Partial<Record<Channel, SendPacer>>;
  /** The channel each queue serves, by queue ARN: the pace of records whose message names no channel (scheduled before the queues were split). */
  queueChannels?: Readonly<Record<string, Channel>>;
  /**
   * Gives records back to their queue until a given time. Without it, a record that must
   * wait fails and comes back after the queue's visibility timeout.
   */
  returner?: MessageReturner;
  /**
   * Where the touches' counter deltas gather when the CALLER writes them (the embedded
   * scheduler, after each of its batches of deliveries). Without it, each invocation
   * gathers its own and writes them before it answers.
   */
  counters?: CounterBatch;
}

/** The record waits for its send slot (send-pacer.ts); it is given back, not failed. */
export class TouchDeferredError extends Error {
  override name = 'TouchDeferredError';
  constructor(readonly delaySeconds: number) {
    super(`waits ${delaySeconds} s for its send slot`);
  }
}

export function createTouchWorkerHandler(context: () => Promise<SendingContext>, options: TouchWorkerOptions = {}) {
  const metrics = options.metrics ?? noMetrics;
  const pacers = options.pacers ?? {};
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const shared = await context();
    const counters = options.counters ?? new CounterBatch();
    const ctx: SendingContext = { ...shared, store: counters.wrap(shared.store) };
    const deferred = deferredRecords(
      event.Records.map((record) => ({
        messageId: record.messageId,
        receiveCount: receiveCountOf(record),
        // The message's own channel first: a queue carries more than one (voicemail drops
        // ride the SMS queue, calls and tasks the email one: domain/touch-message.ts).
        channel: channelOfBody(record.body) ?? options.queueChannels?.[record.eventSourceARN],
      })),
      pacers,
    );
    // When each record that could not be sent now should come back, by message id.
    const giveBack = new Map<string, number>(deferred);
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord) => {
      const wait = deferred.get(record.messageId);
      if (wait !== undefined) throw new TouchDeferredError(wait);
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
          if (error instanceof RetryableTouchError) {
            metrics.record(touchRetryMetrics(error.channel));
            giveBack.set(record.messageId, retryDelaySeconds(error.retryAfterSeconds, receiveCountOf(record)));
          }
          throw error;
        }
      });
    };
    // Records in parallel: the pacer already chose which of them may be sent now.
    const response = await processPartialResponse(event, handleRecord, processor, {
      throwOnFullBatchFailure: false,
      processInParallel: true,
    });
    if (!options.counters) await counters.flush(shared.store, ctx.logger);
    if (options.returner && giveBack.size > 0) {
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      const returned: ReturnedMessage[] = event.Records.filter((r) => failed.has(r.messageId) && giveBack.has(r.messageId)).map(
        (r) => ({ queueArn: r.eventSourceARN, messageId: r.messageId, receiptHandle: r.receiptHandle, delaySeconds: giveBack.get(r.messageId) as number }),
      );
      await options.returner.giveBack(returned);
    }
    if (deferred.size > 0) ctx.logger.debug('touches given back until their send slot', { count: deferred.size });
    return response;
  };
}

function receiveCountOf(record: SQSRecord): number {
  const count = Number.parseInt(record.attributes?.ApproximateReceiveCount ?? '1', 10);
  return Number.isFinite(count) && count > 0 ? count : 1;
}

/** The channel a message names, without validating the rest (pacing only; parsing comes later). */
function channelOfBody(body: string): Channel | undefined {
  try {
    const channel = (JSON.parse(body) as { channel?: unknown }).channel;
    return CHANNELS.includes(channel as Channel) ? (channel as Channel) : undefined;
  } catch {
    return undefined;
  }
}

/** The shared context plus the Twilio sender and voice caller, which only this function (and click to call) needs. */
const awsSendingContext = lazy(async (): Promise<SendingContext> => {
  const ctx = await awsContext();
  const twilio = new TwilioSmsSender(() => twilioCredentials(getConfig()));
  return { ...ctx, sms: correlatedSmsSender(twilio, logger), voice: new TwilioVoiceCaller(() => twilioCredentials(getConfig())) };
});

/** Pacers, queue channels and the SQS returner of this container (config from the CDK stack). */
const awsPacing = lazy(async (): Promise<Required<Pick<TouchWorkerOptions, 'pacers' | 'queueChannels' | 'returner'>>> => {
  const cfg = getConfig();
  const [{ SQSClient }, { SqsMessageReturner }] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../adapters/sqs-message-returner.js'),
  ]);
  return {
    pacers: {
      email: new SendPacer(perWorkerRate(cfg.SES_MAX_SEND_RATE, cfg.EMAIL_TOUCH_CONCURRENCY)),
      sms: new SendPacer(perWorkerRate(cfg.TWILIO_MAX_SEND_RATE, cfg.SMS_TOUCH_CONCURRENCY)),
      // Voicemail drops arrive on the SMS queue (domain/touch-message.ts) but are calls:
      // Twilio paces those at its calls-per-second limit, not the messaging rate.
      voicemail: new SendPacer(perWorkerRate(TWILIO_CALLS_PER_SECOND, cfg.SMS_TOUCH_CONCURRENCY)),
    },
    queueChannels: {
      ...(cfg.EMAIL_TOUCH_QUEUE_ARN ? { [cfg.EMAIL_TOUCH_QUEUE_ARN]: 'email' as const } : {}),
      ...(cfg.SMS_TOUCH_QUEUE_ARN ? { [cfg.SMS_TOUCH_QUEUE_ARN]: 'sms' as const } : {}),
    },
    returner: new SqsMessageReturner(new SQSClient({ ...SDK_CLIENT_OPTIONS }), logger),
  };
});

export const handler = observedHandler((metrics) => {
  let worker: ReturnType<typeof createTouchWorkerHandler> | undefined;
  return async (event: SQSEvent) => {
    worker ??= createTouchWorkerHandler(awsSendingContext, { metrics, ...(await awsPacing()) });
    return worker(event);
  };
});
