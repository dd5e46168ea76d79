/**
 * Raw MIME → `InboundEmail` (domain/email-reply.ts), with postal-mime.
 *
 * Why postal-mime: no dependencies, charsets through Node's own TextDecoder (full ICU);
 * mailparser pulled 1.2 MB of charset tables into the inbound bundle for the same result
 * on our mail (README, "Performance").
 *
 * Why an adapter and not the use case: postal-mime is a third-party library (decoding,
 * charsets, HTML → text), and use cases import domain and ports only. Why not a port:
 * parsing is deterministic and local, there is nothing to fake — the handler (SES SNS
 * notification) and the embedded runtime (`POST /dev/inbound/email`) both call
 * `parseInboundEmail` and hand the parsed structure to `handleInboundEmail`, so tests
 * of the use case build `InboundEmail` values directly and tests of the parser feed it
 * real MIME.
 *
 * Only what matching and classification need is kept; attachments are dropped.
 */
import PostalMime, { type Address, type Email } from 'postal-mime';
import { randomUUID } from 'node:crypto';
import { parseMessageIds, type InboundEmail, type MailAddress } from '../domain/email-reply.js';

/** SES refuses SNS actions for mail over 150 KB; the local route applies the same limit. */
export const MAX_INBOUND_EMAIL_BYTES = 150 * 1024;

export class MalformedEmailError extends Error {
  override name = 'MalformedEmailError';
}

export class EmailTooLargeError extends Error {
  override name = 'EmailTooLargeError';
}

export interface ParseOptions {
  /** SMTP envelope recipients (SES `receipt.recipients`), added to To and Cc. */
  envelopeRecipients?: readonly string[];
  maxBytes?: number;
}

export async function parseInboundEmail(raw: Buffer, options: ParseOptions = {}): Promise<InboundEmail> {
  const maxBytes = options.maxBytes ?? MAX_INBOUND_EMAIL_BYTES;
  if (raw.length > maxBytes) throw new EmailTooLargeError(`message is ${raw.length} bytes; the limit is ${maxBytes}`);
  if (raw.length === 0) throw new MalformedEmailError('empty message');

  let parsed: Email;
  try {
    // Attachments are dropped, so they need not be copied out as ArrayBuffers.
    parsed = await PostalMime.parse(raw, { attachmentEncoding: 'base64', maxRfc822NestingDepth: 3 });
  } catch (error) {
    throw new MalformedEmailError(`MIME could not be parsed: ${(error as Error).message}`);
  }

  parsed = withWindows1252Repaired(parsed);
  const headers: Record<string, string> = {};
  for (const { key, value } of parsed.headers) {
    if (!key || headers[key] !== undefined) continue;
    headers[key] = value.replace(/\r?\n[\t ]+/g, ' ').trim();
  }
  const from = firstAddress(parsed.from ? [parsed.from] : undefined);
  // A message without any header we recognise is not an email (garbage, a truncated upload).
  if (!from && !parsed.messageId && Object.keys(headers).length === 0) {
    throw new MalformedEmailError('no email headers found');
  }
  if (!from) throw new MalformedEmailError('no From address');

  const replyTo = firstAddress(parsed.replyTo);
  const recipients = new Set<string>();
  for (const address of [...addresses(parsed.to), ...addresses(parsed.cc), ...(options.envelopeRecipients ?? [])]) {
    const normalized = normalizeRecipient(address);
    if (normalized) recipients.add(normalized);
  }
  for (const name of ['delivered-to', 'x-original-to']) {
    const normalized = headers[name] ? normalizeRecipient(headers[name].replace(/^\s*<|>\s*$/g, '')) : undefined;
    if (normalized) recipients.add(normalized);
  }

  const contentType = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const date = parsed.date ? new Date(parsed.date) : undefined;
  const messageId = parsed.messageId?.trim();
  return {
    ...(messageId ? { messageId } : {}),
    from,
    ...(replyTo ? { replyTo } : {}),
    recipients: [...recipients],
    subject: parsed.subject ?? '',
    text: parsed.text ?? (parsed.html ? await textOfHtml(parsed.html) : ''),
    inReplyTo: parseMessageIds(parsed.inReplyTo),
    references: parseMessageIds(parsed.references),
    headers,
    ...(date && !Number.isNaN(date.getTime()) ? { date } : {}),
    ...(contentType ? { contentType } : {}),
  };
}

/**
 * postal-mime derives a text part from HTML only in a message that has a text part
 * somewhere (a part without text of one type is rendered from the other type), so an
 * HTML-only reply (Gmail's rich-text answer, Outlook) would arrive with no text at all,
 * and neither stop words nor the owner's forward would see what it says. The HTML goes
 * through postal-mime once more, beside an empty text part: its converter (tags, links,
 * every named entity) is in the bundle already, where html-to-text would add ~190 KB.
 * test/integration/inbound/mime-parser.test.ts holds it to that.
 */
async function textOfHtml(html: string): Promise<string> {
  const boundary = `followup-${randomUUID()}`;
  const mime = [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    html,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  try {
    return ((await PostalMime.parse(mime)).text ?? '').trim();
  } catch {
    return '';
  }
}

/**
 * Node ≥ 20.18.3 decodes `windows-1252` (and the labels the Encoding Standard maps to it:
 * `iso-8859-1`, `latin1`, `us-ascii`…) as Latin-1, so Outlook's smart quotes, dashes and
 * the euro sign (bytes 0x80–0x9F) come out as invisible C1 control characters
 * (nodejs/node#60888). Mail text never contains C1 controls, so any that postal-mime
 * (TextDecoder) produced are mapped back to the characters windows-1252 means.
 */
const WINDOWS_1252_C1: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š',
  0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—',
  0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};
const C1_CONTROLS = /[\u0080-\u009f]/g;

function repairWindows1252(text: string): string;
function repairWindows1252(text: string | undefined): string | undefined;
function repairWindows1252(text: string | undefined): string | undefined {
  return text?.replace(C1_CONTROLS, (c) => WINDOWS_1252_C1[c.charCodeAt(0)] ?? c);
}

function withWindows1252Repaired(email: Email): Email {
  const address = (entry: Address): Address =>
    entry.group
      ? { ...entry, name: repairWindows1252(entry.name), group: entry.group.map((m) => ({ ...m, name: repairWindows1252(m.name) })) }
      : { ...entry, name: repairWindows1252(entry.name) };
  return {
    ...email,
    subject: repairWindows1252(email.subject),
    text: repairWindows1252(email.text),
    html: repairWindows1252(email.html),
    ...(email.from ? { from: address(email.from) } : {}),
    ...(email.replyTo ? { replyTo: email.replyTo.map(address) } : {}),
  };
}

/**
 * Domain lower-cased, local part kept as it is: the reply and unsubscribe tokens in
 * `reply+<token>@…` are case-sensitive (base64url).
 */
function normalizeRecipient(address: string): string | undefined {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return undefined;
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** Every mailbox address, group members included. */
function addresses(list: readonly Address[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of list ?? []) {
    if (entry.group) out.push(...entry.group.map((member) => member.address).filter((a) => a.length > 0));
    else if (entry.address) out.push(entry.address);
  }
  return out;
}

function firstAddress(list: readonly Address[] | undefined): MailAddress | undefined {
  for (const entry of list ?? []) {
    const mailbox = entry.group ? entry.group.find((member) => member.address) : entry;
    if (mailbox?.address) {
      return { address: mailbox.address.trim().toLowerCase(), ...(mailbox.name ? { name: mailbox.name } : {}) };
    }
  }
  return undefined;
}
