import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidQueueArnError, queueUrlOf, SqsMessageReturner } from '../../functions/adapters/sqs-message-returner.js';
import type { Logger } from '../../functions/ports.js';

const sqsMock = mockClient(SQSClient);
const EMAIL = 'arn:aws:sqs:eu-west-1:123456789012:Followup-EngineTouchQueue-ABC';
const SMS = 'arn:aws:sqs:eu-west-1:123456789012:Followup-EngineSmsTouchQueue-DEF';

function recordingLogger(): Logger & { warnings: { message: string; fields?: Record<string, unknown> }[] } {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }) };
}

const message = (queueArn: string, i: number, delaySeconds = 5) => ({ queueArn, messageId: `m${i}`, receiptHandle: `h${i}`, delaySeconds });

describe('SqsMessageReturner', () => {
  beforeEach(() => sqsMock.reset());
  afterAll(() => sqsMock.restore());

  it('sets each message visibility with ChangeMessageVisibilityBatch, ten per request, per queue', async () => {
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const returner = new SqsMessageReturner(new SQSClient({ region: 'eu-west-1' }), recordingLogger());

    await returner.giveBack([...Array.from({ length: 12 }, (_, i) => message(EMAIL, i, i)), message(SMS, 99, 7)]);

    const calls = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.QueueUrl, c.Entries?.length])).toEqual([
      ['https://sqs.eu-west-1.amazonaws.com/123456789012/Followup-EngineTouchQueue-ABC', 10],
      ['https://sqs.eu-west-1.amazonaws.com/123456789012/Followup-EngineTouchQueue-ABC', 2],
      ['https://sqs.eu-west-1.amazonaws.com/123456789012/Followup-EngineSmsTouchQueue-DEF', 1],
    ]);
    expect(calls[1]?.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'h10', VisibilityTimeout: 10 },
      { Id: '1', ReceiptHandle: 'h11', VisibilityTimeout: 11 },
    ]);
  });

  it('never throws: an SQS error or a failed entry is logged, and the message returns after the queue visibility timeout', async () => {
    sqsMock
      .on(ChangeMessageVisibilityBatchCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'RequestThrottled' }))
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    const logger = recordingLogger();
    const returner = new SqsMessageReturner(new SQSClient({ region: 'eu-west-1' }), logger);

    await returner.giveBack([message(EMAIL, 1)]);
    await returner.giveBack([message(EMAIL, 2)]);

    expect(logger.warnings.map((w) => w.message)).toEqual([
      'could not give touch messages back; they return after the queue visibility timeout',
      'some touch messages keep the queue visibility timeout',
    ]);
    expect(logger.warnings[1]?.fields).toEqual({ failed: [{ messageId: 'm2', code: 'ReceiptHandleIsInvalid' }] });
  });

  it('turns queue ARNs into queue URLs and rejects anything else', () => {
    expect(queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:q')).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q');
    expect(() => queueUrlOf('arn:aws:sns:us-east-1:123456789012:topic')).toThrow(InvalidQueueArnError);
  });
});
