/**
 * HTTP plumbing shared by the API Gateway handlers (and, through them, the embedded
 * runtime): responses, body decoding, and the error → status mapping middleware.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../../zod.js';
import {
  ConsentRefusedError,
  EnrollmentNotFoundError,
  EnrollmentStateError,
  InputError,
  ImportNotFoundError,
  ImportStateError,
  InboxItemNotFoundError,
  ProspectNotFoundError,
  ProviderUnavailableError,
  SequenceNotFoundError,
  SequenceVersionNotFoundError,
  TaskNotFoundError,
} from '../../use-cases/context.js';
import { OutcomeInputError } from '../../domain/task-outcome.js';
import { InvalidCursorError, InvalidQueryError } from '../../domain/page.js';
import type { Logger } from '../../ports.js';
import { ID_RULES, isValidId, quoteForMessage } from '../../domain/ids.js';
import { pathParameterKind } from '../../routes.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A user mistake with the status to answer; never a 500. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
    /** The parameter or field at fault, answered as `field`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function html(statusCode: number, body: string): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'x-frame-options': 'DENY',
    },
    body,
  };
}

export function xml(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/xml; charset=utf-8' }, body };
}

/** The raw body as text, whether API Gateway base64-encoded it or not. */
export function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The raw body as bytes (the enrollment route decides the charset itself). */
export function bodyBytes(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function bodySize(event: HttpEvent): number {
  if (!event.body) return 0;
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
}

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function parseJsonBody(event: HttpEvent): unknown {
  const text = bodyText(event);
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A path parameter, decoded and checked against the kind of id the route table gives it
 * (functions/routes.ts, rules in domain/ids.ts): the one place ids from paths are
 * validated, so no use case or store ever sees one DynamoDB could not take as a key.
 */
export function pathParameter(event: HttpEvent, name: string): string {
  const checked = checkPathParameter(event, name);
  if (!checked.ok) throw new HttpError(400, `path parameter "${name}": ${checked.problem}`, undefined, name);
  return checked.value;
}

/** `pathParameter` without the throw, for handlers that answer a bad id their own way. */
export function checkPathParameter(event: HttpEvent, name: string): { ok: true; value: string } | { ok: false; problem: string } {
  const raw = event.pathParameters?.[name];
  if (!raw) return { ok: false, problem: 'missing' };
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return { ok: false, problem: 'not valid percent-encoding' };
  }
  const kind = pathParameterKind(event.routeKey, name);
  // A route without a declared kind cannot compile (routes.ts), so this is a wiring mistake.
  if (!kind) return { ok: false, problem: `route ${event.routeKey} declares no kind for it` };
  if (!isValidId(kind, value)) return { ok: false, problem: `${quoteForMessage(value)} is not ${ID_RULES[kind].expected}` };
  return { ok: true, value };
}

/**
 * The function a handler's route map has for this event's route. API Gateway only sends
 * routes of the table, so a miss is a wiring mistake; it still answers 404, not 500.
 */
export function routeFor<T>(routes: Readonly<Record<string, T>>, event: HttpEvent): T {
  const handler = Object.hasOwn(routes, event.routeKey) ? routes[event.routeKey] : undefined;
  if (handler === undefined) throw new HttpError(404, `no route ${event.routeKey}`);
  return handler;
}

/**
 * The query string parsed by a contract schema (functions/contract): a bad value is a 400
 * naming the parameter (`field`), never a 500.
 */
export function parseQuery<T extends z.ZodMiniType>(schema: T, event: HttpEvent): z.infer<T> {
  const parsed = z.safeParse(schema, event.queryStringParameters ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = typeof issue?.path[0] === 'string' ? issue.path[0] : 'query';
  const message = issue?.message ?? 'invalid';
  throw new HttpError(400, message.startsWith(field) ? message : `${field}: ${message}`, undefined, field);
}

/** A JSON body parsed by a contract schema: a bad field is a 400 naming it. */
export function parseBody<T extends z.ZodMiniType>(schema: T, event: HttpEvent): z.infer<T> {
  const parsed = z.safeParse(schema, parseJsonBody(event));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? 'body';
    throw new HttpError(400, `unknown field "${field.slice(0, 100)}"`, undefined, field);
  }
  const field = issue?.path.map(String).join('.') || 'body';
  const message = issue?.message ?? 'invalid';
  throw new HttpError(400, message.startsWith(field) ? message : `${field}: ${message}`, undefined, field);
}

/** Readable zod issues: `prospects.3.email: Invalid email address`. */
export function describeZodError(error: z.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/** Maps known errors to statuses; anything else is a 500 with no internals in the body. */
export function toErrorResponse(error: unknown, logger: Logger): HttpResult {
  if (error instanceof HttpError) {
    return json(error.statusCode, {
      error: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(error.details ? { details: error.details } : {}),
    });
  }
  if (error instanceof z.$ZodError) return json(400, { error: describeZodError(error) });
  if (error instanceof InputError || error instanceof OutcomeInputError || error instanceof InvalidCursorError || error instanceof InvalidQueryError) {
    return json(400, { error: error.message, field: error.field });
  }
  if (
    error instanceof SequenceNotFoundError ||
    error instanceof SequenceVersionNotFoundError ||
    error instanceof EnrollmentNotFoundError ||
    error instanceof ProspectNotFoundError ||
    error instanceof TaskNotFoundError ||
    error instanceof InboxItemNotFoundError ||
    error instanceof ImportNotFoundError
  ) {
    return json(404, { error: error.message });
  }
  if (error instanceof EnrollmentStateError || error instanceof ImportStateError) return json(409, { error: error.message });
  if (error instanceof ProviderUnavailableError) return json(503, { error: error.message }, { 'retry-after': '5' });
  if (error instanceof ConsentRefusedError) return json(409, { error: error.message, field: error.field });
  logger.error('unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return json(500, { error: 'internal error' });
}

/** middy middleware: turn thrown errors into HTTP responses (middleware first, handler last). */
export function httpErrors(logger: Logger): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      request.response = toErrorResponse(request.error, logger);
    },
  };
}
