/**
 * Per-route throttling of the HTTP API, as data. Each route gets its own token bucket
 * (stage `RouteSettings`), so a flood on one route is answered 429 on that route alone:
 * `/unsubscribe/*` links shared on a forum cannot starve the Twilio webhooks, which
 * Twilio does not retry, nor the admin API.
 *
 * Sizes by who calls (functions/routes.ts `access`): Twilio calls back two or three
 * times per SMS at the sender's rate; prospects open unsubscribe links one by one;
 * operators and their scripts use the admin routes; an enrollment request carries up to
 * 5 MB and runs for seconds, so few run at once.
 */
import { ROUTE_LIST, type RouteAccess, type RouteKey } from '../functions/routes.js';

export interface RouteThrottle {
  /** Steady requests per second. */
  readonly rateLimit?: number;
  /** Requests above the rate a short burst may add. */
  readonly burstLimit?: number;
}

export const THROTTLE_BY_ACCESS = {
  signed: { rateLimit: 50, burstLimit: 100 },
  public: { rateLimit: 20, burstLimit: 40 },
  viewer: { rateLimit: 25, burstLimit: 50 },
  editor: { rateLimit: 10, burstLimit: 20 },
} as const satisfies Record<RouteAccess, RouteThrottle>;

/** Routes whose callers or cost differ from their access class. */
export const THROTTLE_OVERRIDES = {
  // A probe: a few per second is plenty, and it must not eat into the pages' budget.
  'GET /health': { rateLimit: 5, burstLimit: 10 },
  // Read by tools now and then (generators, the CLI's authors), and ~100 KB each time.
  'GET /openapi.json': { rateLimit: 2, burstLimit: 5 },
  // Each call parses and writes up to 5 MB of rows.
  'POST /sequences/{id}/enrollments': { rateLimit: 2, burstLimit: 5 },
} as const satisfies Partial<Record<RouteKey, RouteThrottle>>;

export const ROUTE_THROTTLE_DEFAULTS: Readonly<Record<RouteKey, RouteThrottle>> = Object.fromEntries(
  ROUTE_LIST.map((route) => [
    route.routeKey,
    (THROTTLE_OVERRIDES as Partial<Record<RouteKey, RouteThrottle>>)[route.routeKey] ?? THROTTLE_BY_ACCESS[route.access],
  ]),
) as Record<RouteKey, RouteThrottle>;
