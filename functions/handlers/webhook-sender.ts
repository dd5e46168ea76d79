/**
 * SQS → Lambda: delivers outbound webhooks in AWS. Each rule of the webhook bus (one per
 * endpoint, infra/engine/webhooks.ts) puts `{endpointId, event: <the EventBridge event>}`
 * on the delivery queue; this signs the event at delivery time with the endpoint's secret
 * (Secrets Manager) and POSTs it (use-cases/deliver-webhook.ts). A delivery that may
 * succeed later fails its record (partial batch response), so SQS redelivers it after the
 * visibility timeout; the last attempt (`WEBHOOK_MAX_ATTEMPTS`) is recorded as failed and
 * acknowledged, and a message that cannot be read at all ends in the queue's DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../zod.js';
import { webhookEndpointsOf, type WebhookEndpointConfig } from '../config.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-events.js';
import { FetchWebhookTransport } from '../adapters/fetch-webhook-transport.js';
import { deliverWebhook, type DeliveryContext } from '../use-cases/deliver-webhook.js';
import { awsContext, getConfig, readSecret } from './shared/aws-context.js';
import { lazy } from '../async/lazy.js';
import { observedHandler } from './shared/observability.js';

const deliverySchema = z.object({
  endpointId: z.string().check(z.minLength(1), z.maxLength(64)),
  event: z.object({
    detail: z.object({
      id: z.string().check(z.minLength(1), z.maxLength(100)),
      type: z.enum(WEBHOOK_EVENT_TYPES),
      at: z.string(),
      data: z.record(z.string(), z.unknown()),
    }),
  }),
});

export class RetryDeliveryError extends Error {
  override name = 'RetryDeliveryError';
}

export interface WebhookSenderOptions {
  context: () => Promise<DeliveryContext>;
  endpoints: () => readonly WebhookEndpointConfig[];
  maxAttempts: () => number;
}

export function createWebhookSenderHandler(options: WebhookSenderOptions) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ctx = await options.context();
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (record: SQSRecord) => {
      const parsed = deliverySchema.safeParse(JSON.parse(record.body));
      if (!parsed.success) throw new Error(`webhook delivery message is malformed: ${parsed.error.issues[0]?.path.join('.')}`);
      const endpoint = options.endpoints().find((e) => e.id === parsed.data.endpointId);
      // An endpoint removed from the configuration since the event was routed: nothing to do.
      if (!endpoint) return 'dropped';
      const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
      const outcome = await deliverWebhook(ctx, {
        endpoint,
        event: parsed.data.event.detail as Parameters<typeof deliverWebhook>[1]['event'],
        attempt,
        lastAttempt: attempt >= options.maxAttempts(),
      });
      if (outcome === 'retrying') throw new RetryDeliveryError(`endpoint ${endpoint.id} will be retried`);
      return outcome;
    };
    return processPartialResponse(event, handleRecord, processor, { throwOnFullBatchFailure: false });
  };
}

const awsDeliveryContext = lazy(async (): Promise<DeliveryContext> => {
  const ctx = await awsContext();
  const endpoints = webhookEndpointsOf(getConfig());
  return {
    store: ctx.store,
    clock: ctx.clock,
    logger: ctx.logger,
    transport: new FetchWebhookTransport(),
    secrets: async (endpoint) => {
      const configured = endpoints.find((e) => e.id === endpoint.id);
      if (configured?.secret) return [configured.secret];
      if (!configured?.secretArn) throw new Error(`webhook endpoint ${endpoint.id} has no secret`);
      // One secret, or several (`["new", "old"]`, a rotation in progress): every one signs.
      const value = await readSecret(configured.secretArn);
      return value.trim().startsWith('[') ? (JSON.parse(value) as string[]) : [value];
    },
  };
});

export const handler = observedHandler(() =>
  createWebhookSenderHandler({
    context: awsDeliveryContext,
    endpoints: () => webhookEndpointsOf(getConfig()),
    maxAttempts: () => getConfig().WEBHOOK_MAX_ATTEMPTS,
  }),
);
