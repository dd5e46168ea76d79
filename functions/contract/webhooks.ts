/** Outbound webhooks (contract "The rep's work"): `GET /webhooks/deliveries`, and the body receivers get. */
import * as z from '../zod.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-events.js';
import { cursorParam, instant, limitParam, pageOf } from './common.js';

/** What a receiver is POSTed (signed: `Followup-Signature`, domain/webhook-signature.ts). */
export const webhookBody = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  at: instant,
  data: z.record(z.string(), z.unknown()),
});

export const deliveriesQuery = z.object({ limit: limitParam, cursor: cursorParam });

export const delivery = z.object({
  eventId: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  endpointId: z.string(),
  attempt: z.number(),
  at: instant,
  outcome: z.enum(['delivered', 'retrying', 'failed']),
  httpStatus: z.optional(z.number()),
  error: z.optional(z.string()),
  durationMs: z.optional(z.number()),
});
export type Delivery = z.infer<typeof delivery>;
export const deliveriesPage = pageOf(delivery);
export type DeliveriesPage = z.infer<typeof deliveriesPage>;
