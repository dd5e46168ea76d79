/**
 * A reply is credited to the step it answers: an email by the Message-ID it references
 * (In-Reply-To, then References), an SMS to the last SMS sent. `/stats` shows replied
 * and the reply rate per step.
 */
import { describe, expect, it } from 'vitest';
import type { InboundEmail } from '../../../functions/domain/email-reply.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { handleInboundEmail } from '../../../functions/use-cases/handle-inbound-email.js';
import { handleSmsInbound } from '../../../functions/use-cases/handle-sms-inbound.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

/** Runs the touches until `count` have gone out (the example: intro, check-in SMS, customer-story, quick-call SMS, break-up). */
async function sendTouches(t: TestContext, count: number): Promise<void> {
  while (t.email.sent.length + t.sms.sent.length < count) {
    const [next] = t.scheduler.pendingTouches();
    if (!next) throw new Error('nothing left to send');
    t.clock.moveTo(new Date(next.dueAt));
    await t.scheduler.fireDue(t.ctx);
  }
}

function replyTo(messageIdHeader: string, fields: Partial<InboundEmail> = {}): InboundEmail {
  return {
    messageId: '<answer-1@mail.example.com>',
    from: { address: ADA.email },
    recipients: [],
    subject: 'Re: Your demo request',
    text: 'Yes, Tuesday works.',
    inReplyTo: [messageIdHeader],
    references: [messageIdHeader],
    headers: {},
    ...fields,
  };
}

describe('replies are credited to the step they answer', () => {
  it('an answer to the FIRST email, sent after the third step went out, counts for the first step', async () => {
    const t = await createTestContext({ settings: { replyDomain: undefined } });
    const { enrollmentId, prospectId } = await enrollOne(t);
    await sendTouches(t, 3);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    expect(Object.keys(enrollment?.touches ?? {})).toEqual(['intro', 'check-in', 'customer-story']);

    const outcome = await handleInboundEmail(t.ctx, replyTo(enrollment?.thread?.messageIdHeader as string));
    expect(outcome).toMatchObject({ outcome: 'replied', enrollmentId, stopped: true });

    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    const step = (id: string) => stats.steps.find((s) => s.stepId === id);
    expect(step('intro')).toMatchObject({ sent: 1, replied: 1, replyRate: 1 });
    expect(step('customer-story')).toMatchObject({ sent: 1, replied: 0, replyRate: 0 });
    expect(step('break-up')).toMatchObject({ sent: 0, replied: 0, replyRate: null });
    expect((await t.store.listTimeline(prospectId)).find((e) => e.type === 'replied')).toMatchObject({ stepId: 'intro' });
  });

  it('References decide when In-Reply-To names no touch: the most recent one we sent', async () => {
    const t = await createTestContext({ settings: { replyDomain: undefined } });
    const { enrollmentId } = await enrollOne(t);
    await sendTouches(t, 3);
    const { touches, thread } = (await t.store.getEnrollment(enrollmentId))!;
    // Later emails of a thread keep no Message-ID of their own: SES's is its MessageId at amazonses.com.
    const sesHeader = (stepId: string) => `<${touches[stepId]!.providerMessageId}@email.amazonses.com>`;
    await handleInboundEmail(
      t.ctx,
      replyTo('<x>', { inReplyTo: ['<not-ours@example.com>'], references: [thread!.messageIdHeader, sesHeader('customer-story')] }),
    );
    expect(await t.store.getCounters(t.sequence.id)).toMatchObject({ 'step.customer-story.replied': 1 });
  });

  it('an SMS reply counts for the last SMS sent, not for a later email', async () => {
    const t = await createTestContext();
    await enrollOne(t);
    await sendTouches(t, 3);
    await handleSmsInbound(t.ctx, { from: ADA.phone, to: '+15005550006', body: 'ok call me', messageSid: `SM${'2'.repeat(32)}` });
    const counters = await t.store.getCounters(t.sequence.id);
    expect(counters).toMatchObject({ 'step.check-in.replied': 1 });
    expect(counters).not.toHaveProperty('step.customer-story.replied');
  });
});
