/**
 * The embedded runtime's HTTP front door: every route of `functions/routes.ts` through the Lambda
 * handlers (admin routes through the Lambda authorizer first, as API Gateway does, and its
 * answer passed on as `requestContext.authorizer.lambda`), the development routes (`/dev/*`,
 * guarded and answered in dev-routes.ts), the local sign-in endpoints (`/auth/*`,
 * `/.well-known/jwks.json`: oauth-provider.ts) and the console (`/console/`:
 * console-assets.ts). Those last two are public but answer only to this server's own names.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from 'aws-lambda';
import type { VirtualClock } from '../adapters/virtual-clock.js';
import type { LocalTouchScheduler } from '../adapters/local-touch-scheduler.js';
import type { Logger } from '../ports.js';
import type { PrincipalContext } from '../contract/auth.js';
import { ROUTE_LIST, type RouteTarget } from '../routes.js';
import { matchRoute, pathExists, readBody, toApiGatewayEvent, toAuthorizerEvent, writeJson, writeResult } from './api-gateway-bridge.js';
import { createDevRoutes, type CreateUser, type EmailEventRequest } from './dev-routes.js';
import { ownHosts } from './host-check.js';
import type { LocalOAuthProvider } from './oauth-provider.js';
import type { Outbox } from './outbox.js';
import type { CallPlay, CallPlayResult } from './call-player.js';
import { UPLOAD_PATH } from './imports.js';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalHandlers extends Partial<Record<RouteTarget, HttpHandler>> {
  authorizer: (event: APIGatewayRequestAuthorizerEventV2) => Promise<APIGatewaySimpleAuthorizerResult & { context?: PrincipalContext | Record<string, never> }>;
  /** Raw MIME in, the same use case as SES inbound mail. */
  inboundEmail?: (rawMime: Buffer) => Promise<{ statusCode: number; body: unknown }>;
  /** An SES event for a sent message, through the EventBridge handler's code. */
  emailEvent?: (request: EmailEventRequest) => Promise<{ statusCode: number; body: unknown }>;
  /** Plays the callee's side of a placed call (`POST /dev/calls/{sid}`). */
  playCall?: (callSid: string, play: CallPlay) => Promise<CallPlayResult>;
}

export interface LocalServerOptions {
  handlers: LocalHandlers;
  clock: VirtualClock;
  scheduler: LocalTouchScheduler;
  outbox: Outbox;
  logger: Logger;
  /** The origins this server answers as: its URL, `http://localhost:<port>`, the public URL. */
  ownOrigins: readonly string[];
  /** API Gateway's payload limit is 10 MB. */
  maxBodyBytes?: number;
  /** The local sign-in endpoints; without it only the API key works. */
  oauth?: LocalOAuthProvider;
  /** `POST /dev/users`. */
  createUser?: CreateUser;
  /** `/console/` and `/console/config.json`. */
  serveConsole?: (req: IncomingMessage, res: ServerResponse, path: string, origin: string) => Promise<boolean>;
  /** `PUT /uploads/…`: an import job's file (local/imports.ts), streamed, so read before any body is buffered. */
  upload?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export function createRequestListener(options: LocalServerOptions): RequestListener {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const own = ownHosts(options.ownOrigins);
  const handleDev = createDevRoutes({
    clock: options.clock,
    scheduler: options.scheduler,
    outbox: options.outbox,
    ownOrigins: options.ownOrigins,
    // The admin routes' authorizer, and only the API key: a signed-in user (even an
    // editor) cannot read the outbox, forge replies or move the clock.
    isAuthorized: async (authorization) => {
      const decision = await options.handlers.authorizer(bearerAuthorizerEvent(authorization));
      return decision.isAuthorized && decision.context?.principal === 'apiKey';
    },
    ...(options.createUser ? { createUser: options.createUser } : {}),
    ...(options.handlers.inboundEmail ? { inboundEmail: options.handlers.inboundEmail } : {}),
    ...(options.handlers.emailEvent ? { emailEvent: options.handlers.emailEvent } : {}),
    ...(options.handlers.playCall ? { playCall: options.handlers.playCall } : {}),
  });
  return (req, res) => {
    handle(req, res).catch((error) => {
      options.logger.error('local request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) writeJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // The engine's time is the virtual clock's: a client that counts "the last day" from
    // the server's Date (the CLI's `inbox --since 1d`) then means the same day the data has.
    res.setHeader('date', options.clock.now().toUTCString());
    // An import's file may be any size: it streams to the object store, never through readBody.
    if (options.upload && path.startsWith(UPLOAD_PATH)) return options.upload(req, res);
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too_large') return writeJson(res, 413, { message: 'Request Entity Too Large' });

    if (path.startsWith('/dev/')) return handleDev(req, res, method, path, body);
    if (path.startsWith('/auth/') || path.startsWith('/.well-known/') || path === '/console' || path.startsWith('/console/')) {
      const origin = own.originOf(req);
      if (!origin) return writeJson(res, 403, { error: `answers only to ${[...own.hosts].join(', ')}`, field: 'host' });
      if (options.oauth && (await options.oauth.handle(req, res, path, body, own.origins))) return;
      if (options.serveConsole && (await options.serveConsole(req, res, path, origin))) return;
      return writeJson(res, 404, { message: 'Not Found' });
    }

    const match = matchRoute(ROUTE_LIST, method, path);
    if (!match) {
      return pathExists(ROUTE_LIST, path) ? writeJson(res, 405, { message: 'Method Not Allowed' }) : writeJson(res, 404, { message: 'Not Found' });
    }
    const event = toApiGatewayEvent(req, body, match);
    if (match.route.admin) {
      // As API Gateway: no identity source → 401 without calling the authorizer; a denial → 403.
      if (!event.headers.authorization) return writeJson(res, 401, { message: 'Unauthorized' });
      const decision = await options.handlers.authorizer(toAuthorizerEvent(event));
      if (!decision.isAuthorized) return writeJson(res, 403, { message: 'Forbidden' });
      // As API Gateway: the authorizer's context reaches the function.
      Object.assign(event.requestContext, { authorizer: { lambda: decision.context ?? {} } });
    }
    const handler = options.handlers[match.route.target];
    if (!handler) return writeJson(res, 501, { error: `${match.route.routeKey} is not available in this build yet` });
    writeResult(res, await handler(event));
  }
}

/** What the authorizer reads of a request: its Authorization header. */
function bearerAuthorizerEvent(authorization: string): APIGatewayRequestAuthorizerEventV2 {
  return { headers: { authorization }, identitySource: [authorization] } as unknown as APIGatewayRequestAuthorizerEventV2;
}
