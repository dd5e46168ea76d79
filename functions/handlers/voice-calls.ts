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
import { lazy } from './shared/lazy.js';
import { logger } from './shared/logger.js';
import { httpRequestId, observedHandler } from './shared/observability.js';

export interface VoiceCallsOptions {
  context: () => Promise<CallingContext>;
}

type VoiceRoute = (ctx: CallingContext, event: HttpEvent) => Promise<HttpResult>;

/** Who is calling: the timeline's actor, and the signed-in user's email (none with the API key). */
function callerOf(_event: HttpEvent): { actor: string; email?: string } {
  return { actor: 'apiKey' };
}

/** One function per route of `ROUTES` answered by this Lambda: a route missing here fails to compile. */
const VOICE_ROUTES: Record<RouteKeyFor<'voiceCalls'>, VoiceRoute> = {
  'POST /tasks/{id}/call': async (ctx, event) => {
    const caller = callerOf(event);
    const result = await placeTaskCall(ctx, { taskId: pathParameter(event, 'id'), actor: caller.actor, ...(caller.email ? { userEmail: caller.email } : {}) });
    return json(200, result);
  },
};

export function createVoiceCallsHandler(options: VoiceCallsOptions) {
  const route = async (event: HttpEvent): Promise<HttpResult> => routeFor(VOICE_ROUTES, event)(await options.context(), event);
  return middy<HttpEvent, HttpResult>().use(httpErrors(logger)).handler(route);
}

const awsCallingContext = lazy(async (): Promise<CallingContext> => {
  const cfg = getConfig();
  return { ...(await awsContext()), voice: new TwilioVoiceCaller(() => twilioCredentials(cfg)) };
});

export const handler = observedHandler(() => createVoiceCallsHandler({ context: awsCallingContext }), { correlationId: httpRequestId });
