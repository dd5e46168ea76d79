/**
 * The touch worker's pacing as a queue consumer sees it: records of a batch run in
 * parallel, those past this worker's send slot go back to their queue until their slot
 * (no sleeping inside the invocation), records coming back are sent, and a throttled
 * send (Twilio 429) goes back for the provider's Retry-After with its claim released.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RATE_MARGIN, SendPacer } from '../../../functions/adapters/send-pacer.js';
import type { MessageReturner, ReturnedMessage } from '../../../functions/adapters/sqs-message-returner.js';
import { createTouchWorkerHandler } from '../../../functions/handlers/touch-worker.js';
import type { TouchMessage } from '../../../functions/ports.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const EMAIL_QUEUE = 'arn:aws:sqs:us-east-1:123456789012:followup-email-touches';
const SMS_QUEUE = 'arn:aws:sqs:us-east-1:123456789012:followup-sms-touches';

class RecordingReturner implements MessageReturner {
  readonly returned: ReturnedMessage[] = [];
  async giveBack(messages: readonly ReturnedMessage[]): Promise<void> {
    this.returned.push(...messages);
  }
}

function record(message: TouchMessage, id: string, queueArn: string, receiveCount = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/** Enrolls `count` prospects and takes their first (email) touch from the scheduler. */
async function firstTouches(t: TestContext, count: number): Promise<TouchMessage[]> {
  const messages: TouchMessage[] = [];
  for (let i = 0; i < count; i++) {
    const { enrollmentId } = await enrollOne(t, { ...ADA, email: `ada${i}@example.com`, phone: `+1415555${String(1000 + i)}` });
    const [touch] = t.scheduler.pendingFor(enrollmentId);
    if (!touch) throw new Error('no first touch');
    messages.push(t.scheduler.take(touch.scheduleName));
  }
  return messages;
}

