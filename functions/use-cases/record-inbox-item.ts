/**
 * Puts what a prospect sent back in the inbox (domain/inbox.ts): ONE conditional put per
 * inbound message and prospect, called by the inbound use cases right after the state
 * change they make (the stop, the suppression, the pause). Ordered after it on purpose: the
 * inbox is a view for the team; if the process dies in between, nothing unsafe follows
 * (the enrollment already stopped), and a redelivery (SNS, SES events) writes the item
 * then, once, as its id comes from the message.
 */
import { answeredStep, type ReplyThread } from '../domain/enrollment.js';
import { clipText, inboxItemId, MAX_INBOX_SUBJECT, MAX_INBOX_TEXT, type InboxItem, type InboxKind } from '../domain/inbox.js';
import type { Enrollment, Prospect } from '../domain/records.js';
import type { Channel } from '../domain/sequence.js';
import type { UseCaseContext } from './context.js';

export interface InboxEntryInput {
  kind: InboxKind;
  prospectId: string;
  /** What the message was, to derive the item id from: `twilio:<MessageSid>`, `email:<Message-ID>`… */
  source: string;
  channel: Channel;
  /** The enrollment it answers, read already; or only its id (then it is read for the step). */
  enrollment?: Enrollment;
  /** The thread of an email reply: its In-Reply-To and References name the step it answers. */
  thread?: Omit<ReplyThread, 'channel'>;
  enrollmentId?: string;
  prospect?: Prospect;
  text?: string;
  subject?: string;
  /** When it arrived; default now. */
  at?: string;
}

export async function recordInboxItem(ctx: UseCaseContext, input: InboxEntryInput): Promise<InboxItem> {
  const enrollment =
    input.enrollment ?? (input.enrollmentId ? await ctx.store.getEnrollment(input.enrollmentId) : undefined);
  // The zone its time is shown in: one read when the caller did not have the profile.
  const prospect = input.prospect ?? (await ctx.store.getProspect(input.prospectId));
  const timezone = prospect?.timezone;
  // The step a reply is credited with (domain/enrollment.ts answeredStep), so the inbox and the stats agree.
  const stepId = enrollment ? answeredStep(enrollment, { channel: input.channel, ...input.thread }) : undefined;
  const text = clipText(input.text, MAX_INBOX_TEXT);
  const subject = clipText(input.subject, MAX_INBOX_SUBJECT);
  const item: InboxItem = {
    id: inboxItemId(input.prospectId, input.source),
    kind: input.kind,
    at: input.at ?? ctx.clock.now().toISOString(),
    prospectId: input.prospectId,
    ...(enrollment ? { enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId } : {}),
    ...(stepId ? { stepId } : {}),
    channel: input.channel,
    ...(text ? { text } : {}),
    ...(subject ? { subject } : {}),
    ...(timezone ? { timezone } : {}),
    handled: false,
  };
  const written = await ctx.store.putInboxItem(item);
  // Ids only: the text and the subject are the prospect's words.
  ctx.logger.debug('inbox item', { id: item.id, kind: item.kind, duplicate: written === 'conflict' });
  return item;
}
