/**
 * The ONE place the API enforces roles: a middy middleware that reads the principal the
 * authorizer answered (`event.requestContext.authorizer.lambda`, the same in API Gateway
 * and the embedded runtime), looks up the route's `access` in functions/routes.ts and
 * refuses what the principal may not do (domain/roles.ts `mayCall`): a viewer on an
 * editor route gets 403 `{error: 'this action needs the editor role'}`. No route checks
 * a role by hand; a new route is protected by being in the table.
 *
 * The principal is handed on as `context.principal` (and its `actor`), for the use cases
 * that record who changed what.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { principal as principalSchema } from '../../contract/auth.js';
import { actorOf, mayCall, type Actor, type Principal } from '../../domain/roles.js';
import { routeAccess } from '../../routes.js';
import { HttpError, type HttpEvent, type HttpResult } from './http.js';

/** The Lambda context as the API's routes see it. */
export interface ApiLambdaContext extends Context {
  principal?: Principal;
  actor?: Actor;
}

/** The authorizer's answer carried by the event, if any and well-formed. */
export function principalOf(event: HttpEvent): Principal | undefined {
  const authorizer = (event.requestContext as { authorizer?: { lambda?: unknown } }).authorizer;
  const parsed = principalSchema.safeParse(authorizer?.lambda);
  return parsed.success ? (parsed.data as Principal) : undefined;
}

export function routeAccessControl(): MiddlewareObj<HttpEvent, HttpResult, Error, ApiLambdaContext> {
  return {
    before: async (request) => {
      // A route key outside the table has no handler either: routeFor answers 404.
      const access = routeAccess(request.event.routeKey);
      if (access === undefined) return;
      const principal = principalOf(request.event);
      const decision = mayCall(access, principal);
      if (!decision.allowed) throw new HttpError(decision.status, decision.error);
      // Set or cleared: a context object reused between invocations must not keep an earlier caller.
      if (principal) {
        request.context.principal = principal;
        request.context.actor = actorOf(principal);
      } else {
        delete request.context.principal;
        delete request.context.actor;
      }
    },
  };
}
