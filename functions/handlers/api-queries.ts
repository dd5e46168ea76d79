/**
 * The console's query routes of the API function (README "Queries"): parse the query
 * string or body with the contract's schemas (functions/contract), call a use case, shape
 * the answer. Imported by the API with the first request to one of them (they need luxon
 * for local times), so the other routes' cold start does not pay for it.
 *
 * CSV exports page through the Query and write rows as they go, up to CSV_BUDGET_BYTES
 * per response: API Gateway buffers a Lambda's answer and refuses one over 6 MB (and JSON
 * escaping can double a CSV body on its way there), so a larger export ends at a page
 * boundary with `X-Next-Cursor` (and a `Link: <…?cursor=…>; rel="next"` header): the
 * client asks again with `?cursor=` and appends (the CLI and the console do). The
 * embedded runtime answers exactly the same, so what is tested locally is what AWS does.
 */
import {
  ENROLLMENT_CSV_COLUMNS,
  enrollmentsQuery,
  INBOX_CSV_COLUMNS,
  inboxQuery,
  previewRequest,
  prospectsQuery,
  setHandledRequest,
} from '../contract/queries.js';
import { csvLine } from '../domain/csv.js';
import type { Page } from '../domain/page.js';
import type { UseCaseContext } from '../use-cases/context.js';
import { allInbox, listInbox, type InboxListItem } from '../use-cases/list-inbox.js';
import { listProspects } from '../use-cases/list-prospects.js';
import { allSequenceEnrollments, listSequenceEnrollments, type EnrollmentListItem } from '../use-cases/list-sequence-enrollments.js';
import { previewStep } from '../use-cases/preview-step.js';
import { getSequenceVersion, listSequenceVersions } from '../use-cases/sequence-versions.js';
import { setInboxHandled } from '../use-cases/set-inbox-handled.js';
import { json, parseBody, parseQuery, pathParameter, type HttpEvent, type HttpResult } from './shared/http.js';

/** CSV bytes per response before it ends at a page boundary with a cursor (see above). */
export const CSV_BUDGET_BYTES = 2_500_000;

export interface QueryRequest {
  event: HttpEvent;
  context(): Promise<UseCaseContext>;
}

export async function getProspects({ event, context }: QueryRequest): Promise<HttpResult> {
  const query = parseQuery(prospectsQuery, event);
  return json(200, await listProspects(await context(), {
    ...(query.q ? { q: query.q } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.sequence ? { sequence: query.sequence } : {}),
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  }));
}

