/**
 * Hands outbound webhook events to the publisher (EventBridge in AWS, the in-process
 * dispatcher locally). Called AFTER the state change it announces.
 *
 * A failed publish is logged, not thrown: the change is already recorded, and the use
 * cases are idempotent, so a retry of the whole request would find nothing left to do and
 * publish nothing either. The event ids are derived from what happened, so when a caller
 * does repeat a change (a redelivered inbound event), receivers see the same id again.
 */
import type { WebhookEvent } from '../domain/webhook-events.js';
import type { UseCaseContext } from './context.js';

export async function publishWebhooks(ctx: Pick<UseCaseContext, 'webhooks' | 'logger'>, events: readonly WebhookEvent[]): Promise<void> {
  if (!ctx.webhooks || events.length === 0) return;
  try {
    await ctx.webhooks.publish(events);
  } catch (error) {
    ctx.logger.error('webhook events could not be published', {
      eventIds: events.map((event) => event.id),
      types: events.map((event) => event.type),
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}
