import { describe, expect, it } from 'vitest';
import { EmailTooLargeError, MalformedEmailError, parseInboundEmail } from '../../../functions/adapters/mime-parser.js';
import { fixtureText } from '../../fakes/fixtures.js';

const values = {
  PROSPECT_EMAIL: 'Ada@Example.com',
  REPLY_TO: 'reply+p_AbC123.XyZ0123456789abcdefGH@Reply.Followup.Test',
  IN_REPLY_TO: '<0100019a-00000001-fake@email.amazonses.com>',
  ENVELOPE_RECIPIENT: 'reply+p_AbC123.XyZ0123456789abcdefGH@reply.followup.test',
};

describe('parseInboundEmail (postal-mime)', () => {
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

  it('an HTML-only reply still has a text part', async () => {
    const mime = [
      'From: Ada <ada@example.com>',
      'To: reply+abc@reply.followup.test',
      'Subject: Re: Hello',
      'Message-ID: <html-only@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=UTF-8',
      '',
      '<div dir="ltr">Yes, <b>Tuesday</b> works.<br>Ada</div>',
      '',
    ].join('\r\n');
    const email = await parseInboundEmail(Buffer.from(mime));
    expect(email.text).toBe('Yes, Tuesday works.\nAda');
  });

  it('decodes windows-1252 smart quotes, dashes and the euro sign in the body, the subject and the name', async () => {
    const mime = [
      'From: =?windows-1252?Q?Ren=E9e_=93RJ=94_M=FCller?= <renee@example.com>',
      'To: reply+abc@reply.followup.test',
      'Subject: =?windows-1252?Q?Re:_It=92s_=80100_=96_deal?=',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="Windows-1252"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'That=92s fine =96 =80100 works for us. =93Great=94, caf=E9 at 10?',
      '',
    ].join('\r\n');
    const email = await parseInboundEmail(Buffer.from(mime));
    expect(email.text).toContain('That’s fine – €100 works for us. “Great”, café at 10?');
    expect(email.subject).toBe('Re: It’s €100 – deal');
    expect(email.from).toEqual({ address: 'renee@example.com', name: 'Renée “RJ” Müller' });
  });
});
