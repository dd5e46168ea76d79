/**
 * Tells a sequence's owner that a prospect answered: an SMS reply as a short email, an
 * email reply forwarded whole. Sent through the EmailSender port (SES) to
 * `definition.owner`, from the sequence's sender address, with the prospect's address in
 * Reply-To, so the owner answers the prospect directly from their own mail client.
 *
 * The message is marked `Auto-Submitted: auto-generated` (RFC 3834), so the owner's own
 * out-of-office responder never answers the prospect on the owner's behalf. It carries no
 * email tags: SES events about it are not touches and are ignored.
 */
import type { Prospect } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { EmailSender, Logger, OutgoingEmail } from '../ports.js';

export interface OwnerNotification {
  sequence: PublishedSequence;
  prospect?: Prospect;
  channel: 'email' | 'sms';
  /** What the prospect wrote (for email: the whole text, quote included, as the owner needs context). */
  text: string;
  /** Email replies: the prospect's subject, kept so the owner's answer threads for the prospect. */
  subject?: string;
  /** Email replies: the prospect's From (RFC 5322 form); SMS replies: the prospect's email, if known. */
  replyTo?: string;
  /** The prospect's Message-ID, so the owner's answer threads under it. */
  references?: string;
  /** Why the owner should look: `replied`, `asked to be removed`… */
  label: string;
  /** The prospect's address on the reply's channel, shown to the owner. */
  fromAddress?: string;
  /** Whether the reply stopped the sequence for them (false when the sequence does not stop on reply). */
  stopped: boolean;
}

export type NotifyResult = 'sent' | 'skipped' | 'failed' | 'retryable';

export class RetryableNotificationError extends Error {
  override name = 'RetryableNotificationError';
}

export async function notifyOwner(
  ctx: { email: EmailSender; logger: Logger },
  notification: OwnerNotification,
): Promise<NotifyResult> {
  const { sequence } = notification;
  const from = sequence.definition.sender.email?.from;
  if (!from) {
    ctx.logger.warn('owner not notified: the sequence has no email sender', { sequenceId: sequence.id });
    return 'skipped';
  }
  const email = composeOwnerNotification(notification, from);
  const result = await ctx.email.send(email);
  switch (result.kind) {
    case 'sent':
      ctx.logger.info('owner notified of a reply', {
        sequenceId: sequence.id,
        prospectId: notification.prospect?.id,
        channel: notification.channel,
        providerMessageId: result.providerMessageId,
      });
      return 'sent';
    case 'retryable':
      ctx.logger.warn('owner notification failed, will retry', { sequenceId: sequence.id, reason: result.reason });
      return 'retryable';
    case 'permanent':
      ctx.logger.error('owner notification failed permanently', { sequenceId: sequence.id, code: result.code });
      return 'failed';
  }
}

export function composeOwnerNotification(n: OwnerNotification, from: string): OutgoingEmail {
  const name = displayName(n.prospect, n.fromAddress);
  const who = n.fromAddress && !name.includes(n.fromAddress) ? `${name} (${n.fromAddress})` : name;
  const sequenceName = n.sequence.definition.name;
  const intro =
    `${who} ${n.label}${n.channel === 'sms' ? ' by SMS' : ''} to "${sequenceName}".` +
    (n.stopped ? ' The sequence is stopped for them.' : '');
  const howToAnswer = n.replyTo
    ? 'Reply to this email to answer them directly.'
    : n.fromAddress
      ? `Answer them at ${n.fromAddress}.`
      : '';
  const subject =
    n.channel === 'sms'
      ? `SMS reply from ${name}: ${oneLine(n.text, 60)}`
      : n.subject && n.subject.trim() !== ''
        ? n.subject
        : `Reply from ${name}`;
  const text = [intro, howToAnswer, '', '----', n.text].filter((line, i) => i !== 1 || line !== '').join('\n');
  const html =
    `<p>${escapeHtml(intro)}${howToAnswer ? `<br>${escapeHtml(howToAnswer)}` : ''}</p>` +
    `<hr><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(n.text)}</pre>`;
  const headers: Record<string, string> = {
    'Auto-Submitted': 'auto-generated',
    'X-Followup-Notification': n.channel === 'sms' ? 'sms-reply' : 'email-reply',
  };
  if (n.references) headers['References'] = n.references;
  return {
    from,
    to: n.sequence.definition.owner,
    ...(n.replyTo ? { replyTo: n.replyTo } : {}),
    subject: oneLine(subject, 200),
    text,
    html,
    headers,
    tags: {},
  };
}

function displayName(prospect: Prospect | undefined, fallback: string | undefined): string {
  const name = [prospect?.firstName, prospect?.lastName].filter(Boolean).join(' ');
  const company = prospect?.company ? ` (${prospect.company})` : '';
  if (name) return `${name}${company}`;
  return fallback ?? prospect?.email ?? prospect?.phone ?? 'A prospect';
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
