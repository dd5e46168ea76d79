/**
 * Inbound messages come again: Twilio and SNS retry, EventBridge delivers at least once,
 * SES can publish one event twice, and anyone holding a signed request can replay it.
 * Every state change they make is idempotent by construction (conditional stops, ledger
 * entries keyed by address, touch statuses conditional on the message id); what is not —
 * the owner's email, counters, a timeline entry stamped with the time of handling — runs
 * only for the first delivery of a message, which claims its idempotency record.
 *
 * The record is claimed AFTER the idempotent writes of the delivery and right before the
 * first effect that must not repeat. So a crash before the claim loses nothing (the retry
 * repeats the idempotent writes as no-ops and then claims), and a crash after it can lose
 * at most that delivery's notification — never a stop, an opt-out or a suppression. We
 * chose that over the reverse order, which would send the owner a second email on every
 * replay to get exactly-once notifications in the rarer crash window.
 */
import { createHash } from 'node:crypto';
import type { UseCaseContext } from './context.js';

/** How long a handled message is remembered: Twilio and EventBridge retry within a day. */
export const REPLAY_WINDOW_DAYS = 7;

export interface ReplayGuard {
  /** True for the first delivery of the message (claims its record on the first call; later calls answer the same). */
  firstTime(): Promise<boolean>;
  /** Gives the claim back (an effect failed and the sender will retry): the retry is a first time again. */
  release(): Promise<void>;
}

/** A guard for the message `key` (see keys.ts for the forms); no key means nothing to tell replays by. */
export function replayGuard(ctx: UseCaseContext, key: string | undefined): ReplayGuard {
  let answer: Promise<boolean> | undefined;
  return {
    firstTime() {
      if (key === undefined) return Promise.resolve(true);
      answer ??= (async () => {
        const now = ctx.clock.now();
        const expiresAt = new Date(now.getTime() + REPLAY_WINDOW_DAYS * 86_400_000);
        const claimed = (await ctx.store.claimIdempotencyKey(key, expiresAt, now)) === 'ok';
        if (!claimed) ctx.logger.info('replayed message: already handled', { key: key.split(':')[0] });
        return claimed;
      })();
      // A failed claim is not an answer: the next call (a retry) tries again.
      answer.catch(() => (answer = undefined));
      return answer;
    },
    async release() {
      if (key === undefined || answer === undefined || !(await answer)) return;
      answer = undefined;
      await ctx.store.releaseIdempotencyKey(key);
    },
  };
}

/** The key of an inbound email: its Message-ID, which every redelivery of the message carries. */
export function inboundEmailKey(messageId: string): string {
  return `email:${messageId.slice(0, 200)}`;
}

/** The key of an SES event: one per message, event type and event time (and link, for clicks). */
export function sesEventKey(messageId: string, type: string, at: string, link?: string): string {
  const linkPart = link ? `#${createHash('sha256').update(link).digest('hex').slice(0, 16)}` : '';
  return `ses:${messageId.slice(0, 200)}#${type}#${at}${linkPart}`;
}
