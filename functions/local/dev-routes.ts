/**
 * The embedded runtime's development routes (`/dev/*`): the outbox, the virtual clock,
 * raw inbound mail and SES events for sent mail. They can read every address and forge
 * replies, so every request passes, in this order:
 *
 * 1. Host: only this server's own names (127.0.0.1:<port>, localhost:<port>, the host of
 *    FOLLOWUP_PUBLIC_URL). A DNS-rebinding page reaches 127.0.0.1 under its own name.
 * 2. Origin: absent (curl, a typed URL) or this server's own. Any other page is refused.
 * 3. The admin API key, checked by the same authorizer as the admin routes: as
 *    `Authorization: Bearer <key>`, or as the password of HTTP Basic auth so a browser can
 *    open `/dev/outbox` (it asks once; the user name is ignored).
 * 4. Content type: `application/json` (`message/rfc822` for `/dev/inbound/email`). A web
 *    page can send text/plain or form POSTs anywhere without a CORS preflight; not JSON.
 * 5. The body, validated: unknown fields and bad values are a 400 naming the field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { createDevUserRequest, type CreateDevUserRequest, type CreateDevUserResponse } from '../contract/auth.js';
import type { LocalTouchScheduler } from '../adapters/local-touch-scheduler.js';
import type { VirtualClock } from '../adapters/virtual-clock.js';
import { writeJson } from './api-gateway-bridge.js';
import { clockAdvanceTarget } from './clock-advance.js';
import { ownHosts } from './host-check.js';
import type { Outbox } from './outbox.js';
import { renderOutboxPage } from './outbox-page.js';
import { CALL_ANSWERS, CALL_RESULTS, UnknownCallError, type CallPlay, type CallPlayResult } from './call-player.js';

export const EMAIL_EVENT_TYPES = ['Bounce', 'Complaint', 'Delivery', 'Open', 'Click'] as const;

/** `POST /dev/email-events`: an SES event for a message the runtime sent. */
export const emailEventRequestSchema = z.strictObject({
  type: z.enum(EMAIL_EVENT_TYPES, { error: `type must be one of ${EMAIL_EVENT_TYPES.join(', ')}` }),
  messageId: z.string({ error: 'messageId: the providerMessageId of a sent email (see /dev/outbox)' }).min(1).max(256),
  bounceType: z.enum(['Permanent', 'Transient'], { error: 'bounceType must be Permanent or Transient' }).optional(),
  recipient: z.email({ error: 'recipient must be an email address' }).max(254).optional(),
});
export type EmailEventRequest = z.infer<typeof emailEventRequestSchema>;

/** `POST /dev/calls/{sid}`: play the callee's side of a placed call (local/call-player.ts). */
export const callPlayRequestSchema = z.strictObject({
  answeredBy: z.enum(CALL_ANSWERS, { error: `answeredBy must be ${CALL_ANSWERS.join(' or ')}` }).optional(),
  status: z.enum(CALL_RESULTS, { error: `status must be one of ${CALL_RESULTS.join(', ')}` }).optional(),
  durationSeconds: z.number({ error: 'durationSeconds must be a number of seconds' }).int().min(0).max(14_400).optional(),
});

const clockRequestSchema = z.strictObject({
  advance: z.union([z.string().max(100), z.number()], { error: 'advance is required, e.g. {"advance": "2d"} or "3 business days"' }),
});

/** `POST /dev/users`: a local user and a one-time sign-in link for it. */
export type CreateUser = (request: CreateDevUserRequest, origin: string) => Promise<CreateDevUserResponse>;

export interface DevRouteOptions {
  clock: VirtualClock;
  scheduler: LocalTouchScheduler;
  outbox: Outbox;
  /** The origins this server answers as (its own URL, localhost, the public URL). */
  ownOrigins: readonly string[];
  /** The admin routes' check of an `Authorization: Bearer <key>` header. */
  isAuthorized(bearer: string): Promise<boolean>;
  /** Raw MIME in, the same code as SES inbound mail. */
  inboundEmail?: (rawMime: Buffer) => Promise<{ statusCode: number; body: unknown }>;
  /** An SES event for a sent message, through the same code as the EventBridge handler. */
  emailEvent?: (request: EmailEventRequest) => Promise<{ statusCode: number; body: unknown }>;
  createUser?: CreateUser;
  /** Answers a placed call as a human or a machine, and sends its signed callbacks. */
  playCall?: (callSid: string, play: CallPlay) => Promise<CallPlayResult>;
}

type BodyKind = 'none' | 'json' | 'mime';
interface DevRoute {
  body: BodyKind;
  run(context: { req: IncomingMessage; res: ServerResponse; body: Buffer }): Promise<void>;
}

