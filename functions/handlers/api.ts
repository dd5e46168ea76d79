/**
 * The admin API (and `GET /health`), behind API Gateway HTTP API. The Lambda authorizer
 * has already checked the API key on admin routes before this runs. Thin: parse, call a
 * use case, shape the answer.
 *
 * The heavy routes import their code with their first request, not when the function
 * starts: publishing compiles Liquid templates (liquidjs, luxon, html-to-text),
 * enrolling normalises phone numbers and zones (libphonenumber-js, luxon), pausing
 * and resuming plan touches in the prospect's zone (luxon). A cold start pays only
 * for the route it serves.
 */
import middy from '@middy/core';
import { phoneHoldersRequest } from '../contract/maintenance.js';
import { consentRequest, manualControlRequest, publishRequest } from '../contract/sequences.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { PhoneTimeZones } from '../ports.js';
import type { UseCaseContext } from '../use-cases/context.js';
import type { EnrollmentRowResult } from '../use-cases/enroll-prospects.js';
import { eraseProspect } from '../use-cases/erase-prospect.js';
import { getSequenceStats } from '../use-cases/get-sequence-stats.js';
import { getSequence, listSequences } from '../use-cases/list-sequences.js';
import { stopEnrollment } from '../use-cases/stop-enrollment.js';
import type { Actor, Principal } from '../domain/roles.js';
import { routeAccessControl, type ApiLambdaContext } from './shared/access.js';
import { awsContext, awsImportServices, getConfig } from './shared/aws-context.js';
import { bodyBytes, bodySize, bodyText, header, HttpError, httpErrors, json, parseBody, parseJsonBody, pathParameter, routeFor, type HttpEvent, type HttpResult } from './shared/http.js';
import { logger } from './shared/logger.js';
import { httpRequestId, observedHandler } from './shared/observability.js';
import type { RouteKeyFor } from '../routes.js';
import { REP_ROUTES } from './rep-routes.js';
import type { ImportServices } from '../use-cases/import-jobs.js';
import type { ImportRequest } from './api-imports.js';

export interface ApiOptions {
  context: () => Promise<UseCaseContext>;
  maxEnrollmentBodyBytes: number;
  /** The object store, upload URLs and queue of import jobs (README "Imports"); without them the import routes answer 501. */
  imports?: () => Promise<ImportServices>;
}

/** What a route function gets: the event, who is calling, and the use-case context built on first use. */
interface ApiRequest {
  event: HttpEvent;
  options: ApiOptions;
  context(): Promise<UseCaseContext>;
  /** Set on every viewer and editor route (the access middleware checked it). */
  principal?: Principal;
  /** Who the timeline says did it; set whenever `principal` is. */
  actor?: Actor;
}
type ApiRoute = (request: ApiRequest) => Promise<HttpResult>;

