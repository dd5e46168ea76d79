/**
 * What each route of the table (functions/routes.ts) takes and answers, as the contract's
 * zod schemas: the source of the OpenAPI document (openapi.ts, `GET /openapi.json`,
 * docs/openapi.json). Keyed by `RouteKey` with every key required, so a route added to the
 * table without its schemas fails to compile. Kept apart from routes.ts so that the
 * functions which import the route table (every handler) do not bundle every schema.
 *
 * Examples sit next to their schemas; test/unit/contract/openapi.test.ts checks that each
 * one validates, so the document never shows a request the API would refuse.
 */
import * as z from '../zod.js';
import type { RouteKey } from '../routes.js';
import {
  enrollmentsPage,
  enrollmentsQuery,
  inboxPage,
  inboxQuery,
  previewRequest,
  previewResponse,
  prospectsPage,
  prospectsQuery,
  prospectView,
  publishedVersion,
  sequenceStats,
  setHandledRequest,
  setHandledResponse,
  versionsList,
} from './queries.js';
import {
  consentRequest,
  consentResponse,
  enrollmentControlResponse,
  enrollmentRequest,
  enrollmentResponse,
  eraseResponse,
  healthResponse,
  manualControlRequest,
  publishRequest,
  publishResponse,
  sequenceResponse,
  sequencesList,
} from './sequences.js';
import { eventRequest, eventResponse } from './events.js';
import { me, teamProgress, teamProgressQuery, updateMeRequest } from './me.js';
import { callResponse, listTasksQuery, outcomeRequest, outcomeResponse, taskPage } from './tasks.js';
import { deliveriesPage, deliveriesQuery } from './webhooks.js';

/** One body: its media type and, for JSON, its schema and an example that must validate. */
import { createImportRequest, createImportResponse, importProgressBody, importResultsQuery } from './imports.js';
import { phoneHoldersRequest, phoneHoldersResponse } from './maintenance.js';

export interface BodySpec {
  readonly mediaType: string;
  readonly schema?: z.ZodMiniType;
  readonly example?: unknown;
  readonly description?: string;
}

export interface RouteSchemas {
  /** The query string (parsed from strings: coerced numbers, defaults). */
  readonly query?: z.ZodMiniType;
  /** What the route accepts, by media type (JSON first). */
  readonly request?: readonly BodySpec[];
  /** Whether a request without a body is fine (stop and pause take an optional reason). */
  readonly requestOptional?: boolean;
  /** The success answer. */
  readonly response: BodySpec & { readonly status: number; readonly description: string };
  /** Errors particular to this route (every route's 400/401/403/404 are added by openapi.ts). */
  readonly errors?: Readonly<Record<number, string>>;
}

function jsonBody(schema: z.ZodMiniType, example?: unknown): BodySpec {
  return { mediaType: 'application/json', schema, ...(example !== undefined ? { example } : {}) };
}

function ok(description: string, body: BodySpec, status = 200): RouteSchemas['response'] {
  return { ...body, status, description };
}

const csv = (description: string): BodySpec => ({ mediaType: 'text/csv', description });
const htmlPage: BodySpec = { mediaType: 'text/html', description: 'a page for the prospect' };
const twiml: BodySpec = { mediaType: 'text/xml', description: 'TwiML (an empty <Response/> or a reply)' };
const twilioForm: BodySpec = {
  mediaType: 'application/x-www-form-urlencoded',
  description: "Twilio's parameters, signed with X-Twilio-Signature",
};

/** Answered by `GET /openapi.json`: the OpenAPI 3.1 document itself. */
export const openApiDocument = z.looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) });

const SAMPLE_PROSPECT = 'p_9b62c4f1a0d3e5b7c9a1f2e4';
const SAMPLE_ENROLLMENT = `${SAMPLE_PROSPECT}.inbound-lead-follow-up`;
const SAMPLE_IMPORT = 'imp_5f0c2a9e8b7d4c3a1e6f9b0d2c4a8e71';

