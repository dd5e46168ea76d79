/** Outside events (contract "Consent, events"): `POST /prospects/{id}/events`. */
import * as z from '../zod.js';
import { EVENT_NAME, EVENT_NAME_HINT } from '../domain/sequence-people-fields.js';

const value = z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean()], { error: 'data values must be text (at most 500 characters), numbers or true/false' });

export const eventRequest = z.strictObject({
  name: z.string({ error: 'name is required, e.g. "meeting_booked"' }).check(z.regex(EVENT_NAME, { error: `name: ${EVENT_NAME_HINT}` })),
  /** When it happened (default now). */
  at: z.optional(z.iso.datetime({ offset: true, error: 'at must be an ISO 8601 time, e.g. 2026-12-01T15:00:00Z' })),
  data: z.optional(
    z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, { error: 'data keys: letters, digits, "_", "." and "-", at most 64' })), value).check(
      z.refine((record) => Object.keys(record).length <= 20, { error: 'data: at most 20 keys' }),
    ),
  ),
});
export type EventRequest = z.infer<typeof eventRequest>;

export const eventResponse = z.object({
  /** Enrollments the event ended as `converted` (sequences with `exitOn` naming it). */
  converted: z.array(z.string()),
});