describe('touch worker pacing', () => {
  it('sends what its slot allows now, in parallel, and gives the rest back until their slots', async () => {
    const t = await createTestContext({ emailLatency: 20 });
    const messages = await firstTouches(t, 5);
    expect(messages.every((m) => m.channel === 'email')).toBe(true);
    const returner = new RecordingReturner();
    // A share whose slots (at the pacer's margin) are 500 ms apart.
    const pacer = new SendPacer(2 / RATE_MARGIN, () => t.clock.now().getTime());
    const worker = createTouchWorkerHandler(async () => t.ctx, {
      pacers: { email: pacer },
      queueChannels: { [EMAIL_QUEUE]: 'email', [SMS_QUEUE]: 'sms' },
      returner,
    });

    const event: SQSEvent = { Records: messages.map((m, i) => record(m, `m${i}`, EMAIL_QUEUE)) };
    const response = await worker(event);

    // Slots at +0, +0.5, +1, +1.5, +2 s: one now; the others come back at 1, 1, 2, 2 s.
    expect(t.email.sent).toHaveLength(1);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(returner.returned.map((r) => [r.messageId, r.delaySeconds, r.receiptHandle, r.queueArn])).toEqual([
      ['m1', 1, 'handle-m1', EMAIL_QUEUE],
      ['m2', 1, 'handle-m2', EMAIL_QUEUE],
      ['m3', 2, 'handle-m3', EMAIL_QUEUE],
      ['m4', 2, 'handle-m4', EMAIL_QUEUE],
    ]);
    // A deferred record touched nothing: no claim, no read beyond the sent one's.
    expect(t.store.calls.claimTouch).toBe(1);
    expect(t.store.calls.loadTouchContext).toBe(1);

    // They come back together (receive count 2): sent at once, in parallel, within the
    // worker's cap of 1.5 x its share per second (3 here); the fourth tries a second later.
    t.clock.advance({ seconds: 2 });
    const again = await worker({ Records: messages.slice(1).map((m, i) => record(m, `m${i + 1}`, EMAIL_QUEUE, 2)) });
    expect(again.batchItemFailures).toEqual([{ itemIdentifier: 'm4' }]);
    expect(returner.returned.at(-1)).toMatchObject({ messageId: 'm4', delaySeconds: 1 });
    expect(t.email.sent).toHaveLength(4);
    expect(t.email.maxInFlight).toBeGreaterThan(1);
    t.clock.advance({ seconds: 1 });
    const last = messages[4];
    if (!last) throw new Error('no fifth touch');
    expect((await worker({ Records: [record(last, 'm4', EMAIL_QUEUE, 3)] })).batchItemFailures).toEqual([]);
    expect(new Set(t.email.sent.map((m) => m.to)).size).toBe(5);
  });

  it('gives a throttled SMS (Twilio 429) back for its Retry-After, releasing the claim, then sends it once', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const [smsTouch] = t.scheduler.pendingFor(enrollmentId);
    if (!smsTouch) throw new Error('no SMS touch');
    expect(smsTouch.channel).toBe('sms');
    t.clock.set(smsTouch.dueAt);
    const message = messageOf(smsTouch);
    const returner = new RecordingReturner();
    const worker = createTouchWorkerHandler(async () => t.ctx, {
      pacers: { sms: new SendPacer(0.5, () => t.clock.now().getTime()) },
      queueChannels: { [EMAIL_QUEUE]: 'email', [SMS_QUEUE]: 'sms' },
      returner,
    });
    t.sms.failNext({ kind: 'retryable', reason: 'HTTP 429: Too Many Requests', retryAfterSeconds: 7 });

    const first = await worker({ Records: [record(message, 'sms-1', SMS_QUEUE)] });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'sms-1' }]);
    expect(returner.returned).toEqual([{ queueArn: SMS_QUEUE, messageId: 'sms-1', receiptHandle: 'handle-sms-1', delaySeconds: 7 }]);
    expect(t.store.peekClaim(enrollmentId)).toBeUndefined();

    t.clock.advance({ seconds: 7 });
    const second = await worker({ Records: [record(message, 'sms-1', SMS_QUEUE, 2)] });
    expect(second.batchItemFailures).toEqual([]);
    expect(t.sms.sent).toHaveLength(1);
    expect(t.sms.attempts).toHaveLength(2);
  });

  it("paces a voicemail drop on the SMS queue by Twilio's call rate, not the SMS slots it shares the queue with", async () => {
    const t = await createTestContext();
    const [first] = await firstTouches(t, 1);
    if (!first) throw new Error('no touch');
    const now = () => t.clock.now().getTime();
    // The SMS share is used up for the next seconds; the call pacer has its slot free.
    const sms = new SendPacer(0.5 / RATE_MARGIN, now);
    sms.reserve();
    const returner = new RecordingReturner();
    const worker = createTouchWorkerHandler(async () => t.ctx, {
      pacers: { sms, voicemail: new SendPacer(1 / RATE_MARGIN, now) },
      queueChannels: { [EMAIL_QUEUE]: 'email', [SMS_QUEUE]: 'sms' },
      returner,
    });
    // Messages that no longer match their enrollment's step (stale): only the pacing is looked at.
    const text: TouchMessage = { ...first, stepIndex: 3, channel: 'sms' };
    const voicemail: TouchMessage = { ...first, stepIndex: 4, channel: 'voicemail' };
    await worker({ Records: [record(text, 'sms-1', SMS_QUEUE), record(voicemail, 'vm-1', SMS_QUEUE)] });
    expect(returner.returned.map((r) => r.messageId)).toEqual(['sms-1']);
  });

  it('backs off a throttle without a hint (SES TooManyRequests) by the receive count', async () => {
    const t = await createTestContext();
    const [message] = await firstTouches(t, 1);
    if (!message) throw new Error('no touch');
    const returner = new RecordingReturner();
    const worker = createTouchWorkerHandler(async () => t.ctx, { returner });
    t.email.failNext({ kind: 'retryable', reason: 'TooManyRequestsException: Maximum sending rate exceeded.' }, 2);

    await worker({ Records: [record(message, 'e-1', EMAIL_QUEUE, 1)] });
    await worker({ Records: [record(message, 'e-1', EMAIL_QUEUE, 3)] });
    expect(returner.returned.map((r) => r.delaySeconds)).toEqual([1, 4]);
    expect(t.email.sent).toHaveLength(0);
  });

  it('without pacers (the embedded runtime) sends every record of the batch at once', async () => {
    const t = await createTestContext();
    const messages = await firstTouches(t, 3);
    const worker = createTouchWorkerHandler(async () => t.ctx);
    const response = await worker({ Records: messages.map((m, i) => record(m, `m${i}`, EMAIL_QUEUE)) });
    expect(response.batchItemFailures).toEqual([]);
    expect(t.email.sent).toHaveLength(3);
  });
});
