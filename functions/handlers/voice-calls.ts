/**
 * Click to call (`POST /tasks/{id}/call`, editor): Twilio rings the rep's phone, then the
 * voice webhook bridges the call to the prospect (use-cases/place-task-call.ts). Its own
 * function because it needs the Twilio REST client, which every API route but this one
 * would otherwise pay for at cold start (README "Performance": no Twilio outside the
 * functions that place calls or send SMS).
 */
import middy from '@middy/core';
import { TwilioVoiceCaller } from '../adapters/twilio-voice-caller.js';
import type { RouteKeyFor } from '../routes.js';
import type { CallingContext } from '../use-cases/context.js';
import { placeTaskCall } from '../use-cases/place-task-call.js';
import { awsContext, getConfig, twilioCredentials } from './shared/aws-context.js';
import { httpErrors, json, pathParameter, routeFor, type HttpEvent, type HttpResult } from './shared/http.js';
import { routeAccessControl, type ApiLambdaContext } from './shared/access.js';
import { userEmailOf } from './shared/principal-email.js';
import type { Principal } from '../domain/roles.js';
import { lazy } from '../async/lazy.js';
import { logger } from './shared/logger.js';
import { httpRequestId, observedHandler } from './shared/observability.js';

export interface VoiceCallsOptions {
  context: () => Promise<CallingContext>;
}

type VoiceRoute = (ctx: CallingContext, event: HttpEvent, principal: Principal | undefined) => Promise<HttpResult>;

/** One function per route of `ROUTES` answered by this Lambda: a route missing here fails to compile. */
const VOICE_ROUTES: Record<RouteKeyFor<'voiceCalls'>, VoiceRoute> = {
  'POST /tasks/{id}/call': async (ctx, event, principal) => {
    const userEmail = userEmailOf(principal);
    return json(200, await placeTaskCall(ctx, { taskId: pathParameter(event, 'id'), ...(userEmail ? { userEmail } : {}) }));
  },
};

export function createVoiceCallsHandler(options: VoiceCallsOptions) {
  const route = async (event: HttpEvent, lambda: ApiLambdaContext): Promise<HttpResult> => {
    const ctx = await options.context();
    // Per request: who is acting goes on the timeline.
    return routeFor(VOICE_ROUTES, event)(lambda.actor ? { ...ctx, actor: lambda.actor } : ctx, event, lambda.principal);
  };
  // The same access control as the API: the route table's `access`, one middleware.
  return middy<HttpEvent, HttpResult, Error, ApiLambdaContext>().use(httpErrors(logger)).use(routeAccessControl()).handler(route);
}

const awsCallingContext = lazy(async (): Promise<CallingContext> => {
  const cfg = getConfig();
  return { ...(await awsContext()), voice: new TwilioVoiceCaller(() => twilioCredentials(cfg)) };
});

export const handler = observedHandler(() => createVoiceCallsHandler({ context: awsCallingContext }), { correlationId: httpRequestId });
