/**
 * Twilio's webhooks (API Gateway HTTP API): `POST /webhooks/twilio/sms` (inbound SMS:
 * STOP, START, HELP, replies), `POST /webhooks/twilio/status` (delivery status of the
 * SMS touches we sent), and Twilio Voice's `POST /webhooks/twilio/voice/twiml` (what a
 * call does once answered: bridge a rep to a prospect, leave a voicemail) and
 * `POST /webhooks/twilio/voice/status` (call progress). One code path for all four: the
 * same body cap, the same signature check, before anything else.
 *
 * Every request must carry a valid `X-Twilio-Signature`: HMAC-SHA1 with the account's
 * auth token over the URL Twilio called plus the sorted form parameters. The URL is
 * rebuilt from the CONFIGURED public base URL (FOLLOWUP_PUBLIC_URL) and the raw path and
 * query — behind API Gateway or a custom domain, the Host the Lambda sees is not the one
 * Twilio signed. Status callbacks may also come through the function's own URL (see
 * FUNCTION_URL_ROUTES): there the host is the URL's own, which is what Twilio signed. A
 * missing or wrong signature answers 403 and changes nothing.
 *
 * Bodies over 64 KB answer 413 before anything is parsed; the rest is parsed in one
 * linear pass (handlers/shared/form-body.ts), then the signature is checked.
 *
 * Only Twilio's small webhook module is loaded (node:crypto, url, querystring), not the
 * REST client, so this function stays small.
 */
import middy from '@middy/core';
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import * as z from '../zod.js';
import { ID_RULES, isValidId } from '../domain/ids.js';
import { handleSmsInbound, type InboundContext } from '../use-cases/handle-sms-inbound.js';
import { recordSmsStatus } from '../use-cases/record-sms-status.js';
import type { VoicemailRenderer } from '../use-cases/voice-calls.js';
import { awsContext, getConfig, twilioCredentials } from './shared/aws-context.js';
import { bodySize, bodyText, header, HttpError, httpErrors, routeFor, xml, type HttpEvent, type HttpResult } from './shared/http.js';
import { MAX_FORM_BODY_BYTES, parseFormBody } from './shared/form-body.js';
import type { RouteKeyFor } from '../routes.js';
import { logger } from './shared/logger.js';
import { CORRELATION_QUERY_PARAMETER } from './shared/correlation.js';
import { noMetrics, smsInboundMetrics, type MetricsRecorder } from './shared/metrics.js';
import { httpRequestId, observedHandler } from './shared/observability.js';
import type { Logger } from '../ports.js';

export interface TwilioWebhookOptions {
  context: () => Promise<InboundContext>;
  /** The account's auth token (Secrets Manager in AWS, the local stub's token locally). */
  authToken: () => Promise<string>;
  /** The public base URL Twilio was given (FOLLOWUP_PUBLIC_URL). */
  publicUrl: () => string;
  /** Where replies and opt-outs are counted. */
  metrics?: MetricsRecorder;
}

/**
 * Every parameter is bounded: a value over these limits is no Twilio request we asked for,
 * and ids among them become store keys (DynamoDB: partition key ≤ 2,048 bytes).
 */
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const sid = z.string().check(z.refine((value) => isValidId('providerSid', value), { error: ID_RULES.providerSid.expected }));
/** E.164, a short code, an alphanumeric sender or `whatsapp:+1…`. */
const ADDRESS_MAX = 64;

const inboundSmsSchema = z.object({
  MessageSid: sid,
  From: text(ADDRESS_MAX),
  To: z._default(z.string().check(z.maxLength(ADDRESS_MAX)), ''),
  Body: z._default(z.string(), ''),
  OptOutType: z.optional(z.string().check(z.maxLength(32))),
});

const statusSchema = z.object({
  MessageSid: sid,
  MessageStatus: text(32),
  ErrorCode: z.optional(z.string().check(z.maxLength(16))),
  To: z.optional(z.string().check(z.maxLength(ADDRESS_MAX))),
});

