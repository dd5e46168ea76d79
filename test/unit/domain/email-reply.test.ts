import { describe, expect, it } from 'vitest';
import {
  deliveryReportReason,
  freshReplyText,
  isRemovalRequest,
  normalizeMessageId,
  parseMessageIds,
  sesMessageIdOf,
} from '../../../functions/domain/email-reply.js';

describe('Message-IDs', () => {
  it('parses In-Reply-To / References lists', () => {
    expect(parseMessageIds('<a@b> <c@d>\r\n <e@f>')).toEqual(['<a@b>', '<c@d>', '<e@f>']);
    expect(parseMessageIds(['<a@b>', '<c@d>'])).toEqual(['<a@b>', '<c@d>']);
    expect(parseMessageIds('bare@id')).toEqual(['<bare@id>']);
    expect(parseMessageIds(undefined)).toEqual([]);
  });

  it('normalises for comparison', () => {
    expect(normalizeMessageId(' <ABC@Email.AmazonSES.com> ')).toBe('abc@email.amazonses.com');
  });

  it('extracts the SES MessageId from any SES Message-ID domain only', () => {
    expect(sesMessageIdOf('<0100019a-abc-000000@email.amazonses.com>')).toBe('0100019a-abc-000000');
    expect(sesMessageIdOf('<0100019a-abc-000000@eu-west-1.amazonses.com>')).toBe('0100019a-abc-000000');
    expect(sesMessageIdOf('<CAF=x@mail.gmail.com>')).toBeUndefined();
    expect(sesMessageIdOf('<x@notamazonses.com>')).toBeUndefined();
  });
});

describe('freshReplyText', () => {
  it('drops the Gmail-style quote, also when "wrote:" wraps', () => {
    const text = [
      'Sounds good, call me Tuesday.',
      '',
      'On Mon, Nov 23, 2026 at 9:00 AM Dana Whitfield <dana@northwind.example>',
      'wrote:',
      '> Hi Ada, ... to unsubscribe click here',
    ].join('\n');
    expect(freshReplyText(text)).toBe('Sounds good, call me Tuesday.');
  });

  it.each([
    ['Am 23.11.2026 um 09:00 schrieb Dana Whitfield <dana@x>:', 'Danke!'],
    ['Le lun. 23 nov. 2026 à 09:00, Dana <dana@x> a écrit :', 'Merci !'],
    ['El lun, 23 nov 2026 a las 9:00, Dana (<dana@x>) escribió:', '¡Gracias!'],
    ['-----Original Message-----', 'Thanks'],
    ['From: Dana Whitfield <dana@x>', 'Thanks'],
  ])('drops the quote after %j', (separator, fresh) => {
    expect(freshReplyText(`${fresh}\n\n${separator}\nUnsubscribe: https://x/unsubscribe/t`)).toBe(fresh);
  });

  it('drops > quoted lines in between', () => {
    expect(freshReplyText('> quoted\nmine\n> more')).toBe('mine');
  });
});

describe('isRemovalRequest', () => {
  it.each([
    'Please unsubscribe me.',
    'remove me from your list',
    'Stop emailing me',
    'please take me off this list',
    "Don't contact me again",
    'Bitte abmelden.',
    'Bitte keine weiteren E-Mails.',
    'Merci de me désabonner',
    'Je ne veux plus recevoir vos emails',
    'Por favor, darme de baja',
    'No me envíen más correos',
  ])('%j asks to be removed', (text) => {
    expect(isRemovalRequest(text, 'Re: Quick question')).toBe(true);
  });

  it.each(['Sounds good, call me Tuesday.', 'Not right now, maybe next quarter.', 'Who removed the pricing page?'])(
    '%j does not',
    (text) => {
      expect(isRemovalRequest(text, 'Re: Quick question')).toBe(false);
    },
  );

  it('looks at the subject too', () => {
    expect(isRemovalRequest('', 'unsubscribe')).toBe(true);
  });
});

describe('deliveryReportReason', () => {
  it('recognises DSNs and daemons, not people', () => {
    expect(deliveryReportReason({ contentType: 'multipart/report', subject: 'x', headers: {} })).toBe('multipart/report');
    expect(deliveryReportReason({ from: { address: 'mailer-daemon@x.com' }, subject: 'x', headers: {} })).toBeDefined();
    expect(deliveryReportReason({ from: { address: 'ada@example.com' }, subject: 'Re: Undeliverable?', headers: {} })).toBeUndefined();
  });
});
