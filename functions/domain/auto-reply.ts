/**
 * Auto-replies (out-of-office, vacation responders, ticket acknowledgements): how to
 * recognise them, and when the person is back. Pure.
 *
 * An auto-reply is not the prospect answering: the sequence is paused (not stopped) and
 * resumes the day after the return date found in the text, or after 7 days.
 *
 * Signals, strongest first:
 * - RFC 3834 `Auto-Submitted` with any value but `no` (`auto-replied`, `auto-generated`,
 *   `auto-notified`), as Exchange, Gmail and most responders send;
 * - `X-Autoreply` / `X-Autorespond` (older responders, cPanel, Zimbra), unless `no`/`false`;
 * - `Precedence: auto_reply | bulk | junk`;
 * - a subject typical of out-of-office messages in English, German, French or Spanish.
 */

export type HeaderMap = Readonly<Record<string, string>>;

const MS_PER_DAY = 86_400_000;
/** Without a return date, resume after this many days. */
export const DEFAULT_AUTO_REPLY_PAUSE_DAYS = 7;
/** A "return date" further away than this is more likely noise (a signature, a quote); ignore it. */
export const MAX_AUTO_REPLY_PAUSE_DAYS = 180;

/** Word boundaries that understand accented letters (`\b` does not). */
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';
const words = (alternatives: string[]) => new RegExp(`${B}(?:${alternatives.join('|')})${E}`, 'iu');

const OUT_OF_OFFICE_SUBJECTS: readonly RegExp[] = [
  // English
  words([
    'out of (?:the )?office',
    'automatic (?:reply|response)',
    'auto[- ]?reply',
    'auto[- ]?response',
    'autoresponse',
    'away from (?:the |my )?office',
    'vacation (?:reply|notice|response)',
    'on (?:vacation|holiday|leave|annual leave|parental leave)',
    'absence notice',
  ]),
  /(?<![\p{L}\p{N}])OOO(?![\p{L}\p{N}])/u,
  // German
  words([
    'abwesenheitsnotiz',
    'abwesenheitsnachricht',
    'abwesenheit',
    'automatische antwort',
    'automatische r(?:ü|ue)ckantwort',
    'abwesend',
    'nicht im b(?:ü|ue)ro',
    'au(?:ß|ss)er haus',
    'im urlaub',
  ]),
  // French
  words([
    'r(?:é|e)ponse automatique',
    'message d[\'’]absence',
    'absente?s? du bureau',
    'hors du bureau',
    'en cong(?:é|e)s?',
    'absence',
  ]),
  // Spanish
  words([
    'respuesta autom(?:á|a)tica',
    'fuera de (?:la )?oficina',
    'ausente',
    'de vacaciones',
    'mensaje de ausencia',
  ]),
];

/** Why this message is an auto-reply, or `undefined` for a message a person wrote. Header names lower-case. */
export function autoReplyReason(headers: HeaderMap, subject: string): string | undefined {
  const autoSubmitted = headerToken(headers['auto-submitted']);
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    const value = headers[name];
    if (value !== undefined && !/^\s*(?:no|false|0)\s*$/i.test(value)) return `${name}`;
  }
  const precedence = headerToken(headers['precedence']);
  if (precedence && ['auto_reply', 'bulk', 'junk'].includes(precedence)) return `Precedence: ${precedence}`;
  const cleanSubject = subject.replace(/\s+/g, ' ');
  if (OUT_OF_OFFICE_SUBJECTS.some((pattern) => pattern.test(cleanSubject))) return 'out-of-office subject';
  return undefined;
}

/** First token of a structured header value, lower-case (`auto-replied; owner-email=...` → `auto-replied`). */
function headerToken(value: string | undefined): string | undefined {
  const token = value?.split(';')[0]?.trim().toLowerCase();
  return token ? token : undefined;
}

// ---------------------------------------------------------------------------------------
// Return dates
// ---------------------------------------------------------------------------------------

type Language = 'en' | 'de' | 'fr' | 'es';

