/**
 * The embedded runtime's HTTP front door: every route of `functions/routes.ts` through the Lambda
 * handlers (admin routes through the Lambda authorizer first, as API Gateway does), plus
 * the development routes `/dev/outbox`, `/dev/clock` and `/dev/inbound/email`.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from 'aws-lambda';
import { z } from 'zod';
import { parseDuration, DurationFormatError, type VirtualClock } from '../adapters/virtual-clock.js';
import type { LocalTouchScheduler } from '../adapters/local-touch-scheduler.js';
import type { Logger } from '../ports.js';
import { ROUTE_LIST, type RouteTarget } from '../routes.js';
import { matchRoute, pathExists, readBody, toApiGatewayEvent, toAuthorizerEvent, writeJson, writeResult } from './api-gateway-bridge.js';
import type { Outbox } from './outbox.js';
import { renderOutboxPage } from './outbox-page.js';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalHandlers extends Partial<Record<RouteTarget, HttpHandler>> {
  authorizer: (event: APIGatewayRequestAuthorizerEventV2) => Promise<APIGatewaySimpleAuthorizerResult>;
  /** Raw MIME in, the same use case as SES inbound mail (absent until inbound mail is built). */
  inboundEmail?: (rawMime: Buffer) => Promise<{ statusCode: number; body: unknown }>;
}

export interface LocalServerOptions {
  handlers: LocalHandlers;
  clock: VirtualClock;
  scheduler: LocalTouchScheduler;
  outbox: Outbox;
  logger: Logger;
  /** API Gateway's payload limit is 10 MB. */
  maxBodyBytes?: number;
}

const clockBodySchema = z.object({ advance: z.string().min(1) });

export function createRequestListener(options: LocalServerOptions): RequestListener {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
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
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too_large') return writeJson(res, 413, { message: 'Request Entity Too Large' });

    if (path.startsWith('/dev/')) return handleDev(req, res, method, path, body);

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
    }
    const handler = options.handlers[match.route.target];
    if (!handler) return writeJson(res, 501, { error: `${match.route.routeKey} is not available in this build yet` });
    writeResult(res, await handler(event));
  }

  async function handleDev(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: Buffer): Promise<void> {
    if (path === '/dev/outbox' && method === 'GET') {
      const messages = options.outbox.list();
      if (prefersHtml(req)) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderOutboxPage(messages, options.clock.now()));
        return;
      }
      return writeJson(res, 200, { messages });
    }
    if (path === '/dev/clock' && method === 'GET') return writeJson(res, 200, { now: options.clock.now().toISOString() });
    if (path === '/dev/clock' && method === 'POST') {
      let ms: number;
      try {
        const parsed = clockBodySchema.safeParse(JSON.parse(body.toString('utf8') || '{}'));
        if (!parsed.success) return writeJson(res, 400, { error: 'expected {"advance": "2d"} (also "90m", "12h", "1w")' });
        ms = parseDuration(parsed.data.advance);
      } catch (error) {
        const message = error instanceof DurationFormatError ? error.message : 'body is not valid JSON; expected {"advance": "2d"}';
        return writeJson(res, 400, { error: message });
      }
      const target = new Date(options.clock.now().getTime() + ms);
      await options.scheduler.runUntil(target);
      options.clock.moveTo(target);
      return writeJson(res, 200, { now: options.clock.now().toISOString() });
    }
    if (path === '/dev/inbound/email' && method === 'POST') {
      if (!options.handlers.inboundEmail) {
        return writeJson(res, 501, { error: 'inbound email handling is not available in this build yet' });
      }
      const result = await options.handlers.inboundEmail(body);
      return writeJson(res, result.statusCode, result.body);
    }
    return writeJson(res, 404, { message: 'Not Found' });
  }
}

function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html');
}