/** One function per route of `ROUTES` answered by this Lambda: a route missing here fails to compile. */
const API_ROUTES: Record<RouteKeyFor<'api'>, ApiRoute> = {
  ...(Object.fromEntries(
    Object.entries(REP_ROUTES).map(([key, route]) => [key, ({ event, context, principal }: ApiRequest) => route({ event, context, ...(principal ? { principal } : {}) })]),
  ) as Record<keyof typeof REP_ROUTES, ApiRoute>),
  // Builds no context: health must answer even while the table is unreachable.
  'GET /health': async () => json(200, { ok: true }),
  // Builds no context either; the document is generated once per container, on first ask.
  'GET /openapi.json': async () => {
    openApiBody ??= JSON.stringify((await import('../contract/openapi.js')).buildOpenApiDocument());
    return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' }, body: openApiBody };
  },
  'GET /sequences': async ({ context }) => json(200, { sequences: (await listSequences(await context())).map(sequenceSummary) }),
  'GET /sequences/{id}': async ({ context, event }) =>
    json(200, { sequence: await getSequence(await context(), pathParameter(event, 'id')) }),
  'PUT /sequences/{id}': async ({ context, event }) => publish(await context(), event),
  'POST /sequences/{id}/enrollments': async ({ context, event, options }) =>
    enroll(await context(), event, options.maxEnrollmentBodyBytes),
  'GET /sequences/{id}/stats': async ({ context, event }) =>
    json(200, await getSequenceStats(await context(), pathParameter(event, 'id'))),
  'GET /prospects/{id}': async ({ context, event }) => {
    const { getProspect } = await import('../use-cases/get-prospect.js');
    return json(200, await getProspect(await context(), pathParameter(event, 'id')));
  },
  'DELETE /prospects/{id}': async ({ context, event }) =>
    json(200, await eraseProspect(await context(), pathParameter(event, 'id'))),
  'POST /prospects/{id}/consent': async ({ context, event }) => {
    const prospectId = pathParameter(event, 'id');
    const body = consentRequest.safeParse(parseJsonBody(event));
    if (!body.success) {
      const issue = body.error.issues[0];
      const field = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path[0];
      throw new HttpError(400, `${typeof field === 'string' ? field : 'body'}: ${issue?.message ?? 'invalid'}`, undefined, typeof field === 'string' ? field : undefined);
    }
    const { recordConsent } = await import('../use-cases/record-consent.js');
    const consent = await recordConsent(await context(), { prospectId, ...body.data });
    return json(200, { consent });
  },
  'POST /enrollments/{id}/stop': async ({ context, event }) => {
    const reason = manualReason(event) ?? 'stopped by hand';
    const result = await stopEnrollment(await context(), { enrollmentId: pathParameter(event, 'id'), status: 'stopped', reason });
    return json(200, { enrollment: result.enrollment, changed: result.changed });
  },
  'POST /enrollments/{id}/pause': async ({ context, event }) => {
    const reason = manualReason(event) ?? 'paused by hand';
    const { pauseEnrollment } = await import('../use-cases/pause-enrollment.js');
    return json(200, { enrollment: await pauseEnrollment(await context(), { enrollmentId: pathParameter(event, 'id'), reason }) });
  },
  'POST /enrollments/{id}/resume': async ({ context, event }) => {
    const { resumeEnrollment } = await import('../use-cases/resume-enrollment.js');
    return json(200, { enrollment: await resumeEnrollment(await context(), { enrollmentId: pathParameter(event, 'id') }) });
  },
  // The console's queries (api-queries.ts), loaded with the first of them.
  'GET /prospects': async (request) => (await queries()).getProspects(request),
  'GET /sequences/{id}/enrollments': async (request) => (await queries()).getSequenceEnrollments(request),
  'GET /sequences/{id}/enrollments.csv': async (request) => (await queries()).getSequenceEnrollmentsCsv(request),
  'GET /sequences/{id}/versions': async (request) => (await queries()).getVersions(request),
  'GET /sequences/{id}/versions/{version}': async (request) => (await queries()).getVersion(request),
  'POST /sequences/{id}/preview': async (request) => (await queries()).postPreview(request),
  'GET /inbox': async (request) => (await queries()).getInbox(request),
  'GET /inbox.csv': async (request) => (await queries()).getInboxCsv(request),
  'POST /inbox/{id}/handled': async (request) => (await queries()).postInboxHandled(request),
  'POST /imports': async (request) => (await importRoutes()).postImport(importRequest(request)),
  'GET /imports/{id}': async (request) => (await importRoutes()).getImportStatus(importRequest(request)),
  'GET /imports/{id}/results.csv': async (request) => (await importRoutes()).getImportResults(importRequest(request)),
  'POST /imports/{id}/cancel': async (request) => (await importRoutes()).postCancelImport(importRequest(request)),
  'POST /maintenance/phone-holders': async ({ context, event }) => {
    const { cursor } = event.body ? parseBody(phoneHoldersRequest, event) : {};
    const { backfillPhoneHoldersStep } = await import('../use-cases/backfill-phone-holders.js');
    return json(200, await backfillPhoneHoldersStep(await context(), cursor));
  },
};

const queries = () => import('./api-queries.js');
const importRoutes = () => import('./api-imports.js');

/** The import routes' request: the per-request context plus the import services. */
function importRequest({ event, context, options }: ApiRequest): ImportRequest {
  return {
    event,
    context: async () => {
      if (!options.imports) throw new HttpError(501, 'import jobs are not configured in this deployment');
      const [ctx, services] = await Promise.all([context(), options.imports()]);
      return { ...ctx, ...services };
    },
  };
}

let openApiBody: string | undefined;

export function createApiHandler(options: ApiOptions) {
  const route = async (event: HttpEvent, lambda: ApiLambdaContext): Promise<HttpResult> => {
    const handler = routeFor(API_ROUTES, event);
    const actor = lambda.actor;
    return handler({
      event,
      options,
      // Per request: the container's context plus who is acting, so the use cases record it.
      context: async () => {
        const ctx = await options.context();
        return actor ? { ...ctx, actor } : ctx;
      },
      ...(lambda.principal ? { principal: lambda.principal } : {}),
      ...(lambda.actor ? { actor: lambda.actor } : {}),
    });
  };
  // Errors first (its onError runs last and answers whatever was thrown), then access.
  return middy<HttpEvent, HttpResult, Error, ApiLambdaContext>().use(httpErrors(logger)).use(routeAccessControl()).handler(route);
}