const callSchema = z.object({
  CallSid: sid,
  CallStatus: z._default(z.string().check(z.maxLength(32)), ''),
  AnsweredBy: z.optional(z.string().check(z.maxLength(32))),
  CallDuration: z.optional(z.coerce.number().check(z.int(), z.nonnegative(), z.lte(86_400))),
  /** RFC 2822, on status callbacks. */
  Timestamp: z.optional(z.string().check(z.maxLength(64))),
});

const taskIdentity = z.string().check(z.refine((value) => isValidId('taskId', value), { error: ID_RULES.taskId.expected }));

/** What a voice request is about (call-urls.ts builds these queries). */
const voiceQuerySchema = z.union([
  z.object({ k: z.literal('bridge'), t: taskIdentity, leg: z.optional(z.enum(['rep', 'prospect'])) }),
  z.object({ k: z.literal('notice'), t: taskIdentity }),
  z.object({
    k: z.literal('vm'),
    e: z.string().check(z.refine((value) => isValidId('enrollmentId', value), { error: ID_RULES.enrollmentId.expected })),
    r: z.coerce.number().check(z.int(), z.positive(), z.lte(1_000_000)),
    s: z.coerce.number().check(z.int(), z.nonnegative(), z.lte(1_000)),
  }),
]);

/** The touch identity we put into the callback URL (`?e=<enrollmentId>&r=<run>&s=<stepIndex>`). */
const statusQuerySchema = z.object({
  e: z.string().check(z.refine((value) => isValidId('enrollmentId', value), { error: ID_RULES.enrollmentId.expected })),
  r: z.coerce.number().check(z.int(), z.positive(), z.lte(1_000_000)),
  s: z.coerce.number().check(z.int(), z.nonnegative(), z.lte(1_000)),
});

type Params = Record<string, string | string[]>;
type TwilioRoute = (ctx: InboundContext, event: HttpEvent, params: Params, metrics: MetricsRecorder) => Promise<HttpResult>;

