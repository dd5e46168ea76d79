/**
 * An SES sending event (configuration set → EventBridge → Lambda), already decoded by
 * the handler: the touch it is about comes from the email tags we set when sending
 * (prospectId, sequenceId, run, stepIndex) and is confirmed by the SES MessageId
 * recorded on the touch.
 *
 * - Permanent bounce / complaint → the address is suppressed and every running
 *   enrollment of every prospect with it ends as `bounced` (a complaint is put on the
 *   timeline as `complained`). This does not depend on the tags: a hard bounce is a hard
 *   bounce, whoever sent the mail.
 * - Transient (and undetermined) bounce → counted only (`step.<id>.transientBounce`).
 * - Delivery → touch status `delivered` and the step counter (two writes; the prospect
 *   view shows the delivery from the touch's status, no timeline row of its own).
 * - Open / click → a timeline entry keyed by the event, which is also its replay guard,
 *   and the step counter (`opened`, `clicked`): two writes.
 * - Reject (virus) → touch status `failed`, step counter.
 * Events carry their own timestamp; timeline entries use it, so a redelivered event
 * writes the same entry again instead of a second one.
 */
import { counterKeys, enrollmentIdFor } from '../domain/enrollment.js';
import type { Enrollment, TimelineEvent, TouchRecord } from '../domain/records.js';
import type { UseCaseContext } from './context.js';
import { recordInboxItem } from './record-inbox-item.js';
import { replayGuard, sesEventKey } from './replay-guard.js';
import { suppressAddress, type SuppressAddressResult } from './suppress-address.js';

export interface TouchTags {
  prospectId: string;
  sequenceId: string;
  run: number;
  stepIndex: number;
}

export type EmailEvent =
  | { type: 'bounce'; bounceType: string; bounceSubType?: string; recipients: string[] }
  | { type: 'complaint'; feedbackType?: string; recipients: string[] }
  | { type: 'delivery' }
  | { type: 'open' }
  | { type: 'click'; link?: string }
  | { type: 'reject'; reason?: string }
  | { type: 'other'; name: string };

export interface EmailEventInput {
  /** The SES MessageId of the message the event is about. */
  messageId: string;
  /** When it happened (ISO 8601), from the event. */
  at: string;
  /** From the email tags; absent for mail that is not a touch (owner notifications). */
  touch?: TouchTags;
  event: EmailEvent;
}

export type EmailEventOutcome = 'suppressed' | 'counted' | 'recorded' | 'duplicate' | 'unknown_touch' | 'ignored';


