import { describe, expect, it } from 'vitest';
import type { InboundEmail } from '../../../functions/domain/email-reply.js';
import { createReplyToken, createUnsubscribeToken } from '../../../functions/domain/tokens.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { handleInboundEmail } from '../../../functions/use-cases/handle-inbound-email.js';
import { RetryableNotificationError } from '../../../functions/use-cases/notify-owner.js';
import { RecordingLogger } from '../../fakes/logger.js';
import { ADA, createTestContext, enrollOne, EXAMPLE_SEQUENCE_ID, TEST_SETTINGS } from '../../fakes/test-context.js';

const REPLY_DOMAIN = TEST_SETTINGS.replyDomain as string;
const DAY = 86_400_000;

async function adaAfterFirstEmail(options: Parameters<typeof createTestContext>[0] = {}) {
  const t = await createTestContext(options);
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  const [first] = t.email.sentTo(ADA.email);
  if (!first) throw new Error('first email not sent');
  // The first email's Message-ID is kept once, as the enrollment's thread.
  const thread = (await t.store.getEnrollment(ids.enrollmentId))?.thread;
  t.email.clear();
  return { t, ...ids, first, messageIdHeader: thread?.messageIdHeader as string };
}

function reply(fields: Partial<InboundEmail> = {}): InboundEmail {
  return {
    messageId: '<CAF-reply-1@mail.gmail.com>',
    from: { address: ADA.email, name: 'Ada Lovelace' },
    recipients: [],
    subject: 'Re: Your demo request',
    text: 'Sounds good, can we talk Tuesday?\n\nOn Mon, Jun 2, 2025 at 10:00 AM Dana <dana@northwind.example> wrote:\n> Hi Ada\n> Unsubscribe: https://followup.test/unsubscribe/x',
    inReplyTo: [],
    references: [],
    headers: {},
    ...fields,
  };
}