class DevRequestError extends Error {
  override name = 'DevRequestError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const BASIC_CHALLENGE = 'Basic realm="Followup dev routes: the password is the admin API key", charset="UTF-8"';

export function createDevRoutes(options: DevRouteOptions) {
  const own = ownHosts(options.ownOrigins);

  const routes: Record<string, DevRoute> = {
    'GET /dev/outbox': {
      body: 'none',
      run: async ({ req, res }) => {
        const messages = options.outbox.list();
        if ((req.headers.accept ?? '').includes('text/html')) {
          res
            .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-frame-options': 'DENY' })
            .end(renderOutboxPage(messages, options.clock.now()));
          return;
        }
        writeJson(res, 200, { messages });
      },
    },
    'GET /dev/clock': {
      body: 'none',
      run: async ({ res }) => writeJson(res, 200, { now: options.clock.now().toISOString() }),
    },
    'POST /dev/clock': {
      body: 'json',
      run: async ({ res, body }) => {
        const request = parseJson(body, clockRequestSchema);
        const target = clockAdvanceTarget(request.advance, options.clock.now());
        if ('error' in target) throw new DevRequestError(400, `advance: ${target.error}`, 'advance');
        await options.scheduler.runUntil(target.at);
        options.clock.moveTo(target.at);
        writeJson(res, 200, { now: options.clock.now().toISOString() });
      },
    },
    'POST /dev/inbound/email': {
      body: 'mime',
      run: async ({ res, body }) => {
        if (!options.inboundEmail) throw new DevRequestError(501, 'inbound email handling is not available in this build');
        const result = await options.inboundEmail(body);
        writeJson(res, result.statusCode, result.body);
      },
    },
    'POST /dev/users': {
      body: 'json',
      run: async ({ req, res, body }) => {
        const request = parseJson(body, createDevUserRequest);
        if (!options.createUser) throw new DevRequestError(501, 'local sign-in is not available in this build');
        writeJson(res, 201, await options.createUser(request, own.originOf(req) ?? [...own.origins][0] ?? ''));
      },
    },
    'POST /dev/email-events': {
      body: 'json',
      run: async ({ res, body }) => {
        const request = parseJson(body, emailEventRequestSchema);
        if (request.bounceType && request.type !== 'Bounce') {
          throw new DevRequestError(400, 'bounceType: only a Bounce has a bounce type', 'bounceType');
        }
        if (!options.emailEvent) throw new DevRequestError(501, 'email events are not available in this build');
        const result = await options.emailEvent(request);
        writeJson(res, result.statusCode, result.body);
      },
    },
  };

  return async function handleDev(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: Buffer): Promise<void> {
    try {
      checkHost(req);
      checkOrigin(req);
      await checkKey(req);
      const callSid = /^\/dev\/calls\/([A-Za-z0-9]{2,64})$/.exec(path)?.[1];
      const route = callSid ? callRoute(callSid) : routes[`${method} ${path}`];
      if (callSid && method !== 'POST') throw new DevRequestError(405, 'Method Not Allowed');
      if (!route) {
        const known = Object.keys(routes).some((key) => key.endsWith(` ${path}`));
        throw new DevRequestError(known ? 405 : 404, known ? 'Method Not Allowed' : 'Not Found');
      }
      checkContentType(req, route.body);
      await route.run({ req, res, body });
    } catch (error) {
      if (!(error instanceof DevRequestError)) throw error;
      const headers = error.status === 401 ? { 'www-authenticate': BASIC_CHALLENGE } : {};
      res
        .writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        .end(JSON.stringify({ error: error.message, ...(error.field ? { field: error.field } : {}) }));
    }
  };

  function callRoute(callSid: string): DevRoute {
    return {
      body: 'json',
      run: async ({ res, body }) => {
        const request = parseJson(body, callPlayRequestSchema);
        if (!options.playCall) throw new DevRequestError(501, 'calls are not available in this build');
        if (request.answeredBy && request.status && request.status !== 'completed') {
          throw new DevRequestError(400, 'answeredBy: only an answered call (status completed) has one', 'answeredBy');
        }
        try {
          writeJson(res, 200, await options.playCall(callSid, request));
        } catch (error) {
          if (error instanceof UnknownCallError) throw new DevRequestError(404, error.message, 'sid');
          throw error;
        }
      },
    };
  }

  function checkHost(req: IncomingMessage): void {
    if (!own.hostOf(req)) {
      const host = (req.headers.host ?? '').trim().toLowerCase();
      throw new DevRequestError(403, `the dev routes answer only to ${[...own.hosts].join(', ')}; Host was ${JSON.stringify(host.slice(0, 100))}`, 'host');
    }
  }

  function checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!own.origins.has(origin.trim().toLowerCase())) {
      throw new DevRequestError(403, `cross-origin requests to the dev routes are refused (Origin ${JSON.stringify(origin.slice(0, 100))})`, 'origin');
    }
  }

  async function checkKey(req: IncomingMessage): Promise<void> {
    const key = apiKeyOf(req.headers.authorization);
    if (key === undefined) {
      throw new DevRequestError(401, 'the dev routes need the admin API key: Authorization: Bearer <key> (or the key as the Basic auth password in a browser)');
    }
    if (!(await options.isAuthorized(`Bearer ${key}`))) throw new DevRequestError(403, 'Forbidden');
  }
}

function checkContentType(req: IncomingMessage, kind: BodyKind): void {
  if (kind === 'none') return;
  const wanted = kind === 'json' ? 'application/json' : 'message/rfc822';
  const given = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (given !== wanted) {
    throw new DevRequestError(415, `content-type must be ${wanted}${given ? `, not ${given.slice(0, 100)}` : ''}`, 'content-type');
  }
}

/** The key from `Bearer <key>` or from the password of `Basic base64(user:key)`. */
function apiKeyOf(authorization: string | undefined): string | undefined {
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[2]) return undefined;
  if (match[1]?.toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

function parseJson<T extends z.core.$ZodType>(body: Buffer, schema: T): z.core.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DevRequestError(400, `body is not valid JSON: ${(error as Error).message}`, 'body');
  }
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? 'body';
    throw new DevRequestError(400, `unknown field "${field.slice(0, 100)}"`, field);
  }
  const field = typeof issue?.path[0] === 'string' ? issue.path[0] : 'body';
  const message = field === 'body' ? 'body must be a JSON object' : (issue?.message ?? 'invalid');
  throw new DevRequestError(400, message.startsWith(field) ? message : `${field}: ${message}`, field);
}