export async function handleEmailEvent(ctx: UseCaseContext, input: EmailEventInput): Promise<EmailEventOutcome> {
  const ids = {
    messageId: input.messageId,
    event: input.event.type,
    ...(input.touch ? { enrollmentId: enrollmentIdFor(input.touch.prospectId, input.touch.sequenceId), stepIndex: input.touch.stepIndex } : {}),
  };
  const { event } = input;
  // Counting is not idempotent: only the event's first delivery counts (replay-guard.ts).
  // Suppressions, stops and touch statuses are, and run for every delivery.
  const eventKey = sesEventKey(input.messageId, event.type, input.at, event.type === 'click' ? event.link : undefined);
  const guard = replayGuard(ctx, eventKey);
  switch (event.type) {
    case 'bounce': {
      const permanent = event.bounceType === 'Permanent';
      const found = await findTouch(ctx, input);
      if (!permanent) {
        if (found && !(await guard.firstTime())) return 'duplicate';
        if (found) {
          await ctx.store.addToCounters({
            sequenceId: found.enrollment.sequenceId,
            deltas: { [counterKeys.step(found.touch.stepId, 'transientBounce')]: 1 },
            at: ctx.clock.now(),
          });
        }
        ctx.logger.info('transient bounce counted', { ...ids, bounceType: event.bounceType, bounceSubType: event.bounceSubType });
        return found ? 'counted' : 'ignored';
      }
      for (const address of unique(event.recipients)) {
        const suppressed = await suppressAddress(ctx, {
          address,
          channel: 'email',
          reason: 'bounce',
          source: `ses:bounce:${event.bounceSubType ?? 'General'}`,
          stopAs: 'bounced',
          stopReason: 'email bounced',
          timelineType: 'bounced',
          ...(input.touch ? { prospectIds: [input.touch.prospectId] } : {}),
        });
        await inboxBounce(ctx, input, suppressed, address, `Hard bounce (${event.bounceSubType ?? 'General'})`);
      }
      if (found) {
        await markTouch(ctx, input, found, 'undelivered', `bounce: ${event.bounceSubType ?? 'Permanent'}`, [
          counterKeys.step(found.touch.stepId, 'bounced'),
          counterKeys.step(found.touch.stepId, 'failed'),
        ]);
      }
      return 'suppressed';
    }
    case 'complaint': {
      for (const address of unique(event.recipients)) {
        const suppressed = await suppressAddress(ctx, {
          address,
          channel: 'email',
          reason: 'complaint',
          source: `ses:complaint${event.feedbackType ? `:${event.feedbackType}` : ''}`,
          stopAs: 'bounced',
          stopReason: 'marked as spam',
          timelineType: 'complained',
          ...(input.touch ? { prospectIds: [input.touch.prospectId] } : {}),
        });
        await inboxBounce(ctx, input, suppressed, address, `Marked as spam${event.feedbackType ? ` (${event.feedbackType})` : ''}`);
      }
      const found = await findTouch(ctx, input);
      if (found && (await guard.firstTime())) {
        await ctx.store.addToCounters({
          sequenceId: found.enrollment.sequenceId,
          deltas: { [counterKeys.step(found.touch.stepId, 'complained')]: 1 },
          at: ctx.clock.now(),
        });
      }
      return 'suppressed';
    }
    case 'delivery': {
      const found = await findTouch(ctx, input);
      if (!found) return unknown(ctx, ids);
      return markTouch(ctx, input, found, 'delivered', undefined, [counterKeys.step(found.touch.stepId, 'delivered')]);
    }
    case 'reject': {
      const found = await findTouch(ctx, input);
      if (!found) return unknown(ctx, ids);
      return markTouch(ctx, input, found, 'failed', `rejected${event.reason ? `: ${event.reason}` : ''}`, [
        counterKeys.step(found.touch.stepId, 'failed'),
      ]);
    }
    case 'open':
    case 'click': {
      const found = await findTouch(ctx, input);
      if (!found) return unknown(ctx, ids);
      // The timeline entry is the event's replay guard: ONE conditional put keyed by the
      // event, no idempotency record. Written before the counter, so a crash between the
      // two loses that one count (as a crash after a claim did) and never counts twice.
      const entry = timelineEntry(found, input.at, event.type === 'open' ? 'opened' : 'clicked', event.type === 'click' ? linkDetail(event.link) : 'email opened');
      if ((await ctx.store.appendTimelineOnce(entry, eventKey)) === 'conflict') {
        ctx.logger.info('replayed message: already handled', { key: 'ses' });
        return 'duplicate';
      }
      const counter =
        event.type === 'open' ? counterKeys.step(found.touch.stepId, 'opened') : counterKeys.step(found.touch.stepId, 'clicked');
      await ctx.store.addToCounters({ sequenceId: found.enrollment.sequenceId, deltas: { [counter]: 1 }, at: ctx.clock.now() });
      return 'counted';
    }
    case 'other':
      ctx.logger.debug('SES event ignored', { ...ids, name: event.name });
      return 'ignored';
  }
}

/**
 * A bounce or complaint in the inbox, once per prospect with the address, when it changed
 * something (a repeated event for an address already suppressed adds nothing).
 */
