/**
 * TouchScheduler over EventBridge Scheduler: one one-time schedule per touch, whose
 * target is the SQS touch queue of the touch's channel (a queue, not the worker, so a
 * burst of touches due at the same minute is buffered and drained at that channel's
 * provider rate; one queue per channel, so a slow SMS sender never holds up email).
 */
import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { touchQueueOf, type TouchQueue } from '../domain/touch-message.js';
import type { Clock, ScheduledTouch, TouchMessage, TouchScheduler } from '../ports.js';
import type { RateLimiter } from './token-bucket.js';
import { lazy } from '../async/lazy.js';

/** Imported by the first call, not with this module (see `sdk` in dynamodb-store.ts). */
const sdk = lazy(() => import('@aws-sdk/client-scheduler'));

export interface EventBridgeTouchSchedulerOptions {
  client: SchedulerClient;
  groupName: string;
  /**
   * The SQS touch queue of each channel. A touch without a channel (scheduled before the
   * queues were split) goes to the email queue, whose worker sends on the step's channel.
   */
  targetQueueArns: Readonly<Record<TouchQueue, string>>;
  /** Role Scheduler assumes to send to the queue (sqs:SendMessage on queue and DLQ). */
  roleArn: string;
  /** Where Scheduler puts a touch it could not deliver after its retry policy. */
  deadLetterQueueArn: string;
  /** Used only to keep fire times in the future; the wall clock by default. */
  clock?: Clock;
  retryPolicy?: { maximumEventAgeInSeconds: number; maximumRetryAttempts: number };
  /**
   * Taken before each CreateSchedule: the container's share of the account's CreateSchedule
   * quota (a TokenBucket shared by everything in the container that schedules).
   */
  limiter?: RateLimiter;
  /** Retries of a throttled CreateSchedule (exponential backoff, full jitter, capped at 5 s) before it fails. Default 8. */
  maxThrottleRetries?: number;
  /** Base of that backoff. Default 200 ms. */
  throttleBaseDelayMs?: number;
}

/**
 * Retry delivery to SQS for up to a day (Scheduler's maximum age is 86,400 s, attempts
 * at most 185): a touch delivered late is still correct, because the worker re-checks
 * the enrollment and the send window and reschedules when the window has closed.
 */
export const DEFAULT_RETRY_POLICY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };

/**
 * How far ahead of "now" a schedule must fire. What Scheduler does with an `at()` in
 * the past is not documented (reports range from a ValidationException at create to a
 * schedule that is accepted and never fires), and it fires with one-minute precision,
 * so a touch already due is pushed to at least one minute from now instead.
 */
export const MIN_LEAD_MS = 60_000;

const systemClock: Clock = { now: () => new Date() };

export class EventBridgeTouchScheduler implements TouchScheduler {
  private readonly clock: Clock;
  private readonly retryPolicy: { maximumEventAgeInSeconds: number; maximumRetryAttempts: number };

  constructor(private readonly options: EventBridgeTouchSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  }

  async schedule(touch: ScheduledTouch): Promise<void> {
    const { CreateScheduleCommand } = await sdk();
    const retries = this.options.maxThrottleRetries ?? 8;
    for (let attempt = 0; ; attempt++) {
      await this.options.limiter?.take();
      try {
        await this.options.client.send(new CreateScheduleCommand(this.createScheduleInput(touch)));
        return;
      } catch (error) {
        // The name is deterministic per touch: an existing schedule is this very touch,
        // created by an earlier attempt that crashed or timed out after CreateSchedule.
        if (errorName(error) === 'ConflictException') return;
        // Over the account's quota (after the SDK's own retries): wait and try again, so
        // an import that wrote its rows does not fail for want of a schedule slot.
        if (errorName(error) !== 'ThrottlingException' || attempt >= retries) throw error;
        const cap = Math.min(5_000, (this.options.throttleBaseDelayMs ?? 200) * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
      }
    }
  }

  async cancel(scheduleName: string): Promise<void> {
    const { DeleteScheduleCommand } = await sdk();
    try {
      await this.options.client.send(
        new DeleteScheduleCommand({ Name: scheduleName, GroupName: this.options.groupName }),
      );
    } catch (error) {
      // Already fired (ActionAfterCompletion DELETE) or cancelled before: nothing left to stop.
      if (errorName(error) === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  /** The CreateSchedule request for a touch; public so the exact shape is testable. */
  createScheduleInput(touch: ScheduledTouch): CreateScheduleCommandInput {
    // The queue message is the TouchMessage as given (optional fields included); the
    // schedule name is the schedule's own business.
    const { scheduleName, ...message } = touch;
    const body: TouchMessage = message;
    return {
      Name: scheduleName,
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(fireTime(touch.dueAt, this.clock.now())),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: this.options.targetQueueArns[touchQueueOf(touch.channel ?? 'email')],
        RoleArn: this.options.roleArn,
        Input: JSON.stringify(body),
        RetryPolicy: {
          MaximumEventAgeInSeconds: this.retryPolicy.maximumEventAgeInSeconds,
          MaximumRetryAttempts: this.retryPolicy.maximumRetryAttempts,
        },
        DeadLetterConfig: { Arn: this.options.deadLetterQueueArn },
      },
    };
  }
}

export class InvalidDueAtError extends Error {
  override name = 'InvalidDueAtError';
}

/** When the schedule fires: `dueAt` rounded up to a whole second, but never before now + MIN_LEAD_MS. */
export function fireTime(dueAt: string, now: Date): Date {
  const dueMs = Date.parse(dueAt);
  if (Number.isNaN(dueMs)) throw new InvalidDueAtError(`dueAt is not a valid instant: ${dueAt}`);
  const earliest = now.getTime() + MIN_LEAD_MS;
  // Rounding up (not down) keeps the touch from arriving before it is due, which the
  // worker would otherwise have to treat as early.
  return new Date(Math.ceil(Math.max(dueMs, earliest) / 1000) * 1000);
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC (pair with ScheduleExpressionTimezone 'UTC'). */
export function atExpression(instant: Date): string {
  return `at(${instant.toISOString().slice(0, 19)})`;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}
