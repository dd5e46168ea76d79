/**
 * What the prospect's mail client and phone show: one thread, working unsubscribe
 * headers, a reply address that leads back to the enrollment, the SMS opt-out line.
 */
import { describe, expect, it } from 'vitest';
import {
  findEnrollmentForReplyToken,
  replyTokenFromAddress,
  verifyReplyToken,
  verifyUnsubscribeToken,
} from '../../../functions/domain/tokens.js';
import { pauseEnrollment } from '../../../functions/use-cases/pause-enrollment.js';
import { resumeEnrollment } from '../../../functions/use-cases/resume-enrollment.js';
import { ADA, createTestContext, enrollOne, TEST_SETTINGS } from '../../fakes/test-context.js';

const FIRST_SUBJECT = 'Your Northwind Analytics request';

function messageIdOf(t: { email: { attempts: { result: unknown }[] } }, index: number): string {
  const result = t.email.attempts[index]?.result as { messageIdHeader?: string } | undefined;
  if (!result?.messageIdHeader) throw new Error(`attempt ${index} has no Message-ID`);
  return result.messageIdHeader;
}

describe('email threading', () => {
  it('follow-up emails reply in the first email’s thread: "Re: <first subject>", In-Reply-To and References', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);

    const [intro, story, breakUp] = t.email.sent;
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro', 'customer-story', 'break-up']);
    const firstId = messageIdOf(t, 0);
    expect(firstId).toMatch(/^<.+@email\.amazonses\.com>$/);

    expect(intro?.subject).toBe(FIRST_SUBJECT);
    expect(intro?.headers).not.toHaveProperty('In-Reply-To');
    expect(intro?.headers).not.toHaveProperty('References');
    for (const followUp of [story, breakUp]) {
      expect(followUp?.subject).toBe(`Re: ${FIRST_SUBJECT}`);
      expect(followUp?.headers['In-Reply-To']).toBe(firstId);
      expect(followUp?.headers.References).toBe(firstId);
    }
    expect((await t.store.getEnrollment(enrollmentId))?.thread).toEqual({ messageIdHeader: firstId, subject: FIRST_SUBJECT });
  });

  it('the thread’s Message-ID and subject are kept once, on the enrollment; a reply to a later email still finds the enrollment', async () => {
    const t = await createTestContext({ settings: { replyDomain: undefined } });
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    // Every write of the enrollment item is billed by its size: the thread is the one copy
    // of the first Message-ID and subject, and every email record carries only its SES MessageId.
    expect(enrollment?.thread).toEqual({ messageIdHeader: messageIdOf(t, 0), subject: FIRST_SUBJECT });
    for (const stepId of ['intro', 'customer-story', 'break-up']) {
      expect(enrollment?.touches[stepId], stepId).not.toHaveProperty('messageIdHeader');
      expect(enrollment?.touches[stepId], stepId).not.toHaveProperty('subject');
      expect(enrollment?.touches[stepId]?.providerMessageId, stepId).toBeTruthy();
    }
    // The prospect answers the break-up email: In-Reply-To is that email's Message-ID.
    const { handleInboundEmail } = await import('../../../functions/use-cases/handle-inbound-email.js');
    const outcome = await handleInboundEmail(t.ctx, {
      messageId: '<CAF-reply-9@mail.gmail.com>',
      from: { address: ADA.email, name: 'Ada Lovelace' },
      recipients: [],
      subject: `Re: ${FIRST_SUBJECT}`,
      text: 'Yes, let us talk.',
      inReplyTo: [messageIdOf(t, 2)],
      references: [],
      headers: {},
    });
    expect(outcome).toMatchObject({ enrollmentId, matchedBy: 'thread' });
  });

  it('a first email recorded without its advance (an auto-reply pause landed during the send) keeps its Message-ID, and the catch-up threads from it', async () => {
    const t = await createTestContext({ emailLatency: 30 });
    const { enrollmentId } = await enrollOne(t);
    const sending = t.scheduler.fireDue(t.ctx);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await pauseEnrollment(t.ctx, { enrollmentId, reason: 'auto-reply', resumeAt: new Date(t.clock.now().getTime() + 86_400_000) });
    await sending;
    const paused = await t.store.getEnrollment(enrollmentId);
    expect(paused).toMatchObject({ status: 'paused', stepIndex: 0 });
    expect(paused?.thread).toBeUndefined();
    expect(paused?.touches.intro).toMatchObject({ status: 'sent', messageIdHeader: messageIdOf(t, 0), subject: FIRST_SUBJECT });

    // The pause ends on its own: the touch worker resumes, finds the intro on record and moves on.
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro', 'customer-story', 'break-up']);
    expect(t.email.sent[1]?.headers['In-Reply-To']).toBe(messageIdOf(t, 0));
    expect((await t.store.getEnrollment(enrollmentId))?.thread).toEqual({ messageIdHeader: messageIdOf(t, 0), subject: FIRST_SUBJECT });
  });

  it('a first email recorded without its advance, then resumed by hand: the resume threads from it, the follow-ups reply in its thread', async () => {
    const t = await createTestContext({ emailLatency: 30 });
    const { enrollmentId } = await enrollOne(t);
    const sending = t.scheduler.fireDue(t.ctx);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await pauseEnrollment(t.ctx, { enrollmentId, reason: 'paused by hand' });
    await sending;
    expect((await t.store.getEnrollment(enrollmentId))?.thread).toBeUndefined();

    await resumeEnrollment(t.ctx, { enrollmentId });
    expect((await t.store.getEnrollment(enrollmentId))?.thread).toEqual({ messageIdHeader: messageIdOf(t, 0), subject: FIRST_SUBJECT });
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro', 'customer-story', 'break-up']);
    expect(t.email.sent[1]?.subject).toBe(`Re: ${FIRST_SUBJECT}`);
    expect(t.email.sent[1]?.headers['In-Reply-To']).toBe(messageIdOf(t, 0));
  });

  it('if the first email never went out, the next one starts the thread with the first email’s subject', async () => {
    const t = await createTestContext();
    await enrollOne(t);
    t.email.failNext({ kind: 'permanent', reason: 'MessageRejected' });
    await t.scheduler.fireAll(t.ctx);

    // The intro failed (policy skip_step); the customer story and the break-up still go out, threaded.
    expect(t.email.attempts.map((a) => [a.message.touch?.stepId, a.result.kind])).toEqual([
      ['intro', 'permanent'],
      ['customer-story', 'sent'],
      ['break-up', 'sent'],
    ]);
    const [story, breakUp] = t.email.sent;
    expect(story?.subject).toBe(FIRST_SUBJECT);
    expect(story?.headers).not.toHaveProperty('In-Reply-To');
    expect(breakUp?.subject).toBe(`Re: ${FIRST_SUBJECT}`);
    expect(breakUp?.headers['In-Reply-To']).toBe(messageIdOf(t, 1));
  });
});