/** Month names and abbreviations (longest first within a month, so `sept` never eats `septembre`). */
const MONTHS: readonly (readonly string[])[] = [
  ['january', 'januar', 'jänner', 'janvier', 'janv', 'enero', 'jan', 'ene'],
  ['february', 'februar', 'février', 'fevrier', 'febrero', 'févr', 'fevr', 'feb', 'fév', 'fev'],
  ['march', 'märz', 'maerz', 'mars', 'marzo', 'mär', 'mar'],
  ['april', 'avril', 'abril', 'apr', 'avr', 'abr'],
  ['mayo', 'may', 'mai'],
  ['june', 'juni', 'juin', 'junio', 'jun'],
  ['july', 'juli', 'juillet', 'julio', 'juil', 'jul'],
  ['august', 'août', 'aout', 'agosto', 'aug', 'ago'],
  ['september', 'septembre', 'septiembre', 'setiembre', 'sept', 'sep'],
  ['october', 'oktober', 'octobre', 'octubre', 'oct', 'okt'],
  ['november', 'novembre', 'noviembre', 'nov'],
  ['december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dec', 'dez', 'déc', 'dic'],
];

const MONTH_INDEX = new Map<string, number>();
for (const [index, names] of MONTHS.entries()) for (const name of names) MONTH_INDEX.set(name, index + 1);
const MONTH_ALTERNATION = [...MONTH_INDEX.keys()].sort((a, b) => b.length - a.length).join('|');

const ORDINAL = '(?:st|nd|rd|th|er|re|e|º|°|\\.)?';

/** `7 December 2026`, `7. Dezember`, `7 de diciembre de 2026`, `1er décembre`, `7th of Dec`. */
const DAY_MONTH = new RegExp(
  `${B}(\\d{1,2})${ORDINAL}\\s*(?:of\\s+|de\\s+)?(${MONTH_ALTERNATION})\\.?${E}(?:,?\\s*(?:de\\s+)?(\\d{4})${E})?`,
  'giu',
);
/** `December 7, 2026`, `Dec 7th`, `Monday, December 7`. */
const MONTH_DAY = new RegExp(
  `${B}(${MONTH_ALTERNATION})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?${E}(?:,?\\s*(\\d{4})${E})?`,
  'giu',
);
/** ISO `2026-12-07`. */
const ISO_DATE = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g;
/** `07.12.2026`, `7.12.26`, `7.12.` (a trailing dot, so times like `10.30` do not match). */
const DOTTED_DATE = /(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?(?!\d)/g;
/** `12/07/2026`, `7/12`: day or month first depending on the language. */
const SLASHED_DATE = /(?<![\d/])(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![\d/])/g;

/** Words that, shortly before a date, say it is the date of return (or the last day away). */
const RETURN_CUES = new RegExp(
  [
    // English
    'back', 'return', 'returning', 'until', 'till', 'through', 'thru', 'resume', 'in the office',
    // German
    'bis', 'zurück', 'zurueck', 'wieder', 'ab dem', 'ab', 'einschließlich',
    // French
    'retour', 'jusqu', 'reprise', 'à partir du', 'a partir du', 'rentre',
    // Spanish
    'hasta', 'regreso', 'regresaré', 'regresare', 'vuelta', 'volveré', 'volvere', 'a partir del', 'incorporo',
  ]
    .map((cue) => `${B}${cue}`)
    .join('|'),
  'iu',
);

const LANGUAGE_WORDS: Record<Language, RegExp> = {
  en: /(?<![\p{L}])(?:the|and|until|back|office|return|will|with|thank|you)(?![\p{L}])/giu,
  de: /(?<![\p{L}])(?:ich|und|bis|bin|zurück|der|die|das|mit|nicht|vielen|dank)(?![\p{L}])/giu,
  fr: /(?<![\p{L}])(?:je|et|suis|jusqu|retour|le|la|les|absent|merci|bureau)(?![\p{L}])/giu,
  es: /(?<![\p{L}])(?:yo|estoy|hasta|el|la|los|gracias|oficina|fuera|vuelta|regreso)(?![\p{L}])/giu,
};

function detectLanguage(text: string): Language {
  let best: Language = 'en';
  let bestScore = -1;
  for (const language of ['en', 'de', 'fr', 'es'] as const) {
    const score = text.match(LANGUAGE_WORDS[language])?.length ?? 0;
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return best;
}

interface Candidate {
  date: Date;
  index: number;
}

/** A calendar date as UTC midnight; `undefined` if it does not exist (31 June). */
function calendarDate(year: number, month: number, day: number): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}

/** Without a year: the next such date, allowing a date up to two weeks back ("until 3 Jan" sent on 5 Jan). */
function resolveYear(month: number, day: number, year: string | undefined, received: Date): Date | undefined {
  if (year !== undefined) {
    const y = Number(year.length === 2 ? `20${year}` : year);
    return calendarDate(y, month, day);
  }
  const thisYear = received.getUTCFullYear();
  const candidate = calendarDate(thisYear, month, day);
  if (candidate && candidate.getTime() >= startOfDay(received).getTime() - 14 * MS_PER_DAY) return candidate;
  return calendarDate(thisYear + 1, month, day);
}

function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function candidatesIn(text: string, received: Date): Candidate[] {
  const found: Candidate[] = [];
  const push = (date: Date | undefined, index: number) => {
    if (date) found.push({ date, index });
  };
  for (const m of text.matchAll(DAY_MONTH)) {
    const month = MONTH_INDEX.get((m[2] as string).toLowerCase());
    if (month) push(resolveYear(month, Number(m[1]), m[3], received), m.index ?? 0);
  }
  for (const m of text.matchAll(MONTH_DAY)) {
    const month = MONTH_INDEX.get((m[1] as string).toLowerCase());
    if (month) push(resolveYear(month, Number(m[2]), m[3], received), m.index ?? 0);
  }
  for (const m of text.matchAll(ISO_DATE)) push(calendarDate(Number(m[1]), Number(m[2]), Number(m[3])), m.index ?? 0);
  for (const m of text.matchAll(DOTTED_DATE)) push(resolveYear(Number(m[2]), Number(m[1]), m[3], received), m.index ?? 0);
  const monthFirst = detectLanguage(text) === 'en';
  for (const m of text.matchAll(SLASHED_DATE)) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    // Unambiguous when one part exceeds 12; otherwise US order in English, day first elsewhere.
    const [month, day] = a > 12 ? [b, a] : b > 12 ? [a, b] : monthFirst ? [a, b] : [b, a];
    push(resolveYear(month, day, m[3], received), m.index ?? 0);
  }
  return found;
}

