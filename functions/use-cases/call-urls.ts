/**
 * The URLs Twilio is given for a call: where it asks for the TwiML and where it posts the
 * call's progress. They carry ids only (a task id, or an enrollment's run and step); the
 * voice webhooks read everything else from the store, and Twilio's signature covers the
 * query, so the ids cannot be forged. Built here once, read by handlers/twilio-webhook.ts.
 */
import { TWILIO_VOICE_STATUS_PATH, TWILIO_VOICE_TWIML_PATH } from '../routes.js';
import type { UseCaseContext } from './context.js';

/** What a voice webhook request is about: `k` in the query. */
export type CallKind = 'bridge' | 'notice' | 'vm';
/** Which leg of a bridged call a status callback reports: the rep's phone, or the prospect's. */
export type CallLeg = 'rep' | 'prospect';

type Ctx = Pick<UseCaseContext, 'settings'>;

/** A public route under the base URL, keeping any path it has (e.g. an API Gateway stage). */
export function publicPath(ctx: Ctx, path: string): string {
  return `${ctx.settings.publicUrl.replace(/\/+$/, '')}${path}`;
}

function url(ctx: Ctx, path: string, query: Record<string, string>): string {
  const built = new URL(publicPath(ctx, path));
  for (const [name, value] of Object.entries(query)) built.searchParams.set(name, value);
  return built.toString();
}

/** Click to call: the TwiML that bridges the rep to the prospect, its status, and the recording notice played to the prospect. */
export function bridgeCallUrls(ctx: Ctx, taskId: string): { twiml: string; status: (leg: CallLeg) => string; notice: string } {
  return {
    twiml: url(ctx, TWILIO_VOICE_TWIML_PATH, { k: 'bridge', t: taskId }),
    status: (leg) => url(ctx, TWILIO_VOICE_STATUS_PATH, { k: 'bridge', t: taskId, leg }),
    notice: url(ctx, TWILIO_VOICE_TWIML_PATH, { k: 'notice', t: taskId }),
  };
}

/** A voicemail drop of one touch. */
export function voicemailCallUrls(ctx: Ctx, touch: { enrollmentId: string; run: number; stepIndex: number }): { twiml: string; status: string } {
  const identity = { k: 'vm', e: touch.enrollmentId, r: String(touch.run), s: String(touch.stepIndex) };
  return { twiml: url(ctx, TWILIO_VOICE_TWIML_PATH, identity), status: url(ctx, TWILIO_VOICE_STATUS_PATH, identity) };
}
