/**
 * Inbound email as the use cases see it (already parsed from MIME by an adapter), and the
 * pure rules around replies: which part of the text is new, whether it asks to be
 * removed, whether it is a delivery report rather than a reply, and how Message-IDs
 * are compared. No I/O.
 */

export interface MailAddress {
  /** Lower-cased. */
  address: string;
  name?: string;
}

export interface InboundEmail {
  /** The message's own Message-ID header (with angle brackets), if any. */
  messageId?: string;
  from?: MailAddress;
  replyTo?: MailAddress;
  /**
   * Every address the message was delivered to (domain lower-cased; the local part kept,
   * as reply tokens are case-sensitive): To and Cc, plus the SMTP
   * envelope recipients when known (SES `receipt.recipients`), so a reply address that
   * only the envelope shows (Bcc, forwarding) is still found.
   */
  recipients: string[];
  subject: string;
  /** Plain text body (derived from HTML when the message has no text part). */
  text: string;
  /** Message-IDs from In-Reply-To, then References (with angle brackets). */
  inReplyTo: string[];
  references: string[];
  /** Header name (lower-case) → value (first occurrence, unfolded). */
  headers: Record<string, string>;
  /** The Date header, if it parsed. */
  date?: Date;
  /** Top-level content type, lower-case (`multipart/report` for delivery and read reports). */
  contentType?: string;
}

// ---------------------------------------------------------------------------------------
// Message-IDs
// ---------------------------------------------------------------------------------------

/** Comparable form of a Message-ID: without angle brackets, trimmed, lower-case. */
export function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim().toLowerCase();
}

/** Every `<id>` in an In-Reply-To / References value (bare ids without brackets too). */
export function parseMessageIds(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(' ') : (value as string);
  const bracketed = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
  if (bracketed.length > 0) return bracketed;
  return text
    .split(/[\s,]+/)
    .filter((part) => part.includes('@'))
    .map((part) => `<${part}>`);
}

/**
 * The SES MessageId inside a Message-ID SES assigned (`<MessageId@email.amazonses.com>`,
 * `<MessageId@eu-west-1.amazonses.com>`), so a reply matches our send record even when
 * the configured Message-ID domain was wrong; `undefined` for other domains.
 */
export function sesMessageIdOf(messageIdHeader: string): string | undefined {
  const id = messageIdHeader.trim().replace(/^<|>$/g, '');
  const at = id.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = id.slice(at + 1).toLowerCase();
  return domain === 'amazonses.com' || domain.endsWith('.amazonses.com') ? id.slice(0, at) : undefined;
}

// ---------------------------------------------------------------------------------------
// Delivery reports
// ---------------------------------------------------------------------------------------

const REPORT_SENDERS = /^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const REPORT_SUBJECTS =
  /(?:delivery status notification|undeliverable|undelivered mail|mail delivery (?:failed|failure|subsystem)|returned mail|delivery failure|failure notice|unzustellbar|nicht zustellbar|non remis|non distribu|no se puede entregar|no entregado|read:|gelesen:|lu :)/i;

/**
 * A bounce, delivery-status or read report that landed on the reply address: neither a
 * reply nor an auto-reply. (Bounces of what we sent reach us as SES events instead.)
 */
