/**
 * Every HTTP route of DESIGN §6 and the function that serves it. Data only: the CDK stack
 * and the embedded runtime both read it, so a route cannot exist in one and not the other.
 */
export type RouteTarget = 'api' | 'twilioWebhook' | 'unsubscribe';

export interface RouteDefinition {
  /** API Gateway HTTP API route key, e.g. `GET /sequences/{id}`. */
  routeKey: string;
  target: RouteTarget;
  /** Admin routes need `Authorization: Bearer <api key>` (the Lambda authorizer). */
  admin: boolean;
}

export const ROUTES: readonly RouteDefinition[] = [
  { routeKey: 'GET /health', target: 'api', admin: false },
  { routeKey: 'GET /sequences', target: 'api', admin: true },
  { routeKey: 'GET /sequences/{id}', target: 'api', admin: true },
  { routeKey: 'PUT /sequences/{id}', target: 'api', admin: true },
  { routeKey: 'POST /sequences/{id}/enrollments', target: 'api', admin: true },
  { routeKey: 'GET /sequences/{id}/stats', target: 'api', admin: true },
  { routeKey: 'GET /prospects/{id}', target: 'api', admin: true },
  { routeKey: 'DELETE /prospects/{id}', target: 'api', admin: true },
  { routeKey: 'POST /enrollments/{id}/stop', target: 'api', admin: true },
  { routeKey: 'POST /enrollments/{id}/pause', target: 'api', admin: true },
  { routeKey: 'POST /enrollments/{id}/resume', target: 'api', admin: true },
  { routeKey: 'POST /webhooks/twilio/sms', target: 'twilioWebhook', admin: false },
  { routeKey: 'POST /webhooks/twilio/status', target: 'twilioWebhook', admin: false },
  { routeKey: 'GET /unsubscribe/{token}', target: 'unsubscribe', admin: false },
  { routeKey: 'POST /unsubscribe/{token}', target: 'unsubscribe', admin: false },
];