async function publish(ctx: UseCaseContext, event: HttpEvent): Promise<HttpResult> {
  const id = pathParameter(event, 'id');
  const body = publishRequest.safeParse(parseJsonBody(event));
  if (!body.success) {
    throw new HttpError(400, 'expected {"definition": {...}, "templates": {"<file name>": "<liquid source>"}}', body.error.issues);
  }
  const [{ compileSequence, SequenceValidationError }, { publishSequence }] = await Promise.all([
    import('../domain/sequence-definition.js'),
    import('../use-cases/publish-sequence.js'),
  ]);
  let compiled: ReturnType<typeof compileSequence>;
  try {
    compiled = compileSequence({ id, definition: body.data.definition, templates: body.data.templates });
  } catch (error) {
    if (error instanceof SequenceValidationError) throw new HttpError(400, error.message, error.problems);
    throw error;
  }
  const { sequence, created } = await publishSequence(ctx, compiled);
  return json(created ? 201 : 200, { sequence, created });
}

/** Loaded with the first enrollment: only this route reads phone numbers' zones. */
let phoneTimeZones: PhoneTimeZones | undefined;

async function enroll(ctx: UseCaseContext, event: HttpEvent, maxBytes: number): Promise<HttpResult> {
  const size = bodySize(event);
  if (size > maxBytes) throw new HttpError(413, tooLargeMessage(`request body is ${size} bytes`, `${maxBytes} bytes`));
  const [{ parseEnrollmentBody }, { enrollProspects }, { libphonenumberTimeZones }] = await Promise.all([
    import('./shared/enrollment-body.js'),
    import('../use-cases/enroll-prospects.js'),
    import('../adapters/phone-time-zones.js'),
  ]);
  phoneTimeZones ??= libphonenumberTimeZones();
  const { rows, columns, reenroll, dryRun } = parseEnrollmentBody({
    contentType: header(event, 'content-type'),
    body: bodyBytes(event),
    query: event.queryStringParameters ?? {},
  });
  if (rows.length > MAX_ENROLLMENT_ROWS) throw new HttpError(413, tooLargeMessage(`request has ${rows.length} rows`, `${MAX_ENROLLMENT_ROWS} rows`));
  if (dryRun) {
    // The sequence must exist, as for a real enrollment; then the rows are only read.
    const [{ checkRows }, { SequenceNotFoundError }] = await Promise.all([import('../use-cases/check-rows.js'), import('../use-cases/context.js')]);
    const sequenceId = pathParameter(event, 'id');
    if (!(await ctx.store.getCurrentSequence(sequenceId))) throw new SequenceNotFoundError(sequenceId);
    return json(200, summarized(checkRows(ctx.settings, rows, columns), { dryRun: true }));
  }
  const results = await enrollProspects(
    { ...ctx, phoneTimeZones },
    {
      sequenceId: pathParameter(event, 'id'),
      rows,
      ...(columns ? { columns } : {}),
      reenroll,
      // A synchronous enrollment is its own import: its request id names it on the timeline.
      ...(event.requestContext?.requestId ? { importId: event.requestContext.requestId } : {}),
    },
  );
  return json(200, summarized(results));
}

function summarized(results: EnrollmentRowResult[], extra: { dryRun?: true } = {}) {
  const summary = { enrolled: 0, skipped: 0, invalid: 0 };
  for (const result of results) summary[result.status] += 1;
  return { ...extra, summary, results };
}

/**
 * Rows one enrollment request may carry. With the body limit (1 MB by default) it keeps a
 * request well inside API Gateway's 30 s (about 10 s at the enrollment rate in AWS) and its
 * answer inside Lambda's 6 MB; a larger list is an import job (README "Imports").
 */
export const MAX_ENROLLMENT_ROWS = 10_000;

function tooLargeMessage(what: string, limit: string): string {
  return `${what}; POST /sequences/{id}/enrollments takes at most ${limit} (about ${MAX_ENROLLMENT_ROWS.toLocaleString('en-US')} rows). Send larger lists as an import job: POST /imports, then upload the CSV to the uploadUrl it answers (README "Imports")`;
}

function manualReason(event: HttpEvent): string | undefined {
  if (!bodyText(event).trim()) return undefined;
  const parsed = manualControlRequest.safeParse(parseJsonBody(event));
  if (!parsed.success) throw new HttpError(400, 'expected an optional {"reason": "..."}');
  return parsed.data?.reason;
}

function sequenceSummary(sequence: PublishedSequence) {
  return {
    id: sequence.id,
    name: sequence.definition.name,
    version: sequence.version,
    publishedAt: sequence.publishedAt,
    steps: sequence.definition.steps,
    warnings: sequence.warnings,
  };
}

// The request id becomes the correlation id of every touch an enrollment request schedules.
export const handler = observedHandler(
  () =>
    createApiHandler({
      context: awsContext,
      get maxEnrollmentBodyBytes() {
        return getConfig().MAX_ENROLLMENT_BODY_BYTES;
      },
      imports: awsImportServices,
    }),
  { correlationId: httpRequestId },
);
