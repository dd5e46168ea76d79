/**
 * The HTTP routes of DESIGN §6 and which function answers each, as data. The
 * construct turns them into API Gateway routes; the tests check them one by one.
 */
import type { HandlerName } from './handlers.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  readonly method: RouteMethod;
  readonly path: string;
  readonly handler: HandlerName;
  /** Admin routes need `Authorization: Bearer <api key>` (Lambda authorizer). */
  readonly admin: boolean;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/health', handler: 'api', admin: false },

  { method: 'GET', path: '/sequences', handler: 'api', admin: true },
  { method: 'GET', path: '/sequences/{id}', handler: 'api', admin: true },
  { method: 'PUT', path: '/sequences/{id}', handler: 'api', admin: true },
  { method: 'POST', path: '/sequences/{id}/enrollments', handler: 'api', admin: true },
  { method: 'GET', path: '/sequences/{id}/stats', handler: 'api', admin: true },
  { method: 'GET', path: '/prospects/{id}', handler: 'api', admin: true },
  { method: 'DELETE', path: '/prospects/{id}', handler: 'api', admin: true },
  { method: 'POST', path: '/enrollments/{id}/stop', handler: 'api', admin: true },
  { method: 'POST', path: '/enrollments/{id}/pause', handler: 'api', admin: true },
  { method: 'POST', path: '/enrollments/{id}/resume', handler: 'api', admin: true },

  // Twilio signs these with the account's auth token; the handler verifies the signature.
  { method: 'POST', path: '/webhooks/twilio/sms', handler: 'twilioWebhook', admin: false },
  { method: 'POST', path: '/webhooks/twilio/status', handler: 'twilioWebhook', admin: false },

  // Prospects follow a link from an email; the token is HMAC-signed, no login possible.
  { method: 'GET', path: '/unsubscribe/{token}', handler: 'unsubscribe', admin: false },
  { method: 'POST', path: '/unsubscribe/{token}', handler: 'unsubscribe', admin: false },
];

export const TWILIO_SMS_WEBHOOK_PATH = '/webhooks/twilio/sms';
export const TWILIO_STATUS_WEBHOOK_PATH = '/webhooks/twilio/status';
export const UNSUBSCRIBE_BASE_PATH = '/unsubscribe/';
