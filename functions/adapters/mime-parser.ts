/**
 * Raw MIME → `InboundEmail` (domain/email-reply.ts), with mailparser's `simpleParser`.
 *
 * Why an adapter and not the use case: mailparser is a third-party library (decoding,
 * charsets, HTML → text), and use cases import domain and ports only. Why not a port:
 * parsing is deterministic and local, there is nothing to fake — the handler (SES SNS
 * notification) and the embedded runtime (`POST /dev/inbound/email`) both call
 * `parseInboundEmail` and hand the parsed structure to `handleInboundEmail`, so tests
 * of the use case build `InboundEmail` values directly and tests of the parser feed it
 * real MIME.
 *
 * Only what matching and classification need is kept; attachments are dropped.
 */
import { simpleParser, type AddressObject } from 'mailparser';
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

  let parsed: Awaited<ReturnType<typeof simpleParser>>;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    throw new MalformedEmailError(`MIME could not be parsed: ${(error as Error).message}`);
  }

  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines ?? []) {
    if (!key || headers[key] !== undefined) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    headers[key] = line.slice(colon + 1).replace(/\r?\n[\t ]+/g, ' ').trim();
  }
  const from = firstAddress(parsed.from);
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

  const contentType = (parsed.headers.get('content-type') as { value?: string } | undefined)?.value?.toLowerCase();
  return {
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    from,
    ...(replyTo ? { replyTo } : {}),
    recipients: [...recipients],
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    inReplyTo: parseMessageIds(parsed.inReplyTo),
    references: parseMessageIds(parsed.references),
    headers,
    ...(parsed.date && !Number.isNaN(parsed.date.getTime()) ? { date: parsed.date } : {}),
    ...(contentType ? { contentType } : {}),
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

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.address) out.push(entry.address);
      if (entry.group) walk(entry.group);
    }
  };
  for (const object of objects) walk(object.value);
  return out;
}

function firstAddress(field: AddressObject | AddressObject[] | undefined): MailAddress | undefined {
  const objects = field ? (Array.isArray(field) ? field : [field]) : [];
  for (const object of objects) {
    const entry = object.value.find((v) => v.address);
    if (entry?.address) {
      return { address: entry.address.trim().toLowerCase(), ...(entry.name ? { name: entry.name } : {}) };
    }
  }
  return undefined;
}
