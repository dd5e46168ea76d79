/** The touch queue (buffers bursts) and the dead-letter queues. */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { HANDLERS } from '../handlers.js';
import type { EngineKeys } from './encryption.js';

export interface EngineQueues {
  readonly touchQueue: sqs.IQueue;
  /** Undefined with `existingTouchQueueObj`: that queue's own redrive policy applies. */
  readonly touchDeadLetterQueue?: sqs.Queue;
  /** Where EventBridge Scheduler puts touches it could not deliver to the queue. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Failed asynchronous deliveries: SES events, inbound mail. */
  readonly eventDeadLetterQueue: sqs.Queue;
}

export function buildQueues(scope: Construct, props: ResolvedEngineProps, keys: EngineKeys): EngineQueues {
  const queueDefaults: sqs.QueueProps = {
    ...(keys.dataKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: keys.dataKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  };
  let touchQueue: sqs.IQueue;
  let touchDeadLetterQueue: sqs.Queue | undefined;
  if (props.existingTouchQueueObj) {
    touchQueue = props.existingTouchQueueObj;
  } else {
    touchDeadLetterQueue = new sqs.Queue(scope, 'TouchDeadLetterQueue', queueDefaults);
    touchQueue = new sqs.Queue(scope, 'TouchQueue', {
      ...queueDefaults,
      // AWS guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(6 * HANDLERS.touchWorker.timeoutSeconds),
      // Throttled sends are retried through the queue a few times before a human looks.
      deadLetterQueue: { queue: touchDeadLetterQueue, maxReceiveCount: 8 },
    });
  }
  const scheduleDeadLetterQueue = new sqs.Queue(scope, 'ScheduleDeadLetterQueue', queueDefaults);
  const eventDeadLetterQueue = new sqs.Queue(scope, 'EventDeadLetterQueue', queueDefaults);
  return { touchQueue, ...(touchDeadLetterQueue ? { touchDeadLetterQueue } : {}), scheduleDeadLetterQueue, eventDeadLetterQueue };
}

/** The dead-letter queues by name, for alarms and the dashboard. */
export function deadLetterQueues(queues: EngineQueues): Record<string, sqs.IQueue> {
  return {
    ...(queues.touchDeadLetterQueue ? { TouchDeadLetterQueue: queues.touchDeadLetterQueue } : {}),
    ScheduleDeadLetterQueue: queues.scheduleDeadLetterQueue,
    EventDeadLetterQueue: queues.eventDeadLetterQueue,
  };
}
