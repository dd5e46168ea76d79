/**
 * An email that arrived at the reply domain (SES receipt rule → SNS → Lambda; locally
 * `POST /dev/inbound/email`), already parsed from MIME by an adapter (docs/architecture.md, "Inbound").
 *
 * Which enrollment it belongs to, most precise first:
 * 1. the tokenised Reply-To we sent (`reply+<token>@reply-domain`, found among the
 *    recipients, envelope included): HMAC-verified, no guessing;
 * 2. In-Reply-To / References against the Message-IDs of the touches we sent, among the
 *    enrollments of the prospects found by the sender's address (the touch records hold
 *    the Message-IDs, so no extra index is written when sending);
 * 3. the sender's address alone: the enrollment whose email went out last. Only when the
 *    message carries no reply token at all — a tampered or unknown token never falls
 *    back to a guess, so it can never stop the wrong enrollment.
 *
 * Then:
 * - `u+<token>@reply-domain` (the List-Unsubscribe mailto; `unsubscribe+` too) → opt-out;
 * - delivery/read reports → ignored (bounces arrive as SES events);
 * - auto-replies → the enrollment is paused until the day after the return date found
 *   in the text (or 7 days), never earlier than its next touch was planned;
 * - a reply asking to be removed → opt-out (suppression + every enrollment `opted_out`),
 *   forwarded to the owner;
 * - any other reply → `replied` (sequences that stop on reply) and forwarded to the owner.
 */
import { autoReplyReason, autoReplyResumeAt } from '../domain/auto-reply.js';
import {
  deliveryReportReason,
  freshReplyText,
  isRemovalRequest,
  normalizeMessageId,
  sesMessageIdOf,
  type InboundEmail,
  type MailAddress,
} from '../domain/email-reply.js';
import { isEnded } from '../domain/enrollment.js';
import type { Enrollment, Prospect } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { findEnrollmentForReplyToken, replyTokenFromAddress, verifyReplyToken, verifyUnsubscribeToken } from '../domain/tokens.js';
import { EnrollmentStateError, loadSequenceVersion } from './context.js';
import type { InboundContext } from './handle-sms-inbound.js';
import { notifyOwner, RetryableNotificationError, type NotifyResult } from './notify-owner.js';
import { pauseEnrollment } from './pause-enrollment.js';
import { recordInboxItem } from './record-inbox-item.js';
import { recordReply, recordReplyInLedger } from './record-reply.js';
import { inboundEmailKey, replayGuard, type ReplayGuard } from './replay-guard.js';
import { unsubscribeProspect } from './unsubscribe-prospect.js';

export type MatchedBy = 'reply-token' | 'thread' | 'sender';

export type InboundEmailOutcome =
  | { outcome: 'replied'; enrollmentId: string; matchedBy: MatchedBy; stopped: boolean; forwarded: NotifyResult | 'none' }
  | { outcome: 'opted_out'; enrollmentId?: string; matchedBy: MatchedBy | 'unsubscribe-address'; stopped: string[]; forwarded: NotifyResult | 'none' }
  | { outcome: 'auto_reply'; enrollmentId: string; matchedBy: MatchedBy; paused: boolean; resumeAt?: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'unmatched'; reason: string };

