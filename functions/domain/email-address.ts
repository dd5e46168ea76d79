/**
 * Email addresses as a sending system accepts them: what RFC 5322 allows in the common
 * dot-atom form, limited to what SMTP (RFC 5321) can deliver and SES will send to.
 *
 * - Local part: every `atext` character (letters, digits, ``!#$%&'*+-/=?^_`{|}~``) and
 *   dots, but no leading, trailing or doubled dot; at most 64 octets. Quoted local parts
 *   (`"john doe"@example.com`) are refused: they are legal but almost never real, and
 *   many relays mangle them. Non-ASCII local parts (SMTPUTF8) are refused too: SES
 *   cannot send to them.
 * - Domain: at least two labels (a dotless domain is not deliverable on the Internet),
 *   each 1–63 octets of letters, digits and hyphens, not starting or ending with a
 *   hyphen, at most 253 octets in all, a top-level label that is not all digits.
 *   Unicode domains are converted to their A-label form (`bücher.de` → `xn--bcher-kva.de`,
 *   with node:url's `domainToASCII`), `xn--` labels are kept. IP-literal domains
 *   (`user@[192.0.2.1]`) are refused: no mail provider hands out such mailboxes.
 * - The whole address at most 254 octets; no whitespace or control characters anywhere
 *   (whitespace around it, line breaks included, is trimmed first: it comes from cells).
 *
 * The whole address is lower-cased. Local parts are case-sensitive in theory only; one
 * spelling per person keeps prospect ids, suppressions and reply matching consistent
 * (an unsubscribe from `Ada@…` must stop `ada@…`), and it is what this engine has always
 * stored, so existing prospect ids stay the same.
 */
import { domainToASCII } from 'node:url';

export type EmailCheck = { ok: true; email: string } | { ok: false; problem: string };

const MAX_LOCAL_OCTETS = 64;
const MAX_DOMAIN_OCTETS = 253;
const MAX_LABEL_OCTETS = 63;
const MAX_ADDRESS_OCTETS = 254;

const ATEXT_AND_DOTS = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// Whitespace (any Unicode space), C0/C1 controls, and the invisible format characters.
const SPACE_OR_CONTROL = /[\s\p{Cc}\p{Cf}]/u;

/** The address lower-cased and with an A-label domain, or what is wrong with it (without quoting it). */
export function checkEmailAddress(input: string): EmailCheck {
  const value = input.trim();
  if (value === '') return { ok: false, problem: 'is empty' };
  const length = Buffer.byteLength(value, 'utf8');
  // Checked first so that a huge value costs nothing more.
  if (length > MAX_ADDRESS_OCTETS * 4) return { ok: false, problem: `is ${length} bytes long; an address has at most ${MAX_ADDRESS_OCTETS}` };
  if (value.startsWith('"')) return { ok: false, problem: 'has a quoted local part, which this system does not send to' };
  if (SPACE_OR_CONTROL.test(value)) return { ok: false, problem: 'contains spaces or control characters' };
  const at = value.lastIndexOf('@');
  if (at === -1) return { ok: false, problem: 'has no "@"' };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === '') return { ok: false, problem: 'has nothing before the "@"' };
  if (domain === '') return { ok: false, problem: 'has no domain after the "@"' };

  if (!ATEXT_AND_DOTS.test(local)) {
    return /[^\x00-\x7f]/.test(local)
      ? { ok: false, problem: 'has non-ASCII characters before the "@", which SES cannot send to' }
      : { ok: false, problem: `has a character not allowed before the "@" (allowed: letters, digits and !#$%&'*+-/=?^_\`{|}~.)` };
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, problem: 'has a dot at the start or end of the local part, or two dots in a row' };
  }
  if (local.length > MAX_LOCAL_OCTETS) return { ok: false, problem: `has a local part of ${local.length} characters (at most ${MAX_LOCAL_OCTETS})` };

  if (domain.startsWith('[')) return { ok: false, problem: 'has an IP address as its domain, which this system does not send to' };
  // ASCII domains (`xn--` labels included) are kept as written; only Unicode ones are converted.
  const ascii = /^[\x00-\x7f]*$/.test(domain) ? domain.toLowerCase() : domainToASCII(domain.toLowerCase());
  if (ascii === '') return { ok: false, problem: `has a domain that is not a valid (internationalised) domain name` };
  if (ascii.length > MAX_DOMAIN_OCTETS) return { ok: false, problem: `has a domain of ${ascii.length} characters (at most ${MAX_DOMAIN_OCTETS})` };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, problem: 'has a domain without a dot (e.g. example.com)' };
  for (const label of labels) {
    if (label.length > MAX_LABEL_OCTETS) return { ok: false, problem: `has a domain label of ${label.length} characters (at most ${MAX_LABEL_OCTETS})` };
    if (!LDH_LABEL.test(label)) {
      return { ok: false, problem: 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens' };
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return { ok: false, problem: 'has a domain that ends in a number, not a top-level domain' };

  const email = `${local.toLowerCase()}@${ascii}`;
  if (email.length > MAX_ADDRESS_OCTETS) return { ok: false, problem: `is ${email.length} characters long (at most ${MAX_ADDRESS_OCTETS})` };
  return { ok: true, email };
}
