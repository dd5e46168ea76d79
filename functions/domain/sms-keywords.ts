/**
 * What an inbound SMS means (docs/architecture.md, "Inbound"): an opt-out, an opt-in, a request for help, or a
 * reply. Pure.
 *
 * Keywords follow the CTIA / Twilio conventions: the WHOLE body (trimmed, any case, a
 * trailing full stop or exclamation mark tolerated) must be the keyword, so "please stop
 * texting me" is a reply (it stops the sequence as `replied`, and the owner reads it),
 * while "STOP" or "Stop." is an opt-out. When Twilio's Advanced Opt-Out is on, Twilio
 * tells us what it decided in `OptOutType` (STOP | START | HELP), which covers custom
 * keywords configured in the console; it wins over our own matching.
 */

export type SmsIntent = 'opt_out' | 'opt_in' | 'help' | 'reply';

export const STOP_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const START_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

const STOP = new Set<string>(STOP_KEYWORDS);
const START = new Set<string>(START_KEYWORDS);
const HELP = new Set<string>(HELP_KEYWORDS);

export interface SmsClassification {
  intent: SmsIntent;
  /** Twilio already handled it (Advanced Opt-Out): it answered the sender itself. */
  handledByTwilio: boolean;
}

/** Normalises a body for keyword matching: trimmed, upper-case, inner whitespace and closing punctuation dropped. */
export function keywordOf(body: string): string {
  return body
    .normalize('NFKC')
    .trim()
    .replace(/[.!\s]+$/u, '')
    .replace(/\s+/gu, ' ')
    .toUpperCase();
}

export function classifySms(body: string, optOutType?: string): SmsClassification {
  switch ((optOutType ?? '').trim().toUpperCase()) {
    case 'STOP':
      return { intent: 'opt_out', handledByTwilio: true };
    case 'START':
      return { intent: 'opt_in', handledByTwilio: true };
    case 'HELP':
      return { intent: 'help', handledByTwilio: true };
  }
  const keyword = keywordOf(body);
  // "OPT OUT" and "OPT-OUT" are common spellings of OPTOUT.
  const compact = keyword.replace(/[\s-]/g, '');
  if (STOP.has(keyword) || STOP.has(compact)) return { intent: 'opt_out', handledByTwilio: false };
  if (START.has(keyword)) return { intent: 'opt_in', handledByTwilio: false };
  if (HELP.has(keyword)) return { intent: 'help', handledByTwilio: false };
  return { intent: 'reply', handledByTwilio: false };
}

/**
 * The HELP answer: who is texting, how to reach them, how to stop. Kept within one
 * GSM-7 segment-ish where the names allow.
 */
export function helpText(sender: { name: string; company?: string; email?: string }): string {
  const who = sender.company ? `${sender.name} at ${sender.company}` : sender.name;
  const contact = sender.email ? ` Questions: ${sender.email}.` : '';
  return `This is ${who}.${contact} Reply STOP to opt out, START to opt back in. Msg&data rates may apply.`;
}