/** One function per route of `ROUTES` answered by this Lambda: a route missing here fails to compile. */
const TWILIO_ROUTES: Record<RouteKeyFor<'twilioWebhook'>, TwilioRoute> = {
  'POST /webhooks/twilio/sms': async (ctx, _event, params, metrics) => {
    const parsed = inboundSmsSchema.safeParse(single(params));
    if (!parsed.success) throw parameterError(parsed.error, 'expected Twilio inbound message parameters (MessageSid, From, Body)');
    const result = await handleSmsInbound(ctx, {
      from: parsed.data.From,
      to: parsed.data.To,
      body: parsed.data.Body,
      messageSid: parsed.data.MessageSid,
      ...(parsed.data.OptOutType ? { optOutType: parsed.data.OptOutType } : {}),
    });
    metrics.record(smsInboundMetrics(result));
    return twiml(result.answer);
  },
  'POST /webhooks/twilio/status': async (ctx, event, params) => {
    const parsed = statusSchema.safeParse(single(params));
    if (!parsed.success) throw parameterError(parsed.error, 'expected Twilio status callback parameters (MessageSid, MessageStatus)');
    const identity = queryParams(event);
    if (!['e', 'r', 's'].some((name) => Object.hasOwn(identity, name))) {
      // Not one of our touch callbacks (a callback URL set by hand): acknowledged, nothing to record.
      ctx.logger.info('SMS status callback without touch identity', { messageSid: parsed.data.MessageSid });
      return twiml(undefined);
    }
    const query = statusQuerySchema.safeParse(identity);
    if (!query.success) throw parameterError(query.error, 'expected the touch identity e, r and s in the callback URL', 'query parameter');
    await recordSmsStatus(ctx, {
      enrollmentId: query.data.e,
      run: query.data.r,
      stepIndex: query.data.s,
      messageSid: parsed.data.MessageSid,
      status: parsed.data.MessageStatus,
      ...(parsed.data.ErrorCode ? { errorCode: parsed.data.ErrorCode } : {}),
      ...(parsed.data.To ? { to: parsed.data.To } : {}),
    });
    return twiml(undefined);
  },
  'POST /webhooks/twilio/voice/twiml': async (ctx, event, params) => {
    const call = callSchema.safeParse(single(params));
    if (!call.success) throw parameterError(call.error, 'expected Twilio voice parameters (CallSid)');
    const query = voiceQuery(event);
    const { voiceTwiml } = await import('../use-cases/voice-calls.js');
    const request =
      query.k === 'vm'
        ? { kind: 'vm' as const, enrollmentId: query.e, run: query.r, stepIndex: query.s, callSid: call.data.CallSid, ...(call.data.AnsweredBy ? { answeredBy: call.data.AnsweredBy } : {}) }
        : query.k === 'bridge'
          ? { kind: 'bridge' as const, taskId: query.t, callSid: call.data.CallSid }
          : { kind: 'notice' as const, taskId: query.t };
    const answer = await voiceTwiml(ctx, request, renderVoicemailMessage);
    ctx.logger.info('voice TwiML answered', { callSid: call.data.CallSid, kind: query.k, outcome: answer.outcome });
    return xml(200, answer.twiml);
  },
  'POST /webhooks/twilio/voice/status': async (ctx, event, params) => {
    const call = callSchema.safeParse(single(params));
    if (!call.success) throw parameterError(call.error, 'expected Twilio call status parameters (CallSid, CallStatus)');
    const query = voiceQuery(event);
    if (query.k === 'notice') return twiml(undefined);
    const { recordCallStatus } = await import('../use-cases/voice-calls.js');
    const at = call.data.Timestamp ? new Date(call.data.Timestamp) : undefined;
    const common = {
      callSid: call.data.CallSid,
      status: call.data.CallStatus,
      ...(call.data.CallDuration !== undefined ? { durationSeconds: call.data.CallDuration } : {}),
      ...(at && !Number.isNaN(at.getTime()) ? { at: at.toISOString() } : {}),
    };
    const outcome = await recordCallStatus(
      ctx,
      query.k === 'vm'
        ? { kind: 'vm', enrollmentId: query.e, run: query.r, stepIndex: query.s, ...common, ...(call.data.AnsweredBy ? { answeredBy: call.data.AnsweredBy } : {}) }
        : { kind: 'bridge', taskId: query.t, leg: query.leg ?? 'rep', ...common },
    );
    ctx.logger.info('call status recorded', { callSid: call.data.CallSid, kind: query.k, status: call.data.CallStatus, outcome });
    return twiml(undefined);
  },
};

function voiceQuery(event: HttpEvent): z.infer<typeof voiceQuerySchema> {
  const parsed = voiceQuerySchema.safeParse(queryParams(event));
  if (!parsed.success) throw new HttpError(400, 'query parameter k: expected the call identity Followup put into the callback URL (k=bridge|notice|vm with its ids)', undefined, 'k');
  return parsed.data;
}

/** The voicemail's message, rendered when Twilio asks for it (Liquid is loaded by this route only). */
async function renderVoicemailMessage(...[sequence, step, prospect]: Parameters<VoicemailRenderer>): Promise<string> {
  const [{ renderScript, templateVarsFor, isScriptTemplate }, { zonesOf, resolveTimezones }] = await Promise.all([
    import('../domain/templates.js'),
    import('../domain/schedule.js'),
  ]);
  const template = sequence.templates[step.id];
  if (!template || !isScriptTemplate(template)) return '';
  const timezone = resolveTimezones(zonesOf(prospect), sequence.definition.defaultTimezone)[0];
  return renderScript(template, templateVarsFor({ prospect, sender: sequence.definition.sender, ...(timezone ? { timezone } : {}) }));
}

/**
 * The function's own URL (a Lambda function URL, infra/followup-engine.ts) answers SMS
 * status callbacks only: they are most of Twilio's requests (2–3 per message) and a
 * function URL costs nothing per request, where API Gateway costs $1 per million. The
 * other routes stay behind API Gateway, with its per-route throttles and metrics.
 */
const FUNCTION_URL_ROUTES: readonly RouteKeyFor<'twilioWebhook'>[] = ['POST /webhooks/twilio/status'];
/** A function URL's host: `<url id>.lambda-url.<region>.on.aws`. */
const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws$/;

