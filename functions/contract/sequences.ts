/**
 * Sequences, enrolling, manual control and consent (README "HTTP API"): the bodies the handlers
 * parse and the answers they give, for the routes the console's queries (queries.ts) do
 * not cover. Answers that carry a stored record describe the fields clients read and let
 * the others through (`looseObject`), so a field added to a record is not a breaking
 * change of the contract.
 */
import * as z from '../zod.js';
import { channel, enrollmentStatus } from './queries.js';
import { instant } from './common.js';

/** `GET /health`. */
export const healthResponse = z.object({ ok: z.literal(true) });

const step = z.looseObject({
  id: z.string(),
  channel,
  wait: z.unknown(),
  template: z.string(),
});

/** One item of `GET /sequences`. */
export const sequenceSummary = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number(),
  publishedAt: instant,
  steps: z.array(step),
  warnings: z.array(z.string()),
});
export type SequenceSummary = z.infer<typeof sequenceSummary>;
export const sequencesList = z.object({ sequences: z.array(sequenceSummary) });
export type SequencesList = z.infer<typeof sequencesList>;

/** A published version as stored: the compiled definition and the templates' Liquid sources. */
export const publishedSequence = z.object({
  id: z.string(),
  version: z.number(),
  hash: z.string(),
  publishedAt: instant,
  definition: z.looseObject({ id: z.string(), name: z.string(), steps: z.array(step) }),
  templates: z.record(z.string(), z.record(z.string(), z.unknown())),
  warnings: z.array(z.string()),
});
export type PublishedSequenceView = z.infer<typeof publishedSequence>;
/** `GET /sequences/{id}`. */
export const sequenceResponse = z.object({ sequence: publishedSequence });

/** `PUT /sequences/{id}`: sequence.yaml as JSON and the template files by name. */
export const publishRequest = z.object({
  definition: z.record(z.string(), z.unknown()),
  templates: z.record(z.string(), z.string()),
});
export type PublishRequest = z.infer<typeof publishRequest>;
/** 201 when a new version was created, 200 when the content was already published. */
export const publishResponse = z.object({ sequence: publishedSequence, created: z.boolean() });
export type PublishResponse = z.infer<typeof publishResponse>;

/**
 * `POST /sequences/{id}/enrollments` as JSON. Each prospect is checked row by row (a bad
 * one is an `invalid` result, not a failed request), so the items are open here.
 */
export const enrollmentRequest = z.object({
  prospects: z.array(z.unknown()).check(z.minLength(1, 'at least one prospect is required')),
  /** Header or key → prospect field, e.g. `{"Work Email": "email"}`. */
  columns: z.optional(z.record(z.string(), z.string())),
  /** Start a new run for prospects whose enrollment in this sequence has ended (never after a reply or an opt-out). */
  reenroll: z.optional(z.boolean({ error: 'expected true or false' })),
});
export type EnrollmentRequest = z.infer<typeof enrollmentRequest>;

export const enrollmentRowResult = z.object({
  row: z.number(),
  status: z.enum(['enrolled', 'skipped', 'invalid']),
  prospectId: z.optional(z.string()),
  enrollmentId: z.optional(z.string()),
  reason: z.optional(z.string()),
  warnings: z.optional(z.array(z.string())),
});
export const enrollmentResponse = z.object({
  /** `?dryRun=true`: the rows were only checked; valid ones answer `skipped` with the dry-run reason. */
  dryRun: z.optional(z.literal(true)),
  summary: z.object({ enrolled: z.number(), skipped: z.number(), invalid: z.number() }),
  results: z.array(enrollmentRowResult),
});
export type EnrollmentResponse = z.infer<typeof enrollmentResponse>;

/** `POST /enrollments/{id}/stop|pause` (optional body). */
export const manualControlRequest = z.optional(z.object({ reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))) }));

export const enrollmentRecord = z.looseObject({
  id: z.string(),
  prospectId: z.string(),
  sequenceId: z.string(),
  version: z.number(),
  run: z.number(),
  status: enrollmentStatus,
  stepIndex: z.number(),
  nextTouchAt: z.optional(instant),
  createdAt: instant,
  updatedAt: instant,
  endedAt: z.optional(instant),
  endReason: z.optional(z.string()),
});
/** `changed` is false when the enrollment had already ended (nothing was written). */
export const enrollmentControlResponse = z.object({ enrollment: enrollmentRecord, changed: z.optional(z.boolean()) });
export type EnrollmentControlResponse = z.infer<typeof enrollmentControlResponse>;

/** `POST /prospects/{id}/consent`: an audited new consent that lifts an opt-out or a reply block of one channel. */
export const consentRequest = z.strictObject({
  channel: z.enum(['email', 'sms', 'call'], { error: 'expected email, sms or call' }),
  source: z.string({ error: 'expected where the consent comes from, e.g. "re-subscribed by phone 2026-12-05, ticket 123"' }).check(
    z.trim(),
    z.minLength(1, 'must say where the consent comes from'),
    z.maxLength(500, 'at most 500 characters'),
  ),
});
export type ConsentRequest = z.infer<typeof consentRequest>;
export const consentResponse = z.object({
  consent: z.object({
    addressHash: z.string(),
    channel: z.enum(['email', 'sms', 'call']),
    source: z.string(),
    /** `user:<email>` or `apiKey`. */
    actor: z.string(),
    at: instant,
    /** What it lifted: `reply`, or the suppression's reason. */
    lifted: z.array(z.string()),
  }),
});

/** `DELETE /prospects/{id}`. */
export const eraseResponse = z.object({ erased: z.literal(true) });
