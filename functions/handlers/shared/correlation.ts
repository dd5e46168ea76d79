/**
 * The correlation id: the API Gateway request id of the request that enrolled a prospect,
 * carried through the schedule and the touch message (`TouchMessage.correlationId`) to
 * the provider call, and written as `correlationId` on every log line on the way.
 *
 * Kept in AsyncLocalStorage, so the records of one batch, processed concurrently, each
 * keep their own. The handlers set it; two decorators carry it on:
 * - `correlatedScheduler` stamps it on every touch it schedules (the next step's touch
 *   keeps the id of the enrollment request, not of the worker invocation);
 * - `correlatedEmailSender` and `correlatedSmsSender` log each provider call with it (ids and outcome only) and hands
 *   it to the provider: an SES email tag and a Twilio status-callback parameter, so the
 *   events that come back can be followed too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EmailSender, Logger, ScheduledTouch, SendResult, SmsSender, TouchScheduler } from '../../ports.js';

const storage = new AsyncLocalStorage<{ readonly correlationId: string }>();

/** Email tag and status-callback query parameter carrying the id. */
export const CORRELATION_TAG = 'correlationId';
export const CORRELATION_QUERY_PARAMETER = 'c';

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** Runs `work` with `correlationId` as the current id (no id: the current one stays). */
export function withCorrelation<T>(correlationId: string | undefined, work: () => Promise<T>): Promise<T> {
  return correlationId ? storage.run({ correlationId }, work) : work();
}

export function correlatedScheduler(scheduler: TouchScheduler): TouchScheduler {
  return {
    schedule: (touch: ScheduledTouch) => {
      const correlationId = touch.correlationId ?? currentCorrelationId();
      return scheduler.schedule(correlationId ? { ...touch, correlationId } : touch);
    },
    cancel: (scheduleName: string) => scheduler.cancel(scheduleName),
  };
}

/** A sent message is every touch's routine (debug, like 'touch sent'); a refused one is rare and worth seeing. */
function logProviderCall(logger: Logger, channel: 'email' | 'sms', touch: { enrollmentId: string; stepId: string } | undefined, result: SendResult): void {
  logger[result.kind === 'sent' ? 'debug' : 'info']('provider call', {
    channel,
    ...(touch ? { enrollmentId: touch.enrollmentId, stepId: touch.stepId } : {}),
    result: result.kind,
    ...(result.kind === 'sent' ? { providerMessageId: result.providerMessageId } : { reason: result.reason }),
  });
}

/** Tags the email with the id and logs the call (ids and outcome only). */
export function correlatedEmailSender(sender: EmailSender, logger: Logger): EmailSender {
  return {
    send: async (message) => {
      const correlationId = currentCorrelationId();
      const result = await sender.send(correlationId ? { ...message, tags: { ...message.tags, [CORRELATION_TAG]: correlationId } } : message);
      logProviderCall(logger, 'email', message.touch, result);
      return result;
    },
  };
}

/** Adds the id to the status callback URL and logs the call (ids and outcome only). */
export function correlatedSmsSender(sender: SmsSender, logger: Logger): SmsSender {
  return {
    send: async (message) => {
      const correlationId = currentCorrelationId();
      const statusCallbackUrl =
        correlationId && message.statusCallbackUrl
          ? withQueryParameter(message.statusCallbackUrl, CORRELATION_QUERY_PARAMETER, correlationId)
          : message.statusCallbackUrl;
      const result = await sender.send({ ...message, ...(statusCallbackUrl ? { statusCallbackUrl } : {}) });
      logProviderCall(logger, 'sms', message.touch, result);
      return result;
    },
  };
}

function withQueryParameter(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