describe('email headers and personalisation', () => {
  it('every email carries one-click List-Unsubscribe (https + mailto), a visible link and a tokenised Reply-To', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.sent).toHaveLength(3);

    for (const email of t.email.sent) {
      expect(email).toMatchObject({ from: 'dana@northwind.example', to: ADA.email });
      expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      const match = /^<(https:\/\/followup\.test\/unsubscribe\/([^>]+))>, <mailto:(u\+[^@]+)@reply\.followup\.test\?subject=unsubscribe>$/.exec(
        email.headers['List-Unsubscribe'] ?? '',
      );
      if (!match) throw new Error(`bad List-Unsubscribe: ${email.headers['List-Unsubscribe']}`);
      const [, url, urlToken, mailtoToken] = match;
      expect(verifyUnsubscribeToken(urlToken!, TEST_SETTINGS.signingSecret)).toMatchObject({ prospectId, channel: 'email' });
      // RFC 5321: a local part has at most 64 octets.
      expect(mailtoToken!.length).toBeLessThanOrEqual(64);
      expect(verifyUnsubscribeToken(mailtoToken!.slice('u+'.length), TEST_SETTINGS.signingSecret)).toMatchObject({ prospectId, channel: 'email' });
      // A visible link too, in both parts.
      expect(email.text).toContain(url);
      expect(email.html).toContain(url);

      expect(email.replyTo).toMatch(/^reply\+[A-Za-z0-9_.-]+@reply\.followup\.test$/);
      const token = replyTokenFromAddress(email.replyTo!, 'reply.followup.test');
      const claims = verifyReplyToken(token!, TEST_SETTINGS.signingSecret);
      expect(claims?.prospectId).toBe(prospectId);
      expect(findEnrollmentForReplyToken(claims!, [enrollmentId])).toBe(enrollmentId);

      // SES tags identify the touch in delivery/bounce events.
      expect(email.tags).toEqual({
        prospectId,
        sequenceId: t.sequence.id,
        run: '1',
        stepIndex: String(email.touch?.stepId === 'intro' ? 0 : email.touch?.stepId === 'customer-story' ? 2 : 4),
      });
    }
    expect(t.email.sent[0]?.text).toMatch(/^Hi Ada,/);
    expect(t.email.sent[0]?.text).not.toMatch(/\{\{|\}\}/);
  });

  it('without a reply domain: List-Unsubscribe is the https URL only and replies go to the sender', async () => {
    const t = await createTestContext({
      settings: { replyDomain: undefined },
      tweak: (s) => {
        s.definition.sender.email = { from: 'dana@northwind.example', replyTo: 'dana.replies@northwind.example' };
      },
    });
    await enrollOne(t);
    await t.scheduler.fireDue(t.ctx);
    const [intro] = t.email.sent;
    expect(intro?.headers['List-Unsubscribe']).toMatch(/^<https:\/\/followup\.test\/unsubscribe\/[^>]+>$/);
    expect(intro?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(intro?.replyTo).toBe('dana.replies@northwind.example');
  });
});

describe('SMS content', () => {
  it('the first SMS says "Reply STOP to opt out"; the second does not repeat it', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    const [checkIn, quickCall] = t.sms.sent;
    expect(t.sms.sent.map((m) => m.touch?.stepId)).toEqual(['check-in', 'quick-call']);
    expect(checkIn).toMatchObject({ to: ADA.phone, from: '+15005550006' });
    expect(checkIn?.body).toMatch(/^Hi Ada, it's Dana from Northwind Analytics\./);
    expect(checkIn?.body.endsWith('Reply STOP to opt out.')).toBe(true);
    expect(quickCall?.body).not.toContain('STOP');
    const callback = new URL(checkIn!.statusCallbackUrl!);
    expect(callback.origin + callback.pathname).toBe('https://followup.test/webhooks/twilio/status');
    expect(Object.fromEntries(callback.searchParams)).toEqual({ e: enrollmentId, r: '1', s: '1' });
  });

  it('for a phone-only prospect the first SMS they get carries the opt-out line', async () => {
    const t = await createTestContext();
    await enrollOne(t, { phone: ADA.phone, firstName: 'Sam' });
    await t.scheduler.fireAll(t.ctx);
    expect(t.sms.sent[0]?.body.endsWith('Reply STOP to opt out.')).toBe(true);
  });
});
