/**
 * One delivery attempt of an outbound webhook event to one endpoint: signed at the moment
 * it is sent (`Followup-Signature`, domain/webhook-signature.ts: a retry an hour later
 * carries a fresh timestamp, so receivers can keep a short replay window), POSTed, its
 * answer classified (domain/webhook-events.ts), recorded for `GET /webhooks/deliveries`.
 * The caller retries (the local dispatcher with backoff; SQS redelivery in AWS).
 */
import { classifyDelivery, type DeliveryOutcome, type WebhookDelivery, type WebhookEndpoint, type WebhookEvent } from '../domain/webhook-events.js';
import { SIGNATURE_HEADER, signWebhook } from '../domain/webhook-signature.js';
import type { Clock, Logger, WebhookDeliveryStore, WebhookTransport } from '../ports.js';

export interface DeliveryContext {
  store: WebhookDeliveryStore;
  /** When attempts are recorded (the embedded runtime's virtual clock locally). */
  clock: Clock;
  /**
   * The time signatures carry: the receiver checks it against ITS clock, so it must be real
   * time even where the engine's clock is virtual (npm start). Default: `clock`.
   */
  signingClock?: Clock;
  logger: Logger;
  transport: WebhookTransport;
  /** The endpoint's signing secrets (the current one first; a rotation adds the next). */
  secrets(endpoint: WebhookEndpoint): Promise<readonly string[]>;
}

export async function deliverWebhook(
  ctx: DeliveryContext,
  delivery: { endpoint: WebhookEndpoint; event: WebhookEvent; attempt: number; lastAttempt: boolean },
): Promise<DeliveryOutcome> {
  const { endpoint, event, attempt } = delivery;
  const body = JSON.stringify(event);
  const started = Date.now();
  const at = ctx.clock.now();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Followup-Webhooks/1',
    'followup-event-id': event.id,
    'followup-event-type': event.type,
    [SIGNATURE_HEADER.toLowerCase()]: signWebhook(body, await ctx.secrets(endpoint), (ctx.signingClock ?? ctx.clock).now()),
  };
  const answer = await ctx.transport.post(endpoint, body, headers);
  const verdict = classifyDelivery(answer.status);
  const outcome: DeliveryOutcome = verdict === 'delivered' ? 'delivered' : verdict === 'retry' && !delivery.lastAttempt ? 'retrying' : 'failed';
  const record: WebhookDelivery = {
    eventId: event.id,
    type: event.type,
    endpointId: endpoint.id,
    attempt,
    at: at.toISOString(),
    outcome,
    ...(answer.status !== undefined ? { httpStatus: answer.status } : {}),
    ...(verdict !== 'delivered' ? { error: answer.error ?? (answer.status !== undefined ? `HTTP ${answer.status}` : 'no answer') } : {}),
    durationMs: Date.now() - started,
  };
  await ctx.store.recordWebhookDelivery(record);
  const log = outcome === 'failed' ? ctx.logger.warn : ctx.logger.info;
  log.call(ctx.logger, 'webhook delivery', { eventId: event.id, type: event.type, endpointId: endpoint.id, attempt, outcome, httpStatus: answer.status });
  return outcome;
}
