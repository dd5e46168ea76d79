/**
 * Every HTTP route, as data: the ONE table the CDK stack (API Gateway routes), the
 * embedded runtime (its HTTP front door) and the handlers read. Each handler keeps a
 * map from its route keys to functions typed with `RouteKeyFor<…>`, so adding a route
 * here without a handler for it (or a handler for a route that is not here) fails to
 * compile. Data only: importing this file must not pull in aws-cdk-lib or a handler.
 */

/** The Lambda function that answers a route (names match `infra/handlers.ts`). */
export type RouteTarget = 'api' | 'twilioWebhook' | 'unsubscribe';

/**
 * Who may call a route.
 * - `public`: anybody (health, the unsubscribe page a prospect opens from an email).
 * - `signed`: a provider whose request the handler verifies (Twilio's X-Twilio-Signature).
 * - `viewer`: any signed-in user or the API key: reads.
 * - `editor`: a signed-in editor or the API key: every change of state.
 * `viewer` and `editor` routes go through the authorizer; the role is enforced by the API.
 */
export type RouteAccess = 'public' | 'signed' | 'viewer' | 'editor';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface RouteSpec {
  readonly target: RouteTarget;
  readonly access: RouteAccess;
  /** One line for people reading the API description. */
  readonly summary: string;
}

export const ROUTES = {
  'GET /health': { target: 'api', access: 'public', summary: 'Liveness check' },

  'GET /sequences': { target: 'api', access: 'viewer', summary: 'Sequences with their current version and steps' },
  'GET /sequences/{id}': { target: 'api', access: 'viewer', summary: 'One sequence at its current version' },
  'PUT /sequences/{id}': { target: 'api', access: 'editor', summary: 'Publish a new version of a sequence' },
  'POST /sequences/{id}/enrollments': { target: 'api', access: 'editor', summary: 'Enroll prospects (JSON or CSV)' },
  'GET /sequences/{id}/stats': { target: 'api', access: 'viewer', summary: 'Counts by status and per step' },
  'GET /prospects/{id}': { target: 'api', access: 'viewer', summary: 'A prospect, its enrollments and its timeline' },
  'DELETE /prospects/{id}': { target: 'api', access: 'editor', summary: "Erase a prospect's personal data" },
  'POST /enrollments/{id}/stop': { target: 'api', access: 'editor', summary: 'Stop an enrollment' },
  'POST /enrollments/{id}/pause': { target: 'api', access: 'editor', summary: 'Pause an enrollment' },
  'POST /enrollments/{id}/resume': { target: 'api', access: 'editor', summary: 'Resume a paused enrollment' },

  // Twilio signs these with the account's auth token; the handler verifies the signature.
  'POST /webhooks/twilio/sms': { target: 'twilioWebhook', access: 'signed', summary: 'Inbound SMS (STOP, START, HELP, replies)' },
  'POST /webhooks/twilio/status': { target: 'twilioWebhook', access: 'signed', summary: 'SMS delivery status callback' },

  // Prospects follow a link from an email; the token is HMAC-signed, no login possible.
  'GET /unsubscribe/{token}': { target: 'unsubscribe', access: 'public', summary: 'Unsubscribe confirmation page' },
  'POST /unsubscribe/{token}': { target: 'unsubscribe', access: 'public', summary: 'Unsubscribe (RFC 8058 one-click)' },
} as const satisfies Record<`${RouteMethod} /${string}`, RouteSpec>;

export type RouteKey = keyof typeof ROUTES;

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
export const UNSUBSCRIBE_BASE_PATH = pathOf('GET /unsubscribe/{token}').replace('{token}', '');