export const ROUTE_SCHEMAS: Record<RouteKey, RouteSchemas> = {
  'GET /health': { response: ok('The API is up', jsonBody(healthResponse, { ok: true })) },
  'GET /openapi.json': { response: ok('This document', jsonBody(openApiDocument)) },

  'GET /sequences': {
    response: ok(
      'Every sequence at its current version',
      jsonBody(sequencesList, {
        sequences: [
          {
            id: 'inbound-lead-follow-up',
            name: 'Inbound lead follow-up',
            version: 1,
            publishedAt: '2026-11-23T13:00:00.000Z',
            steps: [{ id: 'intro', channel: 'email', wait: { amount: 0, unit: 'minutes' }, template: '01-intro.email.liquid' }],
            warnings: [],
          },
        ],
      }),
    ),
  },
  'GET /sequences/{id}': { response: ok('The sequence at its current version', jsonBody(sequenceResponse)) },
  'PUT /sequences/{id}': {
    request: [
      jsonBody(publishRequest, {
        definition: {
          name: 'Inbound lead follow-up',
          owner: 'sales@northwind.example',
          defaultTimezone: 'America/New_York',
          sender: { name: 'Dana Whitfield', email: { from: 'dana@northwind.example' } },
          steps: [{ id: 'intro', channel: 'email', wait: 0, template: '01-intro.email.liquid' }],
        },
        templates: { '01-intro.email.liquid': '---\nsubject: Your request\n---\nHi {{ prospect.firstName | default: "there" }},\n' },
      }),
    ],
    response: ok('Published (201 when a new version was created, 200 when this content was already the current version)', jsonBody(publishResponse), 201),
  },
  'POST /sequences/{id}/enrollments': {
    request: [
      jsonBody(enrollmentRequest, {
        prospects: [{ email: 'ann@example.com', firstName: 'Ann', company: 'Acme', timezone: 'Europe/Berlin' }, { phone: '+14155550123' }],
        columns: { 'Work Email': 'email' },
        reenroll: false,
      }),
      { mediaType: 'text/csv', description: 'a header row, then one prospect per row (`?columns=` maps headers, as URL-encoded JSON)' },
    ],
    response: ok(
      'One result per row: a bad row never fails the others',
      jsonBody(enrollmentResponse, {
        summary: { enrolled: 1, skipped: 0, invalid: 1 },
        results: [
          { row: 1, status: 'enrolled', prospectId: SAMPLE_PROSPECT, enrollmentId: SAMPLE_ENROLLMENT },
          { row: 2, status: 'invalid', reason: 'email: "bad@" is not a valid email address (it has no domain after the "@")' },
        ],
      }),
    ),
    errors: { 413: 'The body is over the size limit: split the list', 415: 'Neither JSON nor CSV' },
  },
  'GET /sequences/{id}/stats': { response: ok('Counts by status, per step and per day; the funnel', jsonBody(sequenceStats)) },
  'GET /sequences/{id}/enrollments': {
    query: enrollmentsQuery,
    response: ok(
      'A page of enrollments, by status, in the order they took it',
      jsonBody(enrollmentsPage, {
        items: [
          {
            id: SAMPLE_ENROLLMENT,
            prospectId: SAMPLE_PROSPECT,
            prospect: { firstName: 'Ann', company: 'Acme', email: 'ann@example.com' },
            status: 'active',
            stepIndex: 1,
            stepId: 'check-in',
            version: 1,
            run: 1,
            nextTouchAt: '2026-11-25T15:00:00.000Z',
            nextTouchLocal: '2026-11-25T16:00:00.000+01:00',
            timezone: 'Europe/Berlin',
            updatedAt: '2026-11-23T14:00:00.000Z',
          },
        ],
        nextCursor: 'eyJrIjoi…',
      }),
    ),
  },
  'GET /sequences/{id}/enrollments.csv': {
    query: enrollmentsQuery,
    response: ok('Every enrollment as CSV; a large export ends at a page boundary with X-Next-Cursor', csv('a header row, then one enrollment per row')),
  },
  'GET /sequences/{id}/versions': { response: ok('The published versions', jsonBody(versionsList)) },
  'GET /sequences/{id}/versions/{version}': { response: ok('The version as published', jsonBody(publishedVersion)) },
  'POST /sequences/{id}/preview': {
    request: [jsonBody(previewRequest, { stepId: 'intro', prospect: { firstName: 'Zoë', company: 'Acme' } })],
    response: ok('The step rendered', jsonBody(previewResponse)),
  },
  'GET /prospects': { query: prospectsQuery, response: ok('A page of prospects', jsonBody(prospectsPage)) },
  'GET /prospects/{id}': { response: ok('The prospect, its enrollments and its timeline', jsonBody(prospectView)) },
  'DELETE /prospects/{id}': { response: ok('Erased (a hashed suppression stays)', jsonBody(eraseResponse, { erased: true })) },
  'POST /prospects/{id}/consent': {
    request: [jsonBody(consentRequest, { channel: 'email', source: 're-subscribed by phone 2026-12-05, ticket 123' })],
    response: ok(
      'The consent recorded, and what it lifted',
      jsonBody(consentResponse, {
        consent: { addressHash: '9f2c…', channel: 'email', source: 're-subscribed by phone 2026-12-05, ticket 123', actor: 'user:dana@northwind.example', at: '2026-12-05T10:00:00.000Z', lifted: ['unsubscribe'] },
      }),
    ),
    errors: { 409: 'Nothing to lift this way, e.g. an SMS opt-out that only the prospect texting START can lift' },
  },
  'POST /enrollments/{id}/stop': {
    request: [jsonBody(manualControlRequest, { reason: 'asked us by phone' })],
    requestOptional: true,
    response: ok('The enrollment after the stop (`changed` false when it had already ended)', jsonBody(enrollmentControlResponse)),
  },
  'POST /enrollments/{id}/pause': {
    request: [jsonBody(manualControlRequest, { reason: 'on holiday' })],
    requestOptional: true,
    response: ok('The paused enrollment', jsonBody(enrollmentControlResponse)),
    errors: { 409: 'The enrollment cannot be paused in its status' },
  },
  'POST /enrollments/{id}/resume': {
    response: ok('The resumed enrollment', jsonBody(enrollmentControlResponse)),
    errors: { 409: 'The enrollment is not paused' },
  },
  'GET /inbox': {
    query: inboxQuery,
    response: ok(
      'A page of inbox items, newest first',
      jsonBody(inboxPage, {
        items: [
          {
            id: `${SAMPLE_PROSPECT}.0123456789abcdef`,
            kind: 'reply',
            at: '2026-11-23T15:04:00.000Z',
            prospectId: SAMPLE_PROSPECT,
            enrollmentId: SAMPLE_ENROLLMENT,
            sequenceId: 'inbound-lead-follow-up',
            stepId: 'intro',
            channel: 'email',
            text: 'Happy to chat. Does Thursday work?',
            subject: 'Re: Your request',
            handled: false,
          },
        ],
      }),
    ),
  },
  'GET /inbox.csv': { query: inboxQuery, response: ok('The inbox as CSV', csv('a header row, then one item per row')) },
  'POST /inbox/{id}/handled': {
    request: [jsonBody(setHandledRequest, { handled: true })],
    response: ok('The item after the change', jsonBody(setHandledResponse)),
  },

  'POST /imports': {
    request: [jsonBody(createImportRequest, { sequenceId: 'inbound-lead-follow-up', columns: { 'Work Mail': 'email' } })],
    response: ok(
      'The import job: PUT the CSV bytes to `uploadUrl` (no Authorization header), then follow `statusUrl`',
      jsonBody(createImportResponse, {
        importId: SAMPLE_IMPORT,
        uploadUrl: `https://followup-imports.s3.amazonaws.com/imports/${SAMPLE_IMPORT}/upload.csv?X-Amz-Signature=…`,
        statusUrl: `/imports/${SAMPLE_IMPORT}`,
      }),
      201,
    ),
  },
  'GET /imports/{id}': { response: ok("The job's status and progress (the sum of its chunks' results)", jsonBody(importProgressBody)) },
  'GET /imports/{id}/results.csv': {
    query: importResultsQuery,
    response: ok('One line per row of the file, in file order; more with the X-Next-Cursor header', csv('row,status,reason,prospectId,enrollmentId,warnings')),
  },
  'POST /imports/{id}/cancel': {
    requestOptional: true,
    response: ok('The job, cancelled (what it enrolled stays)', jsonBody(importProgressBody)),
    errors: { 409: 'the job is already done or failed' },
  },

  'POST /maintenance/phone-holders': {
    request: [jsonBody(phoneHoldersRequest, { cursor: 'eyJ2IjoxLCJzZXF1ZW5jZUlkIjoiaW5ib3VuZC1sZWFkLWZvbGxvdy11cCJ9' })],
    requestOptional: true,
    response: ok(
      'What this step listed; repeat with `cursor` until `done`',
      jsonBody(phoneHoldersResponse, { done: false, prospects: 1874, phones: 1874, cursor: 'eyJ2IjoxLCJzZXF1ZW5jZUlkIjoiaW5ib3VuZC1sZWFkLWZvbGxvdy11cCJ9' }),
    ),
    errors: { 409: 'An import holds an enrollment lane: repeat the step with the same cursor' },
  },

  'POST /webhooks/twilio/sms': { request: [twilioForm], response: ok('Handled', twiml) },
  'POST /webhooks/twilio/status': { request: [twilioForm], response: ok('Recorded', twiml) },
  'GET /unsubscribe/{token}': { response: ok('The confirmation page', htmlPage) },
  'POST /unsubscribe/{token}': {
    request: [{ mediaType: 'application/x-www-form-urlencoded', description: 'RFC 8058: `List-Unsubscribe=One-Click`, or the confirmation form' }],
    response: ok('Unsubscribed', htmlPage),
  },
  'POST /prospects/{id}/events': {
    request: [jsonBody(eventRequest, { name: 'meeting_booked', at: '2026-12-01T15:00:00Z', data: { calendar: 'dana', minutes: 30 } })],
    response: ok('Recorded; the enrollments of sequences that exit on it end as converted', jsonBody(eventResponse, { converted: [SAMPLE_ENROLLMENT] })),
  },
  'GET /tasks': { query: listTasksQuery, response: ok('A page of tasks, by due time, with the rendered script', jsonBody(taskPage)) },
  'POST /tasks/{id}/outcome': {
    request: [jsonBody(outcomeRequest, { outcome: 'connected', note: 'Interested, wants a demo next week', fields: { budget: 'Q1' } })],
    response: ok("The task and the enrollment after the step's action", jsonBody(outcomeResponse)),
  },
  'POST /tasks/{id}/call': { response: ok("Twilio is ringing the rep's phone", jsonBody(callResponse)) },
  'GET /me': { response: ok("The signed-in user's goal, done today and streak", jsonBody(me)) },
  'PUT /me': {
    request: [jsonBody(updateMeRequest, { phone: '+14155550123', dailyGoal: 25, timezone: 'America/New_York' })],
    response: ok('The user after the change', jsonBody(me)),
  },
  'GET /team/progress': { query: teamProgressQuery, response: ok("Every user's progress", jsonBody(teamProgress)) },
  'GET /webhooks/deliveries': { query: deliveriesQuery, response: ok('Recent outbound webhook deliveries and failures', jsonBody(deliveriesPage)) },
  'POST /webhooks/twilio/voice/twiml': { request: [twilioForm], response: ok('TwiML: bridge the call, or play the voicemail', twiml) },
  'POST /webhooks/twilio/voice/status': { request: [twilioForm], response: ok('Recorded', twiml) },
};
