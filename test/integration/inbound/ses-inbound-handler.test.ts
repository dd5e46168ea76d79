/**
 * The SES inbound handler with real-shaped SNS notifications (SES "Received", SNS action,
 * base64 content) carrying real-shaped MIME (a Gmail reply, an Exchange out-of-office),
 * over the DynamoDB store on dynalite.
 */
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSesInboundHandler } from '../../../functions/handlers/ses-inbound.js';
import { createDynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { fixtureText, jsonFixture } from '../../fakes/fixtures.js';
import { RecordingLogger } from '../../fakes/logger.js';
import { ADA, enrollOne } from '../../fakes/test-context.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

async function adaAfterFirstEmail(logger?: RecordingLogger) {
  const t = await createDynamoInboundContext(db, logger ? { logger } : {});
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  const [first] = t.email.sentTo(ADA.email);
  // The first email's Message-ID is kept once, as the enrollment's thread.
  const thread = (await t.store.getEnrollment(ids.enrollmentId))?.thread;
  if (!first?.replyTo || !thread?.messageIdHeader) throw new Error('first email not sent');
  t.email.clear();
  const handler = createSesInboundHandler({ context: async () => t.ctx });
  return { t, ...ids, first, replyTo: first.replyTo, messageIdHeader: thread.messageIdHeader, handler };
}

function mime(file: string, values: { replyTo: string; inReplyTo: string; envelope?: string }): Buffer {
  const text = fixtureText(`email/${file}`, {
    PROSPECT_EMAIL: ADA.email,
    REPLY_TO: values.replyTo,
    IN_REPLY_TO: values.inReplyTo,
    ENVELOPE_RECIPIENT: values.envelope ?? values.replyTo,
  });
  return Buffer.from(text, 'utf8');
}

function snsEvent(content: Buffer | string, options: { envelope: string; encoding?: 'BASE64' | 'UTF8'; spam?: string; raw?: string }): SNSEvent {
  const notification = jsonFixture<Record<string, unknown>>('ses/received-notification.json', {
    PROSPECT_EMAIL: ADA.email,
    ENVELOPE_RECIPIENT: options.envelope,
    CONTENT: Buffer.isBuffer(content) ? (options.encoding === 'UTF8' ? content.toString('utf8') : content.toString('base64')) : content,
  });
  const receipt = notification['receipt'] as Record<string, unknown>;
  if (options.encoding) (receipt['action'] as Record<string, unknown>)['encoding'] = options.encoding;
  if (options.spam) receipt['spamVerdict'] = { status: options.spam };
  return jsonFixture<SNSEvent>('ses/sns-lambda-event.json', { MESSAGE: options.raw ?? JSON.stringify(notification) });
}

describe('SES inbound (SNS) handler', () => {
  it('a Gmail reply to the tokenised Reply-To stops the enrollment as replied and is forwarded to the owner', async () => {
    const { t, enrollmentId, prospectId, replyTo, messageIdHeader, handler } = await adaAfterFirstEmail();
    await handler(snsEvent(mime('gmail-reply.eml', { replyTo, inReplyTo: messageIdHeader }), { envelope: replyTo }));

    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    const replied = (await t.store.listTimeline(prospectId)).find((e) => e.type === 'replied');
    expect(replied?.detail).toBe('email: Hi Dana, Thanks — yes, a call on Tuesday works. 10am Eastern? Ada');

    expect(t.email.sent).toHaveLength(1);
    const forward = t.email.sent[0]!;
    expect(forward).toMatchObject({
      to: 'sales@northwind.example',
      from: 'dana@northwind.example',
      replyTo: '"Ada Lovelace" <ada@example.com>',
      subject: 'Re: Thanks for your interest',
    });
    expect(forward.headers['References']).toBe('<CAJx8f2Wd3nQ=tN1vJp0xHkq4G4pR9yZb+7eH2Lq@mail.gmail.com>');
    expect(forward.text).toContain('a call on Tuesday works');

    await t.scheduler.advanceAndFire(t.ctx, 30 * 86_400_000);
    expect(t.sms.sent).toEqual([]);
    expect(t.email.sentTo(ADA.email)).toEqual([]);
  });

  it('without a reply token, In-Reply-To finds the enrollment through the Message-ID we sent', async () => {
    const { t, enrollmentId, messageIdHeader, handler } = await adaAfterFirstEmail();
    const plain = 'dana@northwind.example';
    await handler(snsEvent(mime('gmail-reply.eml', { replyTo: plain, inReplyTo: messageIdHeader }), { envelope: 'inbox@reply.followup.test' }));
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied' });
  });

  it('an Exchange out-of-office (German) pauses until the day after the return date instead of stopping', async () => {
    const { t, enrollmentId, prospectId, replyTo, messageIdHeader, handler } = await adaAfterFirstEmail();
    await handler(snsEvent(mime('out-of-office-de.eml', { replyTo, inReplyTo: messageIdHeader }), { envelope: replyTo }));

    // "bis einschließlich 13.06.2025 … Ab dem 16.06.2025 wieder": back on the 16th, resume the 17th.
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'paused', resumeAt: '2025-06-17T00:00:00.000Z' });
    expect(t.scheduler.pendingFor(enrollmentId).map((s) => s.dueAt)).toEqual(['2025-06-17T00:00:00.000Z']);
    expect((await t.store.listTimeline(prospectId)).map((e) => e.type)).toEqual(expect.arrayContaining(['auto_replied', 'paused']));
    expect(t.email.sent).toEqual([]);

    await t.scheduler.advanceAndFire(t.ctx, 14 * 86_400_000); // → 16 June
    expect(t.sms.sent).toEqual([]);
    await t.scheduler.advanceAndFire(t.ctx, 2 * 86_400_000); // → 18 June
    expect(t.sms.sentTo(ADA.phone)).toHaveLength(1);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('acknowledges what it cannot process, without a crash and without touching any enrollment', async () => {
    const logger = new RecordingLogger();
    const { t, enrollmentId, replyTo, messageIdHeader, handler } = await adaAfterFirstEmail(logger);
    const reply = mime('gmail-reply.eml', { replyTo, inReplyTo: messageIdHeader });

    await handler(snsEvent(reply, { envelope: replyTo, raw: 'this is not JSON' }));
    await handler(snsEvent(reply, { envelope: replyTo, raw: JSON.stringify({ notificationType: 'Bounce' }) }));
    await handler(snsEvent(Buffer.from('\u0000\u0001 not a mail at all'), { envelope: replyTo }));
    await handler(snsEvent(Buffer.concat([reply, Buffer.alloc(151 * 1024, 'x')]), { envelope: replyTo }));
    await handler(snsEvent(reply, { envelope: replyTo, spam: 'FAIL' }));
    const tampered = replyTo.replace(/.@/, (m) => (m[0] === 'A' ? 'B@' : 'A@'));
    await handler(snsEvent(mime('gmail-reply.eml', { replyTo: tampered, inReplyTo: '<unknown@x>' }), { envelope: tampered }));

    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(t.email.sent).toEqual([]);
    const messages = logger.entries.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'inbound email notification is not JSON; acknowledged',
        'not an SES Received notification; acknowledged',
        'inbound email ignored: malformed MIME',
        'inbound email ignored: message too large',
        'inbound email failed the spam/virus scan; ignored',
      ]),
    );
    expect(logger.entries.find((e) => e.message === 'inbound email handled')?.attributes).toMatchObject({ outcome: 'unmatched' });
    expect(JSON.stringify(logger.entries)).not.toContain('ada@example.com');
  });

  it('mail to the List-Unsubscribe mailto (u+<token>@reply-domain) unsubscribes', async () => {
    const { t, enrollmentId, first, handler } = await adaAfterFirstEmail();
    const listUnsubscribe = first.headers['List-Unsubscribe'] as string;
    const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(listUnsubscribe)?.[1] as string;
    expect(mailto).toMatch(/^u\+.+@reply\.followup\.test$/);
    expect(mailto.split('@')[0]!.length).toBeLessThanOrEqual(64);
    const raw = [
      `From: ${ADA.email}`,
      `To: ${mailto}`,
      'Subject: unsubscribe',
      'Message-ID: <one-click-mailto@mail.example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This message was automatically generated by Gmail.',
      '',
    ].join('\r\n');
    await handler(snsEvent(Buffer.from(raw), { envelope: mailto }));
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'unsubscribe', source: 'unsubscribe:mailto' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.email.sent).toEqual([]);
  });

  it('accepts UTF8-encoded SNS content too', async () => {
    const { t, enrollmentId, replyTo, messageIdHeader, handler } = await adaAfterFirstEmail();
    await handler(snsEvent(mime('gmail-reply.eml', { replyTo, inReplyTo: messageIdHeader }), { envelope: replyTo, encoding: 'UTF8' }));
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'replied' });
  });
});