export function deliveryReportReason(email: Pick<InboundEmail, 'from' | 'subject' | 'contentType' | 'headers'>): string | undefined {
  if (email.contentType === 'multipart/report') return 'multipart/report';
  if (email.from && REPORT_SENDERS.test(email.from.address)) return 'sent by a mailer daemon';
  if (email.headers['x-failed-recipients'] !== undefined) return 'X-Failed-Recipients';
  if (REPORT_SUBJECTS.test(email.subject) && (!email.from || /daemon|postmaster|noreply|no-reply/i.test(email.from.address))) {
    return 'delivery report subject';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// The new part of a reply
// ---------------------------------------------------------------------------------------

/** Lines that start the quoted original in the common clients, in en/de/fr/es. */
const QUOTE_HEADERS: readonly RegExp[] = [
  /^On\b.{0,300}\bwrote:\s*$/i,
  /^Am\b.{0,300}\bschrieb.{0,200}:\s*$/i,
  /^Le\b.{0,300}\ba écrit\s*:\s*$/i,
  /^El\b.{0,300}\bescribió\s*:\s*$/i,
  /^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Forwarded message)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^(?:From|Von|De)\s*:\s.+$/i,
];

/**
 * The text the sender wrote, without the quoted message below it: quoting (`> `) is
 * dropped, and everything from the first "On … wrote:" / "Am … schrieb:" / "Le … a
 * écrit :" / "El … escribió:" / "-----Original Message-----" / Outlook "From:" block on.
 * Our own quoted email contains an unsubscribe link, so matching on the whole text would
 * turn every reply into an opt-out.
 */
export function freshReplyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    // "On Mon, 23 Nov 2026 at 09:00, Dana <dana@x>" + "wrote:" wrapped onto the next line.
    const joined = i + 1 < lines.length ? `${trimmed} ${(lines[i + 1] as string).trim()}` : trimmed;
    if (QUOTE_HEADERS.some((pattern) => pattern.test(trimmed))) break;
    if (/^(?:On|Am|Le|El)\b/i.test(trimmed) && QUOTE_HEADERS.slice(0, 4).some((pattern) => pattern.test(joined))) break;
    if (trimmed.startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

// ---------------------------------------------------------------------------------------
// Removal requests
// ---------------------------------------------------------------------------------------

const REMOVAL_PATTERNS: readonly RegExp[] = [
  // English
  /\bunsubscribe\b/i,
  /\bremove me\b/i,
  /\bremove (?:my (?:e-?mail|address|name)|us)\b/i,
  /\btake me off\b/i,
  /\bstop (?:e-?mailing|emailing|sending|contacting|writing|messaging|texting)\b/i,
  /\bopt(?:[- ])?(?:me )?out\b/i,
  /\b(?:do not|don'?t|dont|never) (?:e-?mail|contact|write to|message) me\b/i,
  /\bno (?:more|further) e-?mails\b/i,
  /\bnot (?:to )?be contacted\b/i,
  // German
  /(?<![\p{L}])(?:abmelden|abbestellen|austragen)(?![\p{L}])/iu,
  /(?<![\p{L}])(?:keine (?:weiteren |)(?:e-?mails|nachrichten|werbung)|nicht mehr (?:kontaktieren|anschreiben|schreiben))(?![\p{L}])/iu,
  /(?<![\p{L}])(?:entfernen sie mich|löschen sie mich)(?![\p{L}])/iu,
  // French
  /(?<![\p{L}])(?:d[ée]sabonner|d[ée]sinscri(?:re|vez|ption)|me d[ée]sinscrire|me retirer|retirez[- ]moi)(?![\p{L}])/iu,
  /(?<![\p{L}])(?:ne (?:[\p{L}'’]+ ){0,2}plus (?:recevoir|[êe]tre contact[ée]e?)|arr[êe]te[zr]? de m['’](?:envoyer|écrire|ecrire|contacter))(?![\p{L}])/iu,
  // Spanish
  /(?<![\p{L}])(?:darme de baja|dar(?:me)? de baja|dame de baja|cancelar (?:la )?suscripci[óo]n|desuscribir(?:me)?)(?![\p{L}])/iu,
  /(?<![\p{L}])(?:no me (?:env[íi]e[ns]?|escrib[ae]n?|contacte[ns]?) m[áa]s|elim[íi]n(?:e|en|a)me|quit(?:e|en|a)me de)(?![\p{L}])/iu,
];

/** Whether the new part of a reply (or its subject) asks to stop receiving emails. */
export function isRemovalRequest(fresh: string, subject: string): boolean {
  const haystack = `${subject.replace(/^(?:\s*(?:re|aw|antw|rv|tr|fw|fwd|wg)\s*:\s*)+/i, '')}\n${fresh}`;
  return REMOVAL_PATTERNS.some((pattern) => pattern.test(haystack));
}
