/**
 * The consent ledger's one write path for opt-outs, bounces and complaints: suppress a
 * channel address (global, across all sequences) and end every running enrollment of
 * every prospect who has that address.
 *
 * Order: the suppression is written FIRST, so a touch that runs from then on finds it
 * (run-touch re-checks the ledger right before sending), then each enrollment is stopped
 * with `stopEnrollment` (terminal status first, schedule deleted second). A crash in
 * between is repaired by the retry, which repeats both steps idempotently.
 */
import { addressHash } from '../domain/address-hash.js';
import { counterKeys, isEnded, lastSentStep } from '../domain/enrollment.js';
import type { Enrollment, SuppressionReason, TimelineEventType } from '../domain/records.js';
import type { ConsentChannel } from '../domain/people-steps.js';
import type { UseCaseContext } from './context.js';
import { webhookEvent } from '../domain/webhook-events.js';
import { publishWebhooks } from './publish-webhooks.js';
import { stopEnrollment, timelineTypeFor, type EndStatus } from './stop-enrollment.js';

export interface SuppressAddressInput {
  /** Normalised address: lower-case email or E.164 phone. */
  address: string;
  channel: ConsentChannel;
  reason: SuppressionReason;
  /** Where the opt-out came from, e.g. `unsubscribe:one-click`, `twilio:STOP`, `ses:bounce:General`. */
  source: string;
  /** How the prospects' running enrollments end. */
  stopAs: EndStatus;
  /** Short, non-personal reason kept on the enrollment. */
  stopReason: string;
  timelineType?: TimelineEventType;
  /** Prospects known to hold the address (e.g. from a token) besides those the address index finds. */
  prospectIds?: readonly string[];
}

export interface SuppressAddressResult {
  /** False when the address was already suppressed (the entry is kept as it was). */
  suppressed: boolean;
  prospectIds: string[];
  /** Enrollments this call ended. */
  stopped: string[];
}

export async function suppressAddress(ctx: UseCaseContext, input: SuppressAddressInput): Promise<SuppressAddressResult> {
  const now = ctx.clock.now().toISOString();
  const existing = await ctx.store.getSuppression(input.address, input.channel);
  if (!existing) {
    await ctx.store.putSuppression({
      address: input.address,
      addressHash: addressHash(input.address),
      channel: input.channel,
      reason: input.reason,
      source: input.source,
      createdAt: now,
    });
  }

  const found = await ctx.store.findProspectIdsByAddress(input.address);
  const prospectIds = [...new Set([...(input.prospectIds ?? []), ...found])].sort();
  const timelineType = input.timelineType ?? timelineTypeFor(input.stopAs);
  const stopped: string[] = [];
  for (const prospectId of prospectIds) {
    let changedAny = false;
    for (const enrollment of await ctx.store.listEnrollments(prospectId)) {
      if (isEnded(enrollment.status)) continue;
      const result = await stopEnrollment(ctx, {
        enrollmentId: enrollment.id,
        status: input.stopAs,
        reason: input.stopReason,
        timelineType,
        detail: `${input.stopReason} (${input.source})`,
        // The per-step opt-out count (stats): attributed to the last step sent, like replies.
        ...(input.stopAs === 'opted_out' ? { counters: optedOutCounter } : {}),
      });
      if (result.changed) {
        changedAny = true;
        stopped.push(enrollment.id);
      }
    }
    if (!changedAny && !existing) {
      // Nothing was running: the opt-out still belongs on the prospect's timeline.
      await ctx.store.appendTimeline([
        { prospectId, at: now, type: timelineType, detail: `${input.stopReason} (${input.source})` },
      ]);
    }
  }
  if (!existing) {
    // Announced once per address: a repeated opt-out (a second click) finds the entry and says nothing.
    const type = input.reason === 'bounce' || input.reason === 'complaint' ? 'bounced' : 'opted_out';
    await publishWebhooks(ctx, [
      webhookEvent(type, now, { channel: input.channel, reason: input.reason, source: input.source, prospectIds: prospectIds.join(','), stoppedEnrollments: stopped.join(',') }, [
        input.channel,
        addressHash(input.address),
        now,
      ]),
    ]);
  }
  // No address and no hash of it (a phone number's hash is easily reversed): ids and reasons only.
  ctx.logger.info('address suppressed', {
    channel: input.channel,
    reason: input.reason,
    source: input.source,
    alreadySuppressed: existing !== undefined,
    prospectIds,
    stopped: stopped.length,
  });
  return { suppressed: !existing, prospectIds, stopped };
}

function optedOutCounter(enrollment: Enrollment): Record<string, number> {
  const stepId = lastSentStep(enrollment);
  return stepId ? { [counterKeys.step(stepId, 'optedOut')]: 1 } : {};
}
