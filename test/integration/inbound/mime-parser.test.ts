import { describe, expect, it } from 'vitest';
import { EmailTooLargeError, MalformedEmailError, parseInboundEmail } from '../../../functions/adapters/mime-parser.js';
import { fixtureText } from '../../fakes/fixtures.js';

const values = {
  PROSPECT_EMAIL: 'Ada@Example.com',
  REPLY_TO: 'reply+p_AbC123.XyZ0123456789abcdefGH@Reply.Followup.Test',
  IN_REPLY_TO: '<0100019a-00000001-fake@email.amazonses.com>',
  ENVELOPE_RECIPIENT: 'reply+p_AbC123.XyZ0123456789abcdefGH@reply.followup.test',
};

describe('parseInboundEmail (mailparser)', () => {
  it('parses a Gmail reply: addresses, threading headers, decoded text', async () => {
    const email = await parseInboundEmail(Buffer.from(fixtureText('email/gmail-reply.eml', values)), {
      envelopeRecipients: ['Bcc+Only@Reply.Followup.Test'],
    });
    expect(email.from).toEqual({ address: 'ada@example.com', name: 'Ada Lovelace' });
    // Tokens are case-sensitive: only the domain is lower-cased.
    expect(email.recipients).toEqual([
      'reply+p_AbC123.XyZ0123456789abcdefGH@reply.followup.test',
      'Bcc+Only@reply.followup.test',
    ]);
    expect(email.inReplyTo).toEqual(['<0100019a-00000001-fake@email.amazonses.com>']);
    expect(email.references).toEqual(['<0100019a-00000001-fake@email.amazonses.com>']);
    expect(email.messageId).toBe('<CAJx8f2Wd3nQ=tN1vJp0xHkq4G4pR9yZb+7eH2Lq@mail.gmail.com>');
    expect(email.subject).toBe('Re: Thanks for your interest');
    expect(email.text).toContain('Thanks — yes, a call on Tuesday works.');
    expect(email.contentType).toBe('multipart/alternative');
    expect(email.date?.toISOString()).toBe('2025-06-02T14:42:17.000Z');
  });

  it('keeps the auto-reply headers and decodes ISO-8859-1 quoted-printable', async () => {
    const email = await parseInboundEmail(Buffer.from(fixtureText('email/out-of-office-de.eml', values)));
    expect(email.headers['auto-submitted']).toBe('auto-replied');
    expect(email.headers['x-auto-response-suppress']).toBe('All');
    expect(email.subject).toBe('Automatische Antwort: Thanks for your interest');
    expect(email.text).toContain('Ich bin bis einschließlich 13.06.2025 nicht im Büro');
  });

  it('refuses garbage, a message without From, and oversized messages', async () => {
    await expect(parseInboundEmail(Buffer.from('\u0000\u0001 garbage'))).rejects.toBeInstanceOf(MalformedEmailError);
    await expect(parseInboundEmail(Buffer.from('Subject: hi\r\n\r\nno sender'))).rejects.toBeInstanceOf(MalformedEmailError);
    await expect(parseInboundEmail(Buffer.alloc(0))).rejects.toBeInstanceOf(MalformedEmailError);
    await expect(parseInboundEmail(Buffer.alloc(200 * 1024, 'a'))).rejects.toBeInstanceOf(EmailTooLargeError);
  });
});
