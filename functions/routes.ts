/**
 * Every HTTP route, as data: the ONE table the CDK stack (API Gateway routes), the
 * embedded runtime (its HTTP front door) and the handlers read. Each handler keeps a
 * map from its route keys to functions typed with `RouteKeyFor<…>`, so adding a route
 * here without a handler for it (or a handler for a route that is not here) fails to
 * compile. Data only: importing this file must not pull in aws-cdk-lib or a handler.
 */
import type { IdKind } from './domain/ids.js';
import type { Access } from './domain/roles.js';

/** The Lambda function that answers a route (names match `infra/handlers.ts`). */
export type RouteTarget = 'api' | 'twilioWebhook' | 'unsubscribe' | 'voiceCalls';

/**
 * Who may call a route.
 * - `public`: anybody (health, the unsubscribe page a prospect opens from an email).
 * - `signed`: a provider whose request the handler verifies (Twilio's X-Twilio-Signature).
 * - `viewer`: any signed-in user or the API key: reads.
 * - `editor`: a signed-in editor or the API key: every change of state.
 * `viewer` and `editor` routes go through the authorizer; the role is enforced by the API.
 */
export type RouteAccess = Access;

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RouteSpec {
  readonly target: RouteTarget;
  readonly access: RouteAccess;
  /** One line for people reading the API description. */
  readonly summary: string;
  /**
   * The kind of id each `{name}` of the path holds (rules in domain/ids.ts): the handler
   * refuses a malformed one with a 400 naming it, so no use case ever gets one.
   */
  readonly params?: Readonly<Record<string, IdKind>>;
}

const sequence = { id: 'sequenceId' } as const;
const prospect = { id: 'prospectId' } as const;
const enrollment = { id: 'enrollmentId' } as const;
const task = { id: 'taskId' } as const;
const inboxItem = { id: 'inboxItemId' } as const;
const importJob = { id: 'importId' } as const;

