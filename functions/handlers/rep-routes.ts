/**
 * The API's routes for the rep's work (contract "The rep's work", "Consent, events"):
 * tasks and outcomes, outside events, webhook deliveries. Thin like the rest of the API:
 * parse with the contract's schemas (functions/contract/), call one use case, answer.
 * The use cases are imported with the first request that needs them (Liquid and luxon
 * for task lists), as api.ts does for its heavy routes.
 */
import type * as z from '../zod.js';
import { eventRequest } from '../contract/events.js';
import { listTasksQuery, outcomeRequest } from '../contract/tasks.js';
import { deliveriesQuery } from '../contract/webhooks.js';
import { teamProgressQuery, updateMeRequest } from '../contract/me.js';
import type { Principal, Role } from '../domain/roles.js';
import { userEmailOf } from './shared/principal-email.js';
import type { UseCaseContext } from '../use-cases/context.js';
import { HttpError, json, parseJsonBody, pathParameter, type HttpEvent, type HttpResult } from './shared/http.js';

/** What a route gets: the event, the use-case context (built on first use, with the actor), who is calling. */
export interface RepRouteRequest {
  event: HttpEvent;
  context(): Promise<UseCaseContext>;
  /** Set on every viewer and editor route (the access middleware checked it). */
  principal?: Principal;
}

/** The signed-in user of a `/me` route: the API key has no settings of its own. */
function signedInUser(principal: Principal | undefined): { email: string; role: Role } {
  const email = userEmailOf(principal);
  if (!email || principal?.principal !== 'user') {
    throw new HttpError(403, 'this route is about the signed-in user; the API key has no goal, phone or streak (sign in as the rep)');
  }
  return { email, role: principal.role };
}

type RepRoute = (request: RepRouteRequest) => Promise<HttpResult>;

export const REP_ROUTES = {
  'GET /tasks': async ({ event, context, principal }) => {
    const query = parseWith(listTasksQuery, event.queryStringParameters ?? {}, 'query parameter');
    const email = userEmailOf(principal);
    const assignee = query.assignee === 'me' ? email : query.assignee === 'all' ? undefined : query.assignee;
    if (query.assignee === 'me' && !assignee) {
      throw new HttpError(400, 'assignee=me needs a signed-in user; with the API key, pass assignee=<email> or assignee=all', undefined, 'assignee');
    }
    const ctx = await context();
    const [{ listTasks }, { userTimezone }] = await Promise.all([import('../use-cases/list-tasks.js'), import('../use-cases/record-progress.js')]);
    const user = email ? await ctx.store.getUser(email) : undefined;
    return json(
      200,
      await listTasks(ctx, {
        ...(assignee ? { assignee } : {}),
        due: query.due,
        timezone: userTimezone(ctx, user),
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
  },
  'POST /tasks/{id}/outcome': async ({ event, context, principal }) => {
    const taskId = pathParameter(event, 'id');
    const body = parseWith(outcomeRequest, parseJsonBody(event), 'field');
    const { completeTask } = await import('../use-cases/complete-task.js');
    const result = await completeTask(await context(), {
      taskId,
      outcome: body.outcome,
      ...(body.note !== undefined ? { note: body.note } : {}),
      ...(body.fields ? { fields: body.fields } : {}),
      ...(body.callBackAt ? { callBackAt: new Date(body.callBackAt) } : {}),
      ...(userEmailOf(principal) ? { userEmail: userEmailOf(principal) as string } : {}),
    });
    return json(200, result);
  },
  'POST /prospects/{id}/events': async ({ event, context }) => {
    const prospectId = pathParameter(event, 'id');
    const body = parseWith(eventRequest, parseJsonBody(event), 'field');
    const { recordOutsideEvent } = await import('../use-cases/record-event.js');
    const result = await recordOutsideEvent(await context(), {
      prospectId,
      name: body.name,
      ...(body.at ? { at: new Date(body.at) } : {}),
      ...(body.data ? { data: body.data } : {}),
    });
    return json(200, result);
  },
  'GET /me': async ({ context, principal }) => {
    const { email, role } = signedInUser(principal);
    const { getMySettings } = await import('../use-cases/user-settings.js');
    return json(200, { ...(await getMySettings(await context(), email)), role });
  },
  'PUT /me': async ({ event, context, principal }) => {
    const { email, role } = signedInUser(principal);
    const body = parseWith(updateMeRequest, parseJsonBody(event), 'field');
    const { updateMySettings } = await import('../use-cases/user-settings.js');
    return json(200, { ...(await updateMySettings(await context(), email, body)), role });
  },
  'GET /team/progress': async ({ event, context }) => {
    const query = parseWith(teamProgressQuery, event.queryStringParameters ?? {}, 'query parameter');
    const { teamProgress } = await import('../use-cases/user-settings.js');
    return json(200, await teamProgress(await context(), { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }));
  },
  'GET /webhooks/deliveries': async ({ event, context }) => {
    const query = parseWith(deliveriesQuery, event.queryStringParameters ?? {}, 'query parameter');
    const ctx = await context();
    return json(200, await ctx.store.listWebhookDeliveries({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }));
  },
} as const satisfies Record<string, RepRoute>;

/** Parses with a contract schema; the first problem is a 400 naming its field. */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, what: 'field' | 'query parameter'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? 'body';
    throw new HttpError(400, `unknown ${what} "${key.slice(0, 100)}"`, undefined, key);
  }
  const field = issue?.path.length ? issue.path.map(String).join('.') : 'body';
  const message = issue?.message ?? 'invalid';
  throw new HttpError(400, message.startsWith(field.split('.')[0] ?? field) ? message : `${field}: ${message}`, undefined, field);
}