/**
 * The return date an out-of-office text announces, as UTC midnight of that calendar day;
 * `undefined` when there is none that makes sense (past, or more than 180 days away).
 * Dates shortly after a cue ("back on", "until", "bis", "jusqu'au", "hasta") win; among
 * those (or, without cues, among all) the latest, so "away 1–7 December" yields the 7th.
 */
export function findReturnDate(text: string, received: Date): Date | undefined {
  const sample = text.slice(0, 4000);
  const today = startOfDay(received).getTime();
  const valid = candidatesIn(sample, received).filter(
    ({ date }) => date.getTime() >= today && date.getTime() <= today + MAX_AUTO_REPLY_PAUSE_DAYS * MS_PER_DAY,
  );
  if (valid.length === 0) return undefined;
  const cued = valid.filter(({ index }) => {
    const before = sample.slice(Math.max(0, index - 60), index);
    // Only cues in the same sentence count.
    const sentence = before.split(/[.!?\n](?=\s|$)/).pop() ?? before;
    return RETURN_CUES.test(sentence);
  });
  const pool = cued.length > 0 ? cued : valid;
  return pool.reduce((latest, c) => (c.date > latest.date ? c : latest)).date;
}

/**
 * When a paused enrollment resumes after an auto-reply: the day after the return date
 * (UTC midnight; the touch worker then moves the touch into the prospect's send window),
 * or `DEFAULT_AUTO_REPLY_PAUSE_DAYS` after the auto-reply arrived.
 */
export function autoReplyResumeAt(text: string, received: Date): { resumeAt: Date; returnDate?: Date } {
  const returnDate = findReturnDate(text, received);
  if (returnDate) {
    const resumeAt = new Date(returnDate.getTime() + MS_PER_DAY);
    if (resumeAt.getTime() > received.getTime()) return { resumeAt, returnDate };
  }
  return { resumeAt: new Date(received.getTime() + DEFAULT_AUTO_REPLY_PAUSE_DAYS * MS_PER_DAY) };
}
