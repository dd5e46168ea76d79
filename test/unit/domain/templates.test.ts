import { describe, expect, it } from 'vitest';
import {
  countSmsSegments,
  renderEmail,
  RenderError,
  renderSms,
  replySubject,
  templateVarsFor,
  type EmailTemplate,
  type SmsTemplate,
} from '../../../functions/domain/templates.js';

const sender = { name: 'Dana Whitfield', company: 'Northwind Analytics', email: { from: 'dana@northwind.example' } };
const UNSUBSCRIBE = 'https://followup.example/unsubscribe/tok?x=1&y=2';

function vars(prospect: Record<string, string | undefined> = {}, attributes: Record<string, string> = {}) {
  return templateVarsFor({
    prospect: { email: 'sam@example.com', ...prospect, attributes },
    sender,
    unsubscribeUrl: UNSUBSCRIBE,
    timezone: 'America/New_York',
  });
}

describe('countSmsSegments', () => {
  it('counts plain GSM-7 text: 160 per single segment, 153 once split', () => {
    expect(countSmsSegments('Hello')).toMatchObject({ encoding: 'GSM-7', segments: 1, characters: 5, units: 5 });
    expect(countSmsSegments('a'.repeat(160)).segments).toBe(1);
    expect(countSmsSegments('a'.repeat(161)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters € and ^ as two septets', () => {
    expect(countSmsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', segments: 1, characters: 80, units: 160 });
    expect(countSmsSegments('€'.repeat(81))).toMatchObject({ segments: 2, units: 162 });
    expect(countSmsSegments(`${'a'.repeat(159)}^`)).toMatchObject({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('never splits an escape sequence across segments', () => {
    // 152 + 2 does not fit in 153: the € opens segment 2, which then fills up.
    expect(countSmsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
  });

  it('keeps GSM accents (é, ü, ñ) in GSM-7 but switches to UCS-2 for others', () => {
    expect(countSmsSegments('Café Müller, señor').encoding).toBe('GSM-7');
    expect(countSmsSegments('Łódź')).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['Ł', 'ó', 'ź'] });
  });

  it('counts emoji as two UTF-16 units in UCS-2: 70 single, 67 split', () => {
    expect(countSmsSegments('Hi 👋')).toMatchObject({ encoding: 'UCS-2', segments: 1, characters: 4, units: 5 });
    expect(countSmsSegments('ł'.repeat(70)).segments).toBe(1);
    expect(countSmsSegments('ł'.repeat(71)).segments).toBe(2);
    // 66 + a surrogate pair does not fit in 67: the emoji is not split.
    expect(countSmsSegments(`${'ł'.repeat(66)}😀${'ł'.repeat(66)}`)).toMatchObject({ units: 134, segments: 3 });
  });

  it('names the curly apostrophe that silently forces UCS-2', () => {
    expect(countSmsSegments('I’m here')).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['’'] });
  });
});

describe('renderSms', () => {
  const template: SmsTemplate = { channel: 'sms', body: 'Hi {{ prospect.firstName | default: "there" }}, Dana here.' };

  it('appends the opt-out footer to the first SMS only', () => {
    const v = vars({ phone: '+12025550143', firstName: 'Maya' });
    expect(renderSms(template, v, { isFirstSmsOfSequence: true })).toEqual({
      body: 'Hi Maya, Dana here. Reply STOP to opt out.',
      segments: 1,
      encoding: 'GSM-7',
    });
    expect(renderSms(template, v, { isFirstSmsOfSequence: false }).body).toBe('Hi Maya, Dana here.');
  });

  it('does not add the footer when the body already mentions STOP', () => {
    const own: SmsTemplate = { channel: 'sms', body: 'Hi! Text STOP to end these.' };
    expect(renderSms(own, vars(), { isFirstSmsOfSequence: true }).body).toBe('Hi! Text STOP to end these.');
  });

  it('uses the default for a missing first name', () => {
    expect(renderSms(template, vars(), { isFirstSmsOfSequence: false }).body).toBe('Hi there, Dana here.');
  });

  it('throws a RenderError naming the variable when data is missing at send time', () => {
    const strict: SmsTemplate = { channel: 'sms', body: 'Hi {{ prospect.firstName }}' };
    expect(() => renderSms(strict, vars(), { isFirstSmsOfSequence: false })).toThrow(RenderError);
    expect(() => renderSms(strict, vars(), { isFirstSmsOfSequence: false })).toThrow(
      'Cannot render SMS body line 1: undefined variable "prospect.firstName"',
    );
  });

  it('cannot read server files through include', () => {
    const sneaky: SmsTemplate = { channel: 'sms', body: "{% include '/etc/passwd' %}" };
    expect(() => renderSms(sneaky, vars(), { isFirstSmsOfSequence: false })).toThrow(RenderError);
  });
});

describe('renderEmail', () => {
  const plain: EmailTemplate = {
    channel: 'email',
    subject: 'Hello from {{ sender.company }}',
    html: '',
    text: 'Hi {{ prospect.firstName | default: "there" }},\n\nWe met at {{ prospect.company }}.\nSee https://northwind.example/guide?a=1&b=2.\n\nDana',
  };

  it('derives escaped HTML paragraphs, line breaks and links from a plain-text body', () => {
    const email = renderEmail(plain, vars({ firstName: 'Sam', company: 'Ortiz & Sons <Hardware>' }));
    expect(email.subject).toBe('Hello from Northwind Analytics');
    expect(email.html).toContain('<p>Hi Sam,</p>');
    expect(email.html).toContain(
      '<p>We met at Ortiz &amp; Sons &lt;Hardware&gt;.<br>\nSee <a href="https://northwind.example/guide?a=1&amp;b=2">https://northwind.example/guide?a=1&amp;b=2</a>.</p>',
    );
    expect(email.text).toContain('We met at Ortiz & Sons <Hardware>.\nSee https://northwind.example/guide?a=1&b=2.');
  });

  it('appends a visible unsubscribe link to both parts', () => {
    const email = renderEmail(plain, vars({ company: 'Acme' }));
    expect(email.text.endsWith(`--\nPrefer not to get these emails? Unsubscribe: ${UNSUBSCRIBE}`)).toBe(true);
    expect(email.html).toContain('<a href="https://followup.example/unsubscribe/tok?x=1&amp;y=2">Unsubscribe</a>');
  });

  it('does not add a second link when the template already has one', () => {
    const own: EmailTemplate = {
      channel: 'email',
      subject: 'Hi',
      html: '<p>Hello</p><p><a href="{{ unsubscribeUrl }}">Stop these emails</a></p>',
      text: '',
    };
    const email = renderEmail(own, vars());
    expect(email.html).toBe('<p>Hello</p><p><a href="https://followup.example/unsubscribe/tok?x=1&amp;y=2">Stop these emails</a></p>');
    expect(email.text).toBe(`Hello\n\nStop these emails [${UNSUBSCRIBE}]`);
  });

  it('escapes prospect data in an HTML body, but not a value already escaped by | escape', () => {
    const html: EmailTemplate = {
      channel: 'email',
      subject: 'Hi {{ prospect.company }}',
      html: '<p>{{ prospect.company }} / {{ prospect.company | escape }}</p>',
      text: '',
    };
    const email = renderEmail(html, vars({ company: 'A&B' }));
    expect(email.subject).toBe('Hi A&B');
    expect(email.html).toContain('<p>A&amp;B / A&amp;B</p>');
    expect(email.text).toContain('A&B / A&B');
  });

  it('replies in the thread with "Re: " and never stacks it', () => {
    expect(renderEmail(plain, vars({ company: 'Acme' }), { threadSubject: 'Your request' }).subject).toBe('Re: Your request');
    expect(replySubject('RE: Your request')).toBe('RE: Your request');
  });

  it('keeps the subject on one line (no header injection)', () => {
    const bad: EmailTemplate = { ...plain, subject: 'Hi\r\nBcc: x@example.com {{ prospect.company }}' };
    expect(renderEmail(bad, vars({ company: 'Acme' })).subject).toBe('Hi Bcc: x@example.com Acme');
  });

  it('refuses to render an email without an unsubscribe URL', () => {
    const v = { ...vars({ company: 'Acme' }), unsubscribeUrl: undefined };
    expect(() => renderEmail(plain, v)).toThrow('Cannot render an email without unsubscribeUrl');
  });
});

describe('templateVarsFor', () => {
  it('leaves missing values absent (not empty) and builds fullName', () => {
    const v = templateVarsFor({
      prospect: { email: 'a@example.com', firstName: 'Maya', lastName: '', attributes: { industry: 'retail', blank: ' ' } },
      sender: { name: 'Dana', sms: { from: '+15005550006' } },
      timezone: 'Asia/Tokyo',
    });
    expect(v).toEqual({
      prospect: { firstName: 'Maya', fullName: 'Maya', email: 'a@example.com', timezone: 'Asia/Tokyo' },
      sender: { name: 'Dana', phone: '+15005550006' },
      attributes: { industry: 'retail' },
    });
  });
});