export async function handleInboundEmail(ctx: InboundContext, email: InboundEmail): Promise<InboundEmailOutcome> {
  const report = deliveryReportReason(email);
  if (report) return done(ctx, email, { outcome: 'ignored', reason: `delivery report (${report})` });

  const unsubscribe = unsubscribeAddressToken(ctx, email);
  if (unsubscribe !== undefined) {
    const claims = verifyUnsubscribeToken(unsubscribe, ctx.settings.signingSecret);
    if (!claims) return done(ctx, email, { outcome: 'ignored', reason: 'invalid unsubscribe token' });
    const result = await unsubscribeProspect(ctx, { prospectId: claims.prospectId, channel: claims.channel, source: 'mailto' });
    return done(ctx, email, {
      outcome: 'opted_out',
      matchedBy: 'unsubscribe-address',
      stopped: result.outcome === 'unsubscribed' ? result.stopped : [],
      forwarded: 'none',
    });
  }

  const match = await matchEnrollment(ctx, email);
  if ('reason' in match) return done(ctx, email, { outcome: 'unmatched', reason: match.reason });
  const { enrollment, matchedBy } = match;

  const auto = autoReplyReason(email.headers, email.subject);
  if (auto) return done(ctx, email, await handleAutoReply(ctx, email, enrollment, matchedBy, auto));

  const fresh = freshReplyText(email.text);
  const sender = email.replyTo ?? email.from;
  // SNS delivers at least once: a redelivery (the same Message-ID) stops nothing new and forwards nothing again.
  const guard = replayGuard(ctx, email.messageId ? inboundEmailKey(email.messageId) : undefined);
  const [prospect, sequenceForForward] = await Promise.all([
    ctx.store.getProspect(enrollment.prospectId),
    loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version),
  ]);

  if (isRemovalRequest(fresh, email.subject)) {
    const result = await unsubscribeProspect(ctx, {
      prospectId: enrollment.prospectId,
      channel: 'email',
      source: 'reply',
      message: { ...(email.messageId ? { id: email.messageId } : {}), text: fresh || email.text, subject: email.subject, enrollmentId: enrollment.id },
    });
    const stopped = result.outcome === 'unsubscribed' ? result.stopped : [];
    const forwarded = sequenceForForward
      ? await forward(ctx, email, guard, {
          sequence: sequenceForForward,
          ...(prospect ? { prospect } : {}),
          label: 'asked to be removed, and was unsubscribed,',
          stopped: stopped.length > 0,
          ...(sender ? { sender } : {}),
        })
      : 'none';
    return done(ctx, email, { outcome: 'opted_out', enrollmentId: enrollment.id, matchedBy, stopped, forwarded });
  }

  const thread = { inReplyTo: email.inReplyTo, references: email.references };
  const recorded = await recordReply(ctx, { enrollment, channel: 'email', text: fresh || email.text, thread, guard });
  // The address we wrote to, and the one the reply came from when it is another.
  await recordReplyInLedger(ctx, {
    addresses: [prospect?.email, ...senderAddresses(email)].filter((a): a is string => a !== undefined),
    channel: 'email',
    enrollment,
  });
  await recordInboxItem(ctx, {
    kind: 'reply',
    prospectId: enrollment.prospectId,
    source: emailSource(email, ctx.clock.now()),
    channel: 'email',
    enrollment,
    thread,
    ...(prospect ? { prospect } : {}),
    text: fresh || email.text,
    subject: email.subject,
  });
  const sequence = recorded.sequence ?? sequenceForForward;
  const forwarded = sequence
    ? await forward(ctx, email, guard, {
        sequence,
        ...(prospect ? { prospect } : {}),
        label: 'replied',
        stopped: recorded.stopped,
        ...(sender ? { sender } : {}),
      })
    : 'none';
  return done(ctx, email, { outcome: 'replied', enrollmentId: enrollment.id, matchedBy, stopped: recorded.stopped, forwarded });
}

// ---------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------

type Match = { enrollment: Enrollment; matchedBy: MatchedBy } | { reason: string };

