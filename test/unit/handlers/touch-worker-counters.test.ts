/**
 * The touch worker writes the counters of a batch once (use-cases/counter-batch.ts): a
 * batch of touches of one sequence costs one counters request, not one per touch, and the
 * stats read after the invocation already show every touch of it.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createTouchWorkerHandler } from '../../../functions/handlers/touch-worker.js';
import type { TouchMessage } from '../../../functions/ports.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

function record(message: TouchMessage, id: string): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: JSON.stringify(message),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:followup-email-touches',
    awsRegion: 'us-east-1',
  };
}

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

describe('touch worker counters', () => {
  it('writes the counters of a batch once, and the stats after the invocation count every touch of it', async () => {
    const t = await createTestContext();
    const messages = await firstTouches(t, 6);
    t.store.resetCalls();
    const worker = createTouchWorkerHandler(async () => t.ctx);

    const response = await worker({ Records: messages.map((m, i) => record(m, `m${i}`)) });

    expect(response.batchItemFailures).toEqual([]);
    expect(t.email.sent).toHaveLength(6);
    expect(t.store.calls.addToCounters).toBe(1);
    // Per touch: one read, the claim, the advance; the counters once for the batch.
    expect(t.store.calls.loadTouchContext + t.store.calls.claimTouch + t.store.calls.advanceEnrollment).toBe(18);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.steps.find((s) => s.stepId === 'intro')).toMatchObject({ sent: 6 });
  });

  it('counts a redelivered batch once: its touches are stale and add nothing', async () => {
    const t = await createTestContext();
    const messages = await firstTouches(t, 3);
    const worker = createTouchWorkerHandler(async () => t.ctx);
    await worker({ Records: messages.map((m, i) => record(m, `m${i}`)) });
    await worker({ Records: messages.map((m, i) => record(m, `again${i}`)) });
    expect(t.email.sent).toHaveLength(3);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.steps.find((s) => s.stepId === 'intro')).toMatchObject({ sent: 3 });
  });
});