async function inboxBounce(ctx: UseCaseContext, input: EmailEventInput, result: SuppressAddressResult, address: string, text: string): Promise<void> {
  if (!result.suppressed && result.stopped.length === 0) return;
  for (const prospectId of result.prospectIds) {
    const enrollmentId =
      (input.touch?.prospectId === prospectId ? enrollmentIdFor(prospectId, input.touch.sequenceId) : undefined) ??
      result.stopped.find((id) => id.startsWith(`${prospectId}.`));
    await recordInboxItem(ctx, {
      kind: 'bounce',
      prospectId,
      source: `ses:${input.messageId}:${input.event.type}:${address}`,
      channel: 'email',
      ...(enrollmentId ? { enrollmentId } : {}),
      text,
      at: input.at,
    });
  }
}

interface FoundTouch {
  enrollment: Enrollment;
  touch: TouchRecord;
}

/** The touch the tags name, confirmed by its recorded SES MessageId. */
async function findTouch(ctx: UseCaseContext, input: EmailEventInput): Promise<FoundTouch | undefined> {
  if (!input.touch) return undefined;
  const enrollment = await ctx.store.getEnrollment(enrollmentIdFor(input.touch.prospectId, input.touch.sequenceId));
  if (!enrollment) return undefined;
  const touch = Object.values(enrollment.touches).find(
    (t) => t.stepIndex === input.touch?.stepIndex && t.channel === 'email' && t.providerMessageId === input.messageId,
  );
  return touch ? { enrollment, touch } : undefined;
}

async function markTouch(
  ctx: UseCaseContext,
  input: EmailEventInput,
  found: FoundTouch,
  status: 'delivered' | 'undelivered' | 'failed',
  error: string | undefined,
  counters: string[],
): Promise<EmailEventOutcome> {
  const written = await ctx.store.updateTouchStatus({
    enrollmentId: found.enrollment.id,
    stepId: found.touch.stepId,
    providerMessageId: input.messageId,
    status,
    // A bounce can follow a delivery report (the receiving server accepted, then bounced).
    from: status === 'delivered' ? ['sent'] : ['sent', 'delivered'],
    ...(error ? { error } : {}),
  });
  if (written === 'conflict') {
    ctx.logger.debug('email status already recorded', { messageId: input.messageId, status });
    return 'duplicate';
  }
  await ctx.store.addToCounters({
    sequenceId: found.enrollment.sequenceId,
    deltas: Object.fromEntries(counters.map((key) => [key, 1])),
    at: ctx.clock.now(),
  });
  if (status === 'failed') {
    // Bounces are on the timeline already (suppressAddress → stopEnrollment). A delivery
    // gets no entry of its own: the touch's status says it (the prospect view shows the
    // touch as "email delivered", domain/enrollment-history.ts), and it is the one event
    // nearly every email gets, so a row for it would be a third write per delivery.
    await ctx.store.appendTimeline([timelineEntry(found, input.at, 'send_failed', error ?? 'failed')]);
  }
  return 'recorded';
}

function timelineEntry(found: FoundTouch, at: string, type: TimelineEvent['type'], detail: string): TimelineEvent {
  return {
    prospectId: found.enrollment.prospectId,
    at,
    type,
    sequenceId: found.enrollment.sequenceId,
    enrollmentId: found.enrollment.id,
    stepId: found.touch.stepId,
    detail,
  };
}

/** The clicked link's host only: paths and queries may carry tokens or personal data. */
function linkDetail(link: string | undefined): string {
  if (!link) return 'link clicked';
  try {
    return `link clicked: ${new URL(link).host}`;
  } catch {
    return 'link clicked';
  }
}

function unknown(ctx: UseCaseContext, ids: Record<string, unknown>): EmailEventOutcome {
  ctx.logger.info('SES event for an unknown touch', ids);
  return 'unknown_touch';
}

function unique(addresses: string[]): string[] {
  return [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@')))];
}