function enrollmentsInput(event: HttpEvent) {
  const query = parseQuery(enrollmentsQuery, event);
  return {
    limit: query.limit,
    input: {
      sequenceId: pathParameter(event, 'id'),
      ...(query.status ? { status: query.status } : {}),
      ...(query.step !== undefined ? { step: query.step } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    },
  };
}

export async function getSequenceEnrollments({ event, context }: QueryRequest): Promise<HttpResult> {
  const { limit, input } = enrollmentsInput(event);
  return json(200, await listSequenceEnrollments(await context(), { ...input, limit }));
}

export async function getSequenceEnrollmentsCsv({ event, context }: QueryRequest): Promise<HttpResult> {
  const { input } = enrollmentsInput(event);
  return csvResponse(`${input.sequenceId}-enrollments.csv`, ENROLLMENT_CSV_COLUMNS, allSequenceEnrollments(await context(), input), enrollmentRow, !input.cursor, event);
}

function inboxInput(event: HttpEvent) {
  const query = parseQuery(inboxQuery, event);
  return {
    limit: query.limit,
    input: {
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.since ? { since: new Date(query.since) } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    },
  };
}

export async function getInbox({ event, context }: QueryRequest): Promise<HttpResult> {
  const { limit, input } = inboxInput(event);
  return json(200, await listInbox(await context(), { ...input, limit }));
}

export async function getInboxCsv({ event, context }: QueryRequest): Promise<HttpResult> {
  const { input } = inboxInput(event);
  return csvResponse('inbox.csv', INBOX_CSV_COLUMNS, allInbox(await context(), input), inboxRow, !input.cursor, event);
}

export async function postInboxHandled({ event, context }: QueryRequest): Promise<HttpResult> {
  const id = pathParameter(event, 'id');
  const body = parseBody(setHandledRequest, event);
  return json(200, { item: await setInboxHandled(await context(), { id, handled: body.handled }) });
}

export async function getVersions({ event, context }: QueryRequest): Promise<HttpResult> {
  return json(200, await listSequenceVersions(await context(), pathParameter(event, 'id')));
}

export async function getVersion({ event, context }: QueryRequest): Promise<HttpResult> {
  const published = await getSequenceVersion(await context(), pathParameter(event, 'id'), Number(pathParameter(event, 'version')));
  return json(200, { sequence: published });
}

export async function postPreview({ event, context }: QueryRequest): Promise<HttpResult> {
  const sequenceId = pathParameter(event, 'id');
  const body = parseBody(previewRequest, event);
  return json(
    200,
    await previewStep(await context(), {
      sequenceId,
      stepId: body.stepId,
      ...(body.prospectId ? { prospectId: body.prospectId } : {}),
      ...(body.prospect ? { prospect: body.prospect } : {}),
    }),
  );
}

function enrollmentRow(item: EnrollmentListItem): unknown[] {
  const values: Record<(typeof ENROLLMENT_CSV_COLUMNS)[number], unknown> = {
    id: item.id,
    prospectId: item.prospectId,
    firstName: item.prospect?.firstName,
    lastName: item.prospect?.lastName,
    company: item.prospect?.company,
    email: item.prospect?.email,
    phone: item.prospect?.phone,
    status: item.status,
    stepIndex: item.stepIndex,
    stepId: item.stepId,
    version: item.version,
    run: item.run,
    nextTouchAt: item.nextTouchAt,
    nextTouchLocal: item.nextTouchLocal,
    timezone: item.timezone,
    updatedAt: item.updatedAt,
    endedAt: item.endedAt,
    endReason: item.endReason,
  };
  return ENROLLMENT_CSV_COLUMNS.map((column) => values[column]);
}

function inboxRow(item: InboxListItem): unknown[] {
  const values: Record<(typeof INBOX_CSV_COLUMNS)[number], unknown> = {
    id: item.id,
    kind: item.kind,
    at: item.at,
    atLocal: item.atLocal,
    prospectId: item.prospectId,
    enrollmentId: item.enrollmentId,
    sequenceId: item.sequenceId,
    stepId: item.stepId,
    channel: item.channel,
    subject: item.subject,
    text: item.text,
    handled: item.handled,
    handledBy: item.handledBy,
    handledAt: item.handledAt,
  };
  return INBOX_CSV_COLUMNS.map((column) => values[column]);
}

/** Rows page by page until the pages end or the budget is spent (then at a page boundary, with a cursor). */
async function csvResponse<T>(
  fileName: string,
  columns: readonly string[],
  pages: AsyncGenerator<Page<T>>,
  row: (item: T) => unknown[],
  withHeader: boolean,
  event: HttpEvent,
): Promise<HttpResult> {
  const chunks: string[] = withHeader ? [csvLine(columns)] : [];
  let bytes = chunks[0]?.length ?? 0;
  let next: string | undefined;
  for await (const page of pages) {
    for (const item of page.items) {
      const line = csvLine(row(item));
      chunks.push(line);
      bytes += Buffer.byteLength(line);
    }
    if (page.nextCursor && bytes >= CSV_BUDGET_BYTES) {
      next = page.nextCursor;
      break;
    }
  }
  const continuation = next ? continuationUrl(event, next) : undefined;
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'cache-control': 'no-store',
      ...(next && continuation ? { 'x-next-cursor': next, link: `<${continuation}>; rel="next"` } : {}),
    },
    body: chunks.join(''),
  };
}

/** The same export's next part: the path and filters of this request, with the cursor. */
export function continuationUrl(event: HttpEvent, cursor: string): string {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  params.set('cursor', cursor);
  return `${event.rawPath}?${params.toString()}`;
}
