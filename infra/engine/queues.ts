/** The touch queues, one per channel (they buffer bursts), and the dead-letter queues. */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TouchQueue } from '../../functions/domain/touch-message.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { HANDLERS } from '../handlers.js';
import type { EngineKeys } from './encryption.js';

export interface EngineQueues {
  /** Per channel: a schedule delivers a touch to its step's channel's queue. */
  readonly touchQueues: Readonly<Record<TouchQueue, sqs.IQueue>>;
  /** Per channel; absent for a queue brought with `existingTouchQueueObj` / `existingSmsTouchQueueObj` (its own redrive policy applies). */
  readonly touchDeadLetterQueues: Readonly<Partial<Record<TouchQueue, sqs.Queue>>>;
  /** Where EventBridge Scheduler puts touches it could not deliver to a queue. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Failed asynchronous deliveries: SES events, inbound mail. */
  readonly eventDeadLetterQueue: sqs.Queue;
}

/**
 * Receives before a touch message goes to its dead-letter queue. Pacing gives a message
 * back once in a burst (each give-back is a receive), and a throttled send a few more
 * times with a doubling backoff (10 s … 15 min): 20 receives cover hours of throttling.
 */
export const TOUCH_MAX_RECEIVE_COUNT = 20;

/**
 * Construct ids per channel. The email queue keeps the ids of the single queue it was
 * before the split, so an existing deployment keeps its queue (and the messages on it).
 */
const TOUCH_QUEUE_IDS: Readonly<Record<TouchQueue, { queue: string; deadLetters: string }>> = {
  email: { queue: 'TouchQueue', deadLetters: 'TouchDeadLetterQueue' },
  sms: { queue: 'SmsTouchQueue', deadLetters: 'SmsTouchDeadLetterQueue' },
};

export function buildQueues(scope: Construct, props: ResolvedEngineProps, keys: EngineKeys): EngineQueues {
  const queueDefaults: sqs.QueueProps = {
    ...(keys.dataKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: keys.dataKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  };
  const existing: Readonly<Record<TouchQueue, sqs.IQueue | undefined>> = {
    email: props.existingTouchQueueObj,
    sms: props.existingSmsTouchQueueObj,
  };
  const touchQueue = (channel: TouchQueue): { queue: sqs.IQueue; deadLetters?: sqs.Queue } => {
    const given = existing[channel];
    if (given) return { queue: given };
    const ids = TOUCH_QUEUE_IDS[channel];
    const deadLetters = new sqs.Queue(scope, ids.deadLetters, queueDefaults);
    const queue = new sqs.Queue(scope, ids.queue, {
      ...queueDefaults,
      // AWS guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(6 * HANDLERS.touchWorker.timeoutSeconds),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: TOUCH_MAX_RECEIVE_COUNT },
    });
    return { queue, deadLetters };
  };
  const email = touchQueue('email');
  const sms = touchQueue('sms');
  const scheduleDeadLetterQueue = new sqs.Queue(scope, 'ScheduleDeadLetterQueue', queueDefaults);
  const eventDeadLetterQueue = new sqs.Queue(scope, 'EventDeadLetterQueue', queueDefaults);
  return {
    touchQueues: { email: email.queue, sms: sms.queue },
    touchDeadLetterQueues: {
      ...(email.deadLetters ? { email: email.deadLetters } : {}),
      ...(sms.deadLetters ? { sms: sms.deadLetters } : {}),
    },
    scheduleDeadLetterQueue,
    eventDeadLetterQueue,
  };
}

/** The dead-letter queues by name, for alarms and the dashboard. */
export function deadLetterQueues(queues: EngineQueues): Record<string, sqs.IQueue> {
  const { email, sms } = queues.touchDeadLetterQueues;
  return {
    ...(email ? { TouchDeadLetterQueue: email } : {}),
    ...(sms ? { SmsTouchDeadLetterQueue: sms } : {}),
    ScheduleDeadLetterQueue: queues.scheduleDeadLetterQueue,
    EventDeadLetterQueue: queues.eventDeadLetterQueue,
  };
}
