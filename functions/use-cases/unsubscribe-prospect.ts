/**
 * Unsubscribes a prospect from a channel: the one-click POST (RFC 8058), the
 * confirmation page's button, the `mailto:unsubscribe+<token>@reply-domain` of the
 * List-Unsubscribe header, and replies asking to be removed all end here.
 *
 * The caller has already verified the signed token (no database read needed for that);
 * here the prospect's current address for the channel is suppressed and every running
 * enrollment of every prospect with that address ends as `opted_out`. Idempotent: a
 * second click finds the suppression and nothing running.
 */
import { addressFor } from '../domain/enrollment.js';
import type { UseCaseContext } from './context.js';
import { recordInboxItem } from './record-inbox-item.js';
import { suppressAddress } from './suppress-address.js';

/** What the inbox says when the opt-out came with no words of the prospect's own. */
const UNSUBSCRIBE_TEXT: Record<UnsubscribeSource, string> = {
  'one-click': 'Unsubscribed with the one-click link of the email client',
  link: 'Unsubscribed on the unsubscribe page',
  mailto: 'Unsubscribed by email (List-Unsubscribe)',
  reply: 'Asked to be removed',
};

export type UnsubscribeSource = 'one-click' | 'link' | 'mailto' | 'reply';

export type UnsubscribeResult =
  | { outcome: 'unsubscribed'; alreadySuppressed: boolean; stopped: string[] }
  /** The prospect was erased (or never existed): erasure already left a hashed suppression. */
  | { outcome: 'unknown_prospect' }
  | { outcome: 'no_address' };

export async function unsubscribeProspect(
  ctx: UseCaseContext,
  input: {
    prospectId: string;
    channel: 'email' | 'sms';
    source: UnsubscribeSource;
    /** A reply that asked to be removed: its text, subject and enrollment go in the inbox item. */
    message?: { id?: string; text?: string; subject?: string; enrollmentId?: string };
  },
): Promise<UnsubscribeResult> {
  const prospect = await ctx.store.getProspect(input.prospectId);
  if (!prospect) {
    ctx.logger.info('unsubscribe for an unknown prospect', { prospectId: input.prospectId, source: input.source });
    return { outcome: 'unknown_prospect' };
  }
  const address = addressFor(prospect, input.channel);
  if (!address) {
    ctx.logger.info('unsubscribe: the prospect has no address on this channel', {
      prospectId: prospect.id,
      channel: input.channel,
    });
    return { outcome: 'no_address' };
  }
  const result = await suppressAddress(ctx, {
    address,
    channel: input.channel,
    reason: input.channel === 'sms' ? 'sms_stop' : 'unsubscribe',
    source: `unsubscribe:${input.source}`,
    stopAs: 'opted_out',
    stopReason: 'unsubscribed',
    prospectIds: [prospect.id],
  });
  // A second click changes nothing and adds nothing to the inbox.
  if (result.suppressed || result.stopped.length > 0) {
    const enrollmentId = input.message?.enrollmentId ?? result.stopped.find((id) => id.startsWith(`${prospect.id}.`));
    await recordInboxItem(ctx, {
      kind: 'opt_out',
      prospectId: prospect.id,
      source: input.message?.id ? `email:${input.message.id}` : `unsubscribe:${input.channel}:${input.source}:${ctx.clock.now().toISOString()}`,
      channel: input.channel,
      prospect,
      ...(enrollmentId ? { enrollmentId } : {}),
      text: input.message?.text ?? UNSUBSCRIBE_TEXT[input.source],
      ...(input.message?.subject ? { subject: input.message.subject } : {}),
    });
  }
  return { outcome: 'unsubscribed', alreadySuppressed: !result.suppressed, stopped: result.stopped };
}