/**
 * Which route a request is for, and the base of the URL Twilio called: API Gateway names
 * the route (`POST /webhooks/twilio/status`) and Twilio called the public URL; a function
 * URL delivers every request as `$default` on its own host, which is the URL Twilio called.
 */
function routeOf(event: HttpEvent, publicUrl: () => string): { handler: TwilioRoute; signedBase: string } {
  if (event.routeKey !== '$default') return { handler: routeFor(TWILIO_ROUTES, event), signedBase: publicUrl() };
  const routeKey = `${event.requestContext.http.method} ${event.rawPath}`;
  const host = event.requestContext.domainName;
  const known = FUNCTION_URL_ROUTES.find((key) => key === routeKey);
  if (!known || !FUNCTION_URL_HOST.test(host)) throw new HttpError(404, `no route ${routeKey}`);
  return { handler: TWILIO_ROUTES[known], signedBase: `https://${host}` };
}

export function createTwilioWebhookHandler(options: TwilioWebhookOptions) {
  const route = async (event: HttpEvent): Promise<HttpResult> => {
    const { handler, signedBase } = routeOf(event, options.publicUrl);
    const size = bodySize(event);
    if (size > MAX_FORM_BODY_BYTES) {
      throw new HttpError(413, `request body is ${size} bytes; Twilio webhooks are limited to ${MAX_FORM_BODY_BYTES} bytes`);
    }
    const params = parseFormBody(bodyText(event));
    const ctx = await options.context();
    await verifySignature(event, params, signedBase, options, ctx.logger);
    return handler(ctx, event, params, options.metrics ?? noMetrics);
  };
  return middy<HttpEvent, HttpResult>().use(httpErrors(logger)).handler(route);
}

async function verifySignature(
  event: HttpEvent,
  params: Record<string, string | string[]>,
  signedBase: string,
  options: TwilioWebhookOptions,
  log: Logger,
): Promise<void> {
  const signature = header(event, 'x-twilio-signature');
  if (!signature) throw new HttpError(403, 'missing X-Twilio-Signature');
  const url = signedUrl(signedBase, event);
  const authToken = await options.authToken();
  let valid = false;
  try {
    valid = validateRequest(authToken, signature, url, params);
  } catch {
    valid = false;
  }
  if (!valid) {
    log.warn('Twilio webhook with an invalid signature', { routeKey: event.routeKey, requestId: event.requestContext?.requestId });
    throw new HttpError(403, 'invalid X-Twilio-Signature');
  }
}

/** FOLLOWUP_PUBLIC_URL + rawPath + (rawQueryString ? '?' + rawQueryString : ''). */
export function signedUrl(publicUrl: string, event: Pick<HttpEvent, 'rawPath' | 'rawQueryString'>): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

/** A 400 naming the first parameter at fault (signed requests only: the signature was checked first). */
function parameterError(error: z.$ZodError, fallback: string, what = 'parameter'): HttpError {
  const issue = error.issues[0];
  const field = typeof issue?.path[0] === 'string' ? issue.path[0] : undefined;
  if (!field) return new HttpError(400, fallback);
  return new HttpError(400, `${what} ${field}: ${issue?.message ?? 'invalid'}`, undefined, field);
}

function single(params: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? '') : v]));
}

function queryParams(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(event.rawQueryString ?? ''));
}

function twiml(message: string | undefined): HttpResult {
  return xml(
    200,
    message === undefined
      ? '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
      : `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escapeXml(message)}</Message></Response>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** A status callback carries the id of the touch it reports on; an inbound SMS gets its request's. */
export const twilioCorrelationId = (event: HttpEvent) => event.queryStringParameters?.[CORRELATION_QUERY_PARAMETER] ?? httpRequestId(event);

export const handler = observedHandler(
  (metrics) =>
    createTwilioWebhookHandler({
      context: awsContext,
      authToken: async () => (await twilioCredentials(getConfig())).authToken,
      publicUrl: () => getConfig().FOLLOWUP_PUBLIC_URL,
      metrics,
    }),
  { correlationId: twilioCorrelationId },
);
