/**
 * Outbound webhook events: what a CRM is told, so it stays in sync. Pure.
 *
 * Body: `{id, type, at, data}`. `id` is derived from what happened (the same happening
 * gives the same id, so a retried use case or a redelivery is recognised by the receiver);
 * `data` carries ids and the few facts a CRM needs, never a message body.
 */
import { createHash } from 'node:crypto';

export const WEBHOOK_EVENT_TYPES = ['replied', 'opted_out', 'bounced', 'converted', 'task.completed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** When it happened, ISO 8601 UTC. */
  at: string;
  data: Record<string, string | number | boolean | null | Record<string, string>>;
}

/** `evt_<32 hex>` from the type and the parts that identify the happening. */
export function webhookEventId(type: WebhookEventType, ...parts: (string | number)[]): string {
  return `evt_${createHash('sha256').update([type, ...parts].join('\u0000')).digest('hex').slice(0, 32)}`;
}

export function webhookEvent(type: WebhookEventType, at: string, data: WebhookEvent['data'], identity: (string | number)[]): WebhookEvent {
  return { id: webhookEventId(type, ...identity), type, at, data };
}

/** Where events go: an endpoint of the configuration (FOLLOWUP_WEBHOOKS). */
export interface WebhookEndpoint {
  /** Short name, in delivery records and logs (never the URL: it may carry a token). */
  id: string;
  url: string;
  /** The event types it wants; all when unset. */
  events?: readonly WebhookEventType[];
}

export function wants(endpoint: WebhookEndpoint, type: WebhookEventType): boolean {
  return !endpoint.events || endpoint.events.includes(type);
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

/** One delivery attempt, as `GET /webhooks/deliveries` lists them (newest first). */
export interface WebhookDelivery {
  eventId: string;
  type: WebhookEventType;
  endpointId: string;
  attempt: number;
  at: string;
  outcome: DeliveryOutcome;
  httpStatus?: number;
  /** Short, non-personal: `HTTP 503`, `timeout after 10 s`, `ECONNREFUSED`. */
  error?: string;
  durationMs?: number;
}

/**
 * How a receiver's answer is treated: 2xx delivered; 408, 409 (a receiver busy with the same
 * id), 425, 429 and 5xx, a timeout or a network error are retried; any other 4xx is final
 * (the receiver refuses this event: retrying cannot help, and it is recorded as failed).
 */
export function classifyDelivery(status: number | undefined): 'delivered' | 'retry' | 'final' {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'final';
}