describe('handleInboundEmail: matching', () => {
  it('matches the tokenised Reply-To, stops as replied and forwards to the owner with the prospect in Reply-To', async () => {
    const { t, enrollmentId, prospectId, first } = await adaAfterFirstEmail();
    expect(first.replyTo).toMatch(new RegExp(`^reply\\+.+@${REPLY_DOMAIN.replace(/\./g, '\\.')}$`));

    const outcome = await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));

    expect(outcome).toEqual({ outcome: 'replied', enrollmentId, matchedBy: 'reply-token', stopped: true, forwarded: 'sent' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied', endReason: 'replied by email' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    const replied = (await t.store.listTimeline(prospectId)).find((e) => e.type === 'replied');
    // Only the new text, not the quote, goes on the timeline.
    expect(replied?.detail).toBe('email: Sounds good, can we talk Tuesday?');
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.replied': 1 });

    expect(t.email.sent).toHaveLength(1);
    expect(t.email.sent[0]).toMatchObject({
      to: 'sales@northwind.example',
      from: 'dana@northwind.example',
      replyTo: '"Ada Lovelace" <ada@example.com>',
      subject: 'Re: Your demo request',
      headers: { References: '<CAF-reply-1@mail.gmail.com>', 'Auto-Submitted': 'auto-generated' },
    });
    expect(t.email.sent[0]?.text).toContain('Sounds good, can we talk Tuesday?');

    await t.scheduler.advanceAndFire(t.ctx, 30 * DAY);
    expect(t.email.sentTo(ADA.email)).toEqual([]);
    expect(t.sms.sent).toEqual([]);
  });

  it('falls back to In-Reply-To / References against the Message-IDs we sent', async () => {
    const { t, enrollmentId, messageIdHeader } = await adaAfterFirstEmail({ settings: { replyDomain: undefined } });
    const outcome = await handleInboundEmail(t.ctx, reply({ inReplyTo: [messageIdHeader], references: ['<other@x>', messageIdHeader] }));
    expect(outcome).toMatchObject({ outcome: 'replied', enrollmentId, matchedBy: 'thread' });
  });

  it('matches an SES Message-ID of another region domain through the SES MessageId', async () => {
    const { t, enrollmentId, messageIdHeader } = await adaAfterFirstEmail({ settings: { replyDomain: undefined } });
    const otherDomain = messageIdHeader.replace('email.amazonses.com', 'eu-west-1.amazonses.com');
    const outcome = await handleInboundEmail(t.ctx, reply({ references: [otherDomain] }));
    expect(outcome).toMatchObject({ outcome: 'replied', enrollmentId, matchedBy: 'thread' });
  });

  it('falls back to the sender address when the message carries neither token nor thread', async () => {
    const { t, enrollmentId } = await adaAfterFirstEmail({ settings: { replyDomain: undefined } });
    const outcome = await handleInboundEmail(t.ctx, reply({ from: { address: 'ADA@example.com'.toLowerCase() } }));
    expect(outcome).toMatchObject({ outcome: 'replied', enrollmentId, matchedBy: 'sender' });
  });

  it('a tampered or unknown token never stops anything, not even by sender', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const token = (first.replyTo as string).slice('reply+'.length, (first.replyTo as string).indexOf('@'));
    const tampered = `reply+${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}@${REPLY_DOMAIN}`;
    expect(await handleInboundEmail(t.ctx, reply({ recipients: [tampered] }))).toEqual({ outcome: 'unmatched', reason: 'invalid reply token' });
    const otherProspect = createReplyToken('p_000000000000000000000000.inbound-lead-follow-up', TEST_SETTINGS.signingSecret);
    expect(await handleInboundEmail(t.ctx, reply({ recipients: [`reply+${otherProspect}@${REPLY_DOMAIN}`] }))).toMatchObject({
      outcome: 'unmatched',
    });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(t.email.sent).toEqual([]);
  });

  it('an unknown sender is acknowledged and nothing changes', async () => {
    const { t, enrollmentId } = await adaAfterFirstEmail();
    const outcome = await handleInboundEmail(t.ctx, reply({ from: { address: 'stranger@example.org' } }));
    expect(outcome).toEqual({ outcome: 'unmatched', reason: 'unknown sender' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('never logs addresses, subjects or text', async () => {
    const logger = new RecordingLogger();
    const { t, first } = await adaAfterFirstEmail({ logger });
    await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    const logs = JSON.stringify(logger.entries);
    expect(logs).not.toContain('ada@example.com');
    expect(logs).not.toContain('Sounds good');
    expect(logs).not.toContain('Your demo request');
  });
});

describe('handleInboundEmail: opt-outs', () => {
  it('a reply asking to be removed is an opt-out: suppressed, every enrollment opted_out, owner told', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const outcome = await handleInboundEmail(
      t.ctx,
      reply({ recipients: [first.replyTo as string], text: 'Please remove me from your list.\n\n> Hi Ada' }),
    );
    expect(outcome).toMatchObject({ outcome: 'opted_out', enrollmentId, stopped: [enrollmentId], forwarded: 'sent' });
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'unsubscribe', source: 'unsubscribe:reply' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.email.sent[0]?.text).toContain('asked to be removed');
  });

  it('the quoted unsubscribe link of our own email does not count as a removal request', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const text = 'Yes, interested!\n\nOn Mon wrote:\n> To unsubscribe click here: https://followup.test/unsubscribe/x';
    const outcome = await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string], text }));
    expect(outcome).toMatchObject({ outcome: 'replied', enrollmentId });
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
  });

  it('mail to the List-Unsubscribe mailto address unsubscribes', async () => {
    const { t, enrollmentId, prospectId } = await adaAfterFirstEmail();
    const token = createUnsubscribeToken({ prospectId, channel: 'email' }, TEST_SETTINGS.signingSecret);
    const outcome = await handleInboundEmail(
      t.ctx,
      reply({ recipients: [`unsubscribe+${token}@${REPLY_DOMAIN}`], subject: 'unsubscribe', text: '' }),
    );
    expect(outcome).toMatchObject({ outcome: 'opted_out', matchedBy: 'unsubscribe-address', stopped: [enrollmentId] });
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ source: 'unsubscribe:mailto' });
    expect(t.email.sent).toEqual([]);
  });

  it('an invalid mailto unsubscribe token changes nothing', async () => {
    const { t, enrollmentId } = await adaAfterFirstEmail();
    const outcome = await handleInboundEmail(t.ctx, reply({ recipients: [`unsubscribe+forged.token@${REPLY_DOMAIN}`] }));
    expect(outcome).toEqual({ outcome: 'ignored', reason: 'invalid unsubscribe token' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
  });
});