export const ROUTES = {
  'GET /health': { target: 'api', access: 'public', summary: 'Liveness check' },
  // Public: it describes the routes, it reveals no data (README "HTTP API").
  'GET /openapi.json': { target: 'api', access: 'public', summary: 'This API as an OpenAPI 3.1 document' },

  'GET /sequences': { target: 'api', access: 'viewer', summary: 'Sequences with their current version and steps' },
  'GET /sequences/{id}': { target: 'api', access: 'viewer', summary: 'One sequence at its current version', params: sequence },
  'PUT /sequences/{id}': { target: 'api', access: 'editor', summary: 'Publish a new version of a sequence', params: sequence },
  'POST /sequences/{id}/enrollments': { target: 'api', access: 'editor', summary: 'Enroll prospects (JSON or CSV)', params: sequence },
  'GET /sequences/{id}/stats': { target: 'api', access: 'viewer', summary: 'Counts by status, per step and per day; the funnel', params: sequence },
  'GET /sequences/{id}/enrollments': { target: 'api', access: 'viewer', summary: "A sequence's enrollments by status (in the order they took it), optionally one step", params: sequence },
  'GET /sequences/{id}/enrollments.csv': { target: 'api', access: 'viewer', summary: "A sequence's enrollments as CSV", params: sequence },
  'GET /sequences/{id}/versions': { target: 'api', access: 'viewer', summary: 'The published versions of a sequence', params: sequence },
  'GET /sequences/{id}/versions/{version}': {
    target: 'api',
    access: 'viewer',
    summary: 'One published version: definition and templates',
    params: { id: 'sequenceId', version: 'sequenceVersion' },
  },
  'POST /sequences/{id}/preview': { target: 'api', access: 'viewer', summary: 'A step rendered for a sample or a chosen prospect', params: sequence },
  'GET /prospects': { target: 'api', access: 'viewer', summary: 'Search prospects, or list those of a sequence' },
  'GET /prospects/{id}': { target: 'api', access: 'viewer', summary: 'A prospect, its enrollments and its timeline', params: prospect },
  'DELETE /prospects/{id}': { target: 'api', access: 'editor', summary: "Erase a prospect's personal data", params: prospect },
  'POST /prospects/{id}/consent': {
    target: 'api',
    access: 'editor',
    summary: 'Record a new, audited consent that lifts an opt-out or a reply block of one channel',
    params: prospect,
  },
  'POST /enrollments/{id}/stop': { target: 'api', access: 'editor', summary: 'Stop an enrollment', params: enrollment },
  'POST /enrollments/{id}/pause': { target: 'api', access: 'editor', summary: 'Pause an enrollment', params: enrollment },
  'POST /enrollments/{id}/resume': { target: 'api', access: 'editor', summary: 'Resume a paused enrollment', params: enrollment },
  'GET /inbox': { target: 'api', access: 'viewer', summary: 'Replies, opt-outs, bounces and auto-replies, newest first' },
  'GET /inbox.csv': { target: 'api', access: 'viewer', summary: 'The inbox as CSV' },
  'POST /inbox/{id}/handled': { target: 'api', access: 'editor', summary: 'Mark an inbox item handled, or not', params: inboxItem },

  'POST /prospects/{id}/events': { target: 'api', access: 'editor', summary: 'Record an outside event (meeting_booked…); sequences that exit on it convert', params: prospect },

  // The rep's work: tasks of call and task steps, outcomes, goals.
  'GET /tasks': { target: 'api', access: 'viewer', summary: 'Tasks by assignee and due time, with the rendered script' },
  'POST /tasks/{id}/outcome': { target: 'api', access: 'editor', summary: "Log a task's outcome (carries out the step's action)", params: task },
  // Its own function: it needs the Twilio REST client, which the API function must not load.
  'POST /tasks/{id}/call': { target: 'voiceCalls', access: 'editor', summary: "Click to call: ring the rep's phone, then bridge to the prospect", params: task },
  'GET /me': { target: 'api', access: 'viewer', summary: "The signed-in user's daily goal, done today and streak" },
  'PUT /me': { target: 'api', access: 'editor', summary: "Set the signed-in user's phone (click to call), daily goal and time zone" },
  'GET /team/progress': { target: 'api', access: 'viewer', summary: "Every user's done today, streak and daily goal" },
  'GET /webhooks/deliveries': { target: 'api', access: 'viewer', summary: 'Recent outbound webhook deliveries and failures' },
  // Lists of any size (README "Imports"): the CSV goes to the answered upload URL, not through the API.
  'POST /imports': { target: 'api', access: 'editor', summary: 'Start an import job: answers the URL to upload the CSV to' },
  'GET /imports/{id}': { target: 'api', access: 'viewer', summary: "An import job's status and progress", params: importJob },
  'GET /imports/{id}/results.csv': { target: 'api', access: 'viewer', summary: 'One result line per row of an import (paged with X-Next-Cursor)', params: importJob },
  'POST /imports/{id}/cancel': { target: 'api', access: 'editor', summary: 'Cancel an import job (what was enrolled stays)', params: importJob },
  'POST /maintenance/phone-holders': {
    target: 'api',
    access: 'editor',
    summary: 'One step of the phone holders backfill, for a table written before this version (repeat with the cursor until done)',
  },

  // Twilio signs these with the account's auth token; the handler verifies the signature.
  'POST /webhooks/twilio/sms': { target: 'twilioWebhook', access: 'signed', summary: 'Inbound SMS (STOP, START, HELP, replies)' },
  'POST /webhooks/twilio/status': { target: 'twilioWebhook', access: 'signed', summary: 'SMS delivery status callback' },
  'POST /webhooks/twilio/voice/twiml': { target: 'twilioWebhook', access: 'signed', summary: 'TwiML for click-to-call bridges and voicemail drops' },
  'POST /webhooks/twilio/voice/status': { target: 'twilioWebhook', access: 'signed', summary: 'Call status callback (duration, status, answered by)' },

  // Prospects follow a link from an email; the token is HMAC-signed, no login possible.
  'GET /unsubscribe/{token}': { target: 'unsubscribe', access: 'public', summary: 'Unsubscribe confirmation page', params: { token: 'unsubscribeToken' } },
  'POST /unsubscribe/{token}': { target: 'unsubscribe', access: 'public', summary: 'Unsubscribe (RFC 8058 one-click)', params: { token: 'unsubscribeToken' } },
} as const satisfies Record<`${RouteMethod} /${string}`, RouteSpec>;

