import { describe, expect, it } from 'vitest';
import { autoReplyReason, autoReplyResumeAt, findReturnDate } from '../../../functions/domain/auto-reply.js';

const RECEIVED = new Date('2026-11-23T15:00:00Z'); // Monday
const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

describe('autoReplyReason', () => {
  it('RFC 3834 Auto-Submitted, anything but "no"', () => {
    expect(autoReplyReason({ 'auto-submitted': 'auto-replied' }, 'Re: hello')).toBe('Auto-Submitted: auto-replied');
    expect(autoReplyReason({ 'auto-submitted': 'auto-generated; owner-email="x@y"' }, '')).toBe('Auto-Submitted: auto-generated');
    expect(autoReplyReason({ 'auto-submitted': 'No' }, 'Re: hello')).toBeUndefined();
  });

  it('X-Autoreply, X-Autorespond and Precedence', () => {
    expect(autoReplyReason({ 'x-autoreply': 'yes' }, '')).toBe('x-autoreply');
    expect(autoReplyReason({ 'x-autorespond': '' }, '')).toBe('x-autorespond');
    expect(autoReplyReason({ 'x-autoreply': 'no' }, 'Re: pricing')).toBeUndefined();
    for (const precedence of ['auto_reply', 'bulk', 'junk', 'Bulk']) {
      expect(autoReplyReason({ precedence }, '')).toBe(`Precedence: ${precedence.toLowerCase()}`);
    }
    expect(autoReplyReason({ precedence: 'list' }, 'Re: pricing')).toBeUndefined();
  });

  it.each([
    'Out of Office: Re: Quick question',
    'Automatic reply: Quick question',
    'Auto-Reply: Quick question',
    'AutoReply',
    'OOO until Monday',
    'Away from the office',
    'Abwesenheitsnotiz: Kurze Frage',
    'Automatische Antwort: Kurze Frage',
    'Nicht im Büro',
    'Réponse automatique : Question rapide',
    'Absent du bureau',
    'Respuesta automática: Pregunta rápida',
    'Fuera de la oficina',
  ])('out-of-office subject %j', (subject) => {
    expect(autoReplyReason({}, subject)).toBe('out-of-office subject');
  });

  it.each(['Re: Quick question', 'Re: your office hours', 'Re: can we automate replies?', 'Booking a call'])(
    'a human subject %j is not an auto-reply',
    (subject) => {
      expect(autoReplyReason({}, subject)).toBeUndefined();
    },
  );
});

describe('findReturnDate', () => {
  it.each([
    ['en: month name', 'I am out of the office until December 7th and will reply when I am back.', '2026-12-07'],
    ['en: day month year', "I'm on leave and will be back on 7 December 2026.", '2026-12-07'],
    ['en: US numeric', 'I will return on 12/07/2026.', '2026-12-07'],
    ['en: range, the later date wins', 'Away from Dec 1 to Dec 4, back Monday Dec 7.', '2026-12-07'],
    ['ISO', 'Back 2026-12-07.', '2026-12-07'],
    ['de: dotted', 'Ich bin bis zum 04.12.2026 nicht im Büro. Ab dem 07.12. bin ich wieder erreichbar.', '2026-12-07'],
    ['de: month name', 'Vielen Dank für Ihre Nachricht. Ich bin bis 7. Dezember im Urlaub.', '2026-12-07'],
    ['fr', "Je suis absent du bureau jusqu'au 7 décembre inclus. Merci.", '2026-12-07'],
    ['fr: 1er', 'Je serai de retour le 1er décembre.', '2026-12-01'],
    ['fr: numeric day first', "Absent jusqu'au 07/12/2026.", '2026-12-07'],
    ['es', 'Estoy fuera de la oficina hasta el 7 de diciembre de 2026.', '2026-12-07'],
    ['es: numeric', 'Regreso el 07/12.', '2026-12-07'],
  ])('%s', (_name, text, expected) => {
    expect(findReturnDate(text, RECEIVED)).toEqual(day(expected));
  });

  it('a date without a year is the next one (January after a November auto-reply)', () => {
    expect(findReturnDate('Back on January 4.', RECEIVED)).toEqual(day('2027-01-04'));
  });

  it('ignores past dates, dates too far away, times and impossible dates', () => {
    expect(findReturnDate('I was away until 2026-11-01.', RECEIVED)).toBeUndefined();
    expect(findReturnDate('Back on 2028-01-01.', RECEIVED)).toBeUndefined();
    expect(findReturnDate('Call me at 10.30 tomorrow.', RECEIVED)).toBeUndefined();
    expect(findReturnDate('Back on 31 November.', RECEIVED)).toBeUndefined();
    expect(findReturnDate('I am out of the office with limited access to email.', RECEIVED)).toBeUndefined();
  });

  it('prefers a date after a return cue over other dates', () => {
    const text = 'Our conference is on 15 January. I am back on 2 December.';
    expect(findReturnDate(text, RECEIVED)).toEqual(day('2026-12-02'));
  });
});

describe('autoReplyResumeAt', () => {
  it('resumes the day after the return date', () => {
    expect(autoReplyResumeAt('back on December 7', RECEIVED)).toEqual({
      resumeAt: day('2026-12-08'),
      returnDate: day('2026-12-07'),
    });
  });

  it('resumes after 7 days without a return date', () => {
    expect(autoReplyResumeAt('I am away with limited access.', RECEIVED)).toEqual({
      resumeAt: new Date('2026-11-30T15:00:00Z'),
    });
  });
});