describe('handleInboundEmail: auto-replies and reports', () => {
  it('an out-of-office pauses until the day after the return date, then the sequence resumes', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const before = await t.store.getEnrollment(enrollmentId);
    expect(before?.nextTouchAt).toBeDefined();
    const outcome = await handleInboundEmail(
      t.ctx,
      reply({
        recipients: [first.replyTo as string],
        subject: 'Automatic reply: Your demo request',
        headers: { 'auto-submitted': 'auto-replied' },
        text: 'I am out of the office until June 20 with limited access to email.',
      }),
    );
    // Monday 2 June 2025 → back 20 June → resume 21 June (then the send window applies).
    expect(outcome).toEqual({
      outcome: 'auto_reply',
      enrollmentId,
      matchedBy: 'reply-token',
      paused: true,
      resumeAt: '2025-06-21T00:00:00.000Z',
    });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'paused', resumeAt: '2025-06-21T00:00:00.000Z' });
    expect(t.email.sent).toEqual([]); // not forwarded
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();

    await t.scheduler.advanceAndFire(t.ctx, 18 * DAY); // → 20 June
    expect(t.sms.sent).toEqual([]);
    await t.scheduler.advanceAndFire(t.ctx, 4 * DAY);
    expect(t.sms.sentTo(ADA.phone)).toHaveLength(1); // the check-in SMS, after the return
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('without a return date the pause lasts 7 days, and never ends before the next touch was planned', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const planned = (await t.store.getEnrollment(enrollmentId))?.nextTouchAt as string;
    const outcome = await handleInboundEmail(
      t.ctx,
      reply({ recipients: [first.replyTo as string], subject: 'Out of Office', text: 'I am travelling.' }),
    );
    expect(outcome).toMatchObject({ outcome: 'auto_reply', paused: true, resumeAt: new Date(t.clock.now().getTime() + 7 * DAY).toISOString() });
    expect(new Date((outcome as { resumeAt: string }).resumeAt) > new Date(planned)).toBe(true);

    const t2 = await adaAfterFirstEmail();
    const planned2 = (await t2.t.store.getEnrollment(t2.enrollmentId))?.nextTouchAt as string;
    const outcome2 = await handleInboundEmail(
      t2.t.ctx,
      reply({ recipients: [t2.first.replyTo as string], headers: { 'x-autoreply': 'yes' }, text: 'Back tomorrow.' }),
    );
    // 7 days from now is later than the planned check-in anyway; a return date "tomorrow" is not found → 7 days.
    expect((outcome2 as { resumeAt: string }).resumeAt >= planned2).toBe(true);
  });

  it('an auto-reply to an enrollment that is not active changes nothing', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    const outcome = await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string], headers: { precedence: 'auto_reply' } }));
    expect(outcome).toMatchObject({ outcome: 'auto_reply', paused: false });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied' });
  });

  it('delivery reports are ignored', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    const outcome = await handleInboundEmail(
      t.ctx,
      reply({ recipients: [first.replyTo as string], from: { address: 'mailer-daemon@googlemail.com' }, contentType: 'multipart/report' }),
    );
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('a forward that SES throttles throws (so SNS retries) after the stop; the retry does not stop twice', async () => {
    const { t, enrollmentId, first } = await adaAfterFirstEmail();
    t.email.failNext({ kind: 'retryable', reason: 'TooManyRequestsException' });
    await expect(handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }))).rejects.toBeInstanceOf(RetryableNotificationError);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied' });
    const outcome = await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    expect(outcome).toMatchObject({ outcome: 'replied', stopped: false, forwarded: 'sent' });
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'status.replied': 1, 'step.intro.replied': 1 });
  });
});

describe('handleInboundEmail: a redelivered reply (same Message-ID)', () => {
  it('forwards once and records one reply, however often SNS delivers it', async () => {
    const { t, prospectId, first } = await adaAfterFirstEmail();
    for (let i = 0; i < 3; i++) await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    expect(t.email.sentTo('sales@northwind.example')).toHaveLength(1);
    expect((await t.store.listTimeline(prospectId)).filter((e) => e.type === 'replied')).toHaveLength(1);
  });

  it('with stopOnReply: false the reply is counted once, so the reply rate stays true', async () => {
    const { t, first } = await adaAfterFirstEmail({ tweak: (s) => void (s.definition.stopOnReply = false) });
    for (let i = 0; i < 3; i++) await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.replied': 1 });
    expect(t.email.sentTo('sales@northwind.example')).toHaveLength(1);
    // Another message from the same person is another reply.
    await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string], messageId: '<CAF-reply-2@mail.gmail.com>' }));
    expect(await t.store.getCounters(EXAMPLE_SEQUENCE_ID)).toMatchObject({ 'step.intro.replied': 2 });
  });

  it('with stopOnReply: false the funnel counts the person who replied once, however often they reply', async () => {
    const { t, first } = await adaAfterFirstEmail({ tweak: (s) => void (s.definition.stopOnReply = false) });
    await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string] }));
    await handleInboundEmail(t.ctx, reply({ recipients: [first.replyTo as string], messageId: '<CAF-reply-2@mail.gmail.com>' }));
    const stats = await getSequenceStats(t.ctx, EXAMPLE_SEQUENCE_ID);
    expect(stats.funnel).toMatchObject({ enrolled: 1, touched: 1, replied: 1 });
    expect(stats.enrollments.active).toBe(1);
    expect(stats.steps.find((s) => s.stepId === 'intro')?.replied).toBe(2);
  });
});