async function matchEnrollment(ctx: InboundContext, email: InboundEmail): Promise<Match> {
  const replyDomain = ctx.settings.replyDomain;
  const tokens = replyDomain
    ? email.recipients.map((r) => replyTokenFromAddress(r, replyDomain)).filter((t): t is string => t !== undefined)
    : [];

  // 1. The reply token.
  let tokenReason: string | undefined;
  for (const token of new Set(tokens)) {
    const claims = verifyReplyToken(token, ctx.settings.signingSecret);
    if (!claims) {
      tokenReason = 'invalid reply token';
      continue;
    }
    const enrollments = await ctx.store.listEnrollments(claims.prospectId);
    const id = findEnrollmentForReplyToken(
      claims,
      enrollments.map((e) => e.id),
    );
    const enrollment = enrollments.find((e) => e.id === id);
    if (enrollment) return { enrollment, matchedBy: 'reply-token' };
    // Authentic, but the enrollment is gone (erased): nothing to act on, and no guessing.
    return { reason: 'reply token of an enrollment that no longer exists' };
  }

  // 2. The thread: our Message-IDs in In-Reply-To (first) or References.
  const senders = senderAddresses(email);
  const candidates = await enrollmentsOf(ctx, senders);
  const threadIds = [...email.inReplyTo, ...email.references];
  for (const id of threadIds) {
    const normalized = normalizeMessageId(id);
    const sesId = sesMessageIdOf(id);
    const enrollment = candidates.find(
      (e) =>
        (e.thread && normalizeMessageId(e.thread.messageIdHeader) === normalized) ||
        Object.values(e.touches).some(
          (t) =>
            (t.messageIdHeader !== undefined && normalizeMessageId(t.messageIdHeader) === normalized) ||
            (sesId !== undefined && t.providerMessageId === sesId),
        ),
    );
    if (enrollment) return { enrollment, matchedBy: 'thread' };
  }

  // 3. The sender, only when the message never carried a reply token.
  if (tokens.length > 0) return { reason: tokenReason ?? 'reply token did not match' };
  const latest = latestEmailedEnrollment(candidates);
  if (latest) return { enrollment: latest, matchedBy: 'sender' };
  return { reason: candidates.length > 0 ? 'sender has no enrollment with an email sent' : 'unknown sender' };
}

function senderAddresses(email: InboundEmail): string[] {
  return [...new Set([email.from?.address, email.replyTo?.address].filter((a): a is string => !!a && a.includes('@')))];
}

async function enrollmentsOf(ctx: InboundContext, addresses: string[]): Promise<Enrollment[]> {
  const prospectIds = [...new Set((await Promise.all(addresses.map((a) => ctx.store.findProspectIdsByAddress(a)))).flat())];
  return (await Promise.all(prospectIds.map((id) => ctx.store.listEnrollments(id)))).flat();
}

/** The running enrollment whose last email went out most recently (ended ones when none runs). */
function latestEmailedEnrollment(enrollments: Enrollment[]): Enrollment | undefined {
  const lastEmailAt = (e: Enrollment) =>
    Object.values(e.touches)
      .filter((t) => t.channel === 'email' && (t.status === 'sent' || t.status === 'delivered'))
      .reduce<string | undefined>((latest, t) => (!latest || t.at > latest ? t.at : latest), undefined);
  const emailed = enrollments.filter((e) => lastEmailAt(e) !== undefined);
  const running = emailed.filter((e) => !isEnded(e.status));
  const pool = running.length > 0 ? running : emailed;
  return pool.reduce<Enrollment | undefined>(
    (best, e) => (!best || (lastEmailAt(e) as string) > (lastEmailAt(best) as string) ? e : best),
    undefined,
  );
}

