/**
 * Gives touch messages back to their SQS queue for a while: `ChangeMessageVisibilityBatch`
 * (ten per request) sets when each comes back, instead of the queue's visibility timeout
 * (minutes) or a sleep inside the invocation. The touch worker uses it for messages that
 * must wait for their send slot (send-pacer.ts) and for throttled sends (429).
 *
 * The Lambda event source's consume grant includes sqs:ChangeMessageVisibility.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../ports.js';
import { lazy } from '../async/lazy.js';

/** Imported by the first call, not with this module (see `sdk` in dynamodb-store.ts). */
const sdk = lazy(() => import('@aws-sdk/client-sqs'));

export interface ReturnedMessage {
  /** `eventSourceARN` of the record: the queue it came from. */
  queueArn: string;
  messageId: string;
  receiptHandle: string;
  /** Seconds until the message is visible again (0–43,200). */
  delaySeconds: number;
}

export interface MessageReturner {
  /**
   * Best effort: a message whose visibility could not be changed still comes back after
   * the queue's own visibility timeout, so nothing is lost, only delayed.
   */
  giveBack(messages: readonly ReturnedMessage[]): Promise<void>;
}

/** SQS accepts at most ten entries per batch request. */
const BATCH_LIMIT = 10;

export class SqsMessageReturner implements MessageReturner {
  constructor(
    private readonly client: SQSClient,
    private readonly logger: Logger,
  ) {}

  async giveBack(messages: readonly ReturnedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { ChangeMessageVisibilityBatchCommand } = await sdk();
    const byQueue = new Map<string, ReturnedMessage[]>();
    for (const message of messages) byQueue.set(message.queueArn, [...(byQueue.get(message.queueArn) ?? []), message]);
    const requests: Promise<void>[] = [];
    for (const [queueArn, queued] of byQueue) {
      const QueueUrl = queueUrlOf(queueArn);
      for (let i = 0; i < queued.length; i += BATCH_LIMIT) {
        const chunk = queued.slice(i, i + BATCH_LIMIT);
        requests.push(
          this.client
            .send(
              new ChangeMessageVisibilityBatchCommand({
                QueueUrl,
                Entries: chunk.map((m, index) => ({
                  Id: String(index),
                  ReceiptHandle: m.receiptHandle,
                  VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(m.delaySeconds))),
                })),
              }),
            )
            .then((output) => {
              if ((output.Failed?.length ?? 0) > 0) {
                this.logger.warn('some touch messages keep the queue visibility timeout', {
                  failed: output.Failed?.map((f) => ({ messageId: chunk[Number(f.Id)]?.messageId, code: f.Code })),
                });
              }
            })
            .catch((error: unknown) => {
              this.logger.warn('could not give touch messages back; they return after the queue visibility timeout', {
                count: chunk.length,
                error: error instanceof Error ? error.name : 'unknown',
              });
            }),
        );
      }
    }
    await Promise.all(requests);
  }
}

export class InvalidQueueArnError extends Error {
  override name = 'InvalidQueueArnError';
}

/** `arn:<partition>:sqs:<region>:<account>:<name>` → the queue's URL. */
export function queueUrlOf(queueArn: string): string {
  const parts = queueArn.split(':');
  const [arn, partition, service, region, account, name] = parts;
  if (parts.length !== 6 || arn !== 'arn' || service !== 'sqs' || !region || !account || !name) {
    throw new InvalidQueueArnError(`not an SQS queue ARN: ${queueArn}`);
  }
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}
