/**
 * The inbox: what prospects sent back (replies, opt-outs, bounces, auto-replies), one item
 * per inbound message and prospect, for the team to read and mark handled. Written by the
 * inbound use cases next to the state change they make (record-inbox-item.ts); a view,
 * not a source of truth: the enrollment and the consent ledger decide what is sent.
 *
 * An item's id is derived from the prospect and what the message was (its provider id when
 * it has one), so a redelivered webhook or event finds the item it already wrote instead
 * of adding a second one. Pure.
 */
import { createHash } from 'node:crypto';
import type { InboxKind } from './records.js';
import type { Channel } from './sequence.js';

export type { InboxKind } from './records.js';

export interface InboxItem {
  /** `<prospectId>.<16 hex>` (inboxItemId). */
  id: string;
  kind: InboxKind;
  /** When it arrived (ISO 8601 UTC). */
  at: string;
  prospectId: string;
  enrollmentId?: string;
  sequenceId?: string;
  /** The step it answers: the last one sent to the prospect on that enrollment. */
  stepId?: string;
  channel: Channel;
  /** The email body without quoted history, or the SMS text; at most MAX_INBOX_TEXT characters. */
  text?: string;
  subject?: string;
  /** The prospect's zone when the item was written (its `atLocal` is shown in it). */
  timezone?: string;
  handled: boolean;
  handledBy?: string;
  handledAt?: string;
}

/** Longest text kept on an item (the owner's forwarded copy has all of it). */
export const MAX_INBOX_TEXT = 4000;
export const MAX_INBOX_SUBJECT = 300;

/**
 * The id of the item for one inbound message of one prospect. `source` names the message
 * (`twilio:<MessageSid>`, `email:<Message-ID>`, `ses:<id>:<event>`…), or, for a message
 * with no id of its own, what and when it was.
 */
export function inboxItemId(prospectId: string, source: string): string {
  return `${prospectId}.${createHash('sha256').update(`${prospectId}\u0000${source}`).digest('hex').slice(0, 16)}`;
}

const INBOX_ID = /^(p_[A-Za-z0-9_-]{1,64})\.([0-9a-f]{16})$/;

export function parseInboxItemId(id: string): { prospectId: string; suffix: string } | undefined {
  const match = INBOX_ID.exec(id);
  return match ? { prospectId: match[1] as string, suffix: match[2] as string } : undefined;
}

export function clipText(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const characters = Array.from(trimmed);
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : trimmed;
}