export type RouteKey = keyof typeof ROUTES;

/** `'GET /a/{id}/b/{x}'` → `'id' | 'x'`. */
type PathParameterNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParameterNames<Rest> : never;
type DeclaredParams<K extends RouteKey> = (typeof ROUTES)[K] extends { params: infer P } ? keyof P : never;
/** Fails to compile when a route has a `{name}` in its path without a kind in `params`. */
const everyPathParameterHasAKind: { [K in RouteKey]: [PathParameterNames<K>] extends [DeclaredParams<K>] ? true : false } = Object.fromEntries(
  Object.keys(ROUTES).map((key) => [key, true]),
) as { [K in RouteKey]: true };
void everyPathParameterHasAKind;

/** The access a route demands (undefined for a route key not in the table). */
export function routeAccess(routeKey: string): RouteAccess | undefined {
  return Object.hasOwn(ROUTES, routeKey) ? (ROUTES as Record<string, RouteSpec>)[routeKey]?.access : undefined;
}

/** The kind of id a route's path parameter holds, from the table. */
export function pathParameterKind(routeKey: string, name: string): IdKind | undefined {
  if (!Object.hasOwn(ROUTES, routeKey)) return undefined;
  const params: Readonly<Record<string, IdKind>> | undefined = (ROUTES as Record<string, RouteSpec>)[routeKey]?.params;
  return params && Object.hasOwn(params, name) ? params[name] : undefined;
}

/** The route keys one function answers, e.g. `RouteKeyFor<'twilioWebhook'>`. */
export type RouteKeyFor<T extends RouteTarget> = {
  [K in RouteKey]: (typeof ROUTES)[K]['target'] extends T ? K : never;
}[RouteKey];

export interface RouteDefinition {
  /** API Gateway HTTP API route key, e.g. `GET /sequences/{id}`. */
  readonly routeKey: RouteKey;
  readonly method: RouteMethod;
  readonly path: string;
  readonly target: RouteTarget;
  readonly access: RouteAccess;
  readonly summary: string;
  /** The kind of id each `{name}` of the path holds. */
  readonly params?: Readonly<Record<string, IdKind>>;
  /** Goes through the authorizer (API key or a signed-in user's token). */
  readonly admin: boolean;
}

export function needsAuthorizer(access: RouteAccess): boolean {
  switch (access) {
    case 'public':
    case 'signed':
      return false;
    case 'viewer':
    case 'editor':
      return true;
  }
}

/** The table as a list, in declaration order. */
export const ROUTE_LIST: readonly RouteDefinition[] = (Object.keys(ROUTES) as RouteKey[]).map((routeKey) => {
  const [method, path] = routeKey.split(' ') as [RouteMethod, string];
  const spec: RouteSpec = ROUTES[routeKey];
  return { routeKey, method, path, ...spec, admin: needsAuthorizer(spec.access) };
});

/** The path of a route key: `pathOf('POST /webhooks/twilio/sms')` → `/webhooks/twilio/sms`. */
export function pathOf(routeKey: RouteKey): string {
  return routeKey.slice(routeKey.indexOf(' ') + 1);
}

/** Public URLs other systems are given (Twilio's console, unsubscribe links). */
export const TWILIO_SMS_WEBHOOK_PATH = pathOf('POST /webhooks/twilio/sms');
export const TWILIO_STATUS_WEBHOOK_PATH = pathOf('POST /webhooks/twilio/status');
export const TWILIO_VOICE_TWIML_PATH = pathOf('POST /webhooks/twilio/voice/twiml');
export const TWILIO_VOICE_STATUS_PATH = pathOf('POST /webhooks/twilio/voice/status');
export const UNSUBSCRIBE_BASE_PATH = pathOf('GET /unsubscribe/{token}').replace('{token}', '');