function unsubscribeAddressToken(ctx: InboundContext, email: InboundEmail): string | undefined {
  const domain = ctx.settings.replyDomain?.toLowerCase();
  if (!domain) return undefined;
  for (const recipient of email.recipients) {
    const at = recipient.lastIndexOf('@');
    if (at < 0 || recipient.slice(at + 1).toLowerCase() !== domain) continue;
    const local = recipient.slice(0, at);
    const prefix = /^(u|unsubscribe)\+/i.exec(local)?.[0];
    if (prefix) return local.slice(prefix.length);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Auto-replies
// ---------------------------------------------------------------------------------------

async function handleAutoReply(
  ctx: InboundContext,
  email: InboundEmail,
  enrollment: Enrollment,
  matchedBy: MatchedBy,
  reason: string,
): Promise<InboundEmailOutcome> {
  const received = ctx.clock.now();
  const { resumeAt, returnDate } = autoReplyResumeAt(`${email.subject}\n${email.text}`, received);
  // Never earlier than the next touch was planned anyway.
  const planned = enrollment.nextTouchAt ? new Date(enrollment.nextTouchAt) : undefined;
  const resume = planned && planned > resumeAt ? planned : resumeAt;
  await ctx.store.appendTimeline([
    {
      prospectId: enrollment.prospectId,
      at: received.toISOString(),
      type: 'auto_replied',
      sequenceId: enrollment.sequenceId,
      enrollmentId: enrollment.id,
      detail: `${reason}${returnDate ? `; back ${returnDate.toISOString().slice(0, 10)}` : '; no return date found'}`,
    },
  ]);
  await recordInboxItem(ctx, {
    kind: 'auto_reply',
    prospectId: enrollment.prospectId,
    source: emailSource(email, received),
    channel: 'email',
    enrollment,
    text: freshReplyText(email.text) || email.text,
    subject: email.subject,
  });
  if (enrollment.status !== 'active') {
    return { outcome: 'auto_reply', enrollmentId: enrollment.id, matchedBy, paused: false };
  }
  try {
    await pauseEnrollment(ctx, { enrollmentId: enrollment.id, reason: `auto-reply (${reason})`, resumeAt: resume });
  } catch (error) {
    // The enrollment changed under us (a touch ended it, another pause): nothing to pause.
    if (!(error instanceof EnrollmentStateError)) throw error;
    return { outcome: 'auto_reply', enrollmentId: enrollment.id, matchedBy, paused: false };
  }
  return { outcome: 'auto_reply', enrollmentId: enrollment.id, matchedBy, paused: true, resumeAt: resume.toISOString() };
}

// ---------------------------------------------------------------------------------------
// Forwarding and logging
// ---------------------------------------------------------------------------------------

async function forward(
  ctx: InboundContext,
  email: InboundEmail,
  guard: ReplayGuard,
  options: {
    sequence: PublishedSequence;
    prospect?: Prospect;
    label: string;
    stopped: boolean;
    sender?: MailAddress;
  },
): Promise<NotifyResult | 'none'> {
  if (!(await guard.firstTime())) return 'none';
  const result = await notifyOwner(ctx, {
    sequence: options.sequence,
    ...(options.prospect ? { prospect: options.prospect } : {}),
    channel: 'email',
    text: email.text,
    subject: email.subject,
    label: options.label,
    stopped: options.stopped,
    ...(options.sender ? { replyTo: formatAddress(options.sender), fromAddress: options.sender.address } : {}),
    ...(email.messageId ? { references: email.messageId } : {}),
  });
  // SNS → Lambda retries a failed invocation; the stop above is idempotent, so only the
  // forward is effectively repeated: the claim is given back so the retry forwards.
  if (result === 'retryable') {
    await guard.release();
    throw new RetryableNotificationError('forwarding the reply to the owner failed; retry');
  }
  return result;
}

/** The inbox id source of an email: its Message-ID, so a redelivered notification finds the item it wrote. */
function emailSource(email: InboundEmail, received: Date): string {
  return email.messageId ? `email:${email.messageId}` : `email:${received.toISOString()}:${email.subject}`;
}

function formatAddress(address: MailAddress): string {
  const name = address.name?.replace(/[\r\n"<>\\]/g, ' ').replace(/\s+/g, ' ').trim();
  return name ? `"${name}" <${address.address}>` : address.address;
}

function done(ctx: InboundContext, email: InboundEmail, outcome: InboundEmailOutcome): InboundEmailOutcome {
  // Ids and outcomes only: addresses, subjects and text never go to the logs.
  ctx.logger.info('inbound email handled', { ...outcome, hasMessageId: email.messageId !== undefined });
  return outcome;
}
