/**
 * Unsubscribe links (API Gateway HTTP API, public).
 *
 * - `GET /unsubscribe/{token}`: a small confirmation page with a button. GET alone never
 *   unsubscribes: mail security scanners and link previews follow every link.
 * - `POST /unsubscribe/{token}` with the body `List-Unsubscribe=One-Click` (RFC 8058,
 *   sent by Gmail, Yahoo, Apple Mail…): unsubscribes and answers 200 with no page.
 * - `POST /unsubscribe/{token}` from the page's button (any other form body):
 *   unsubscribes and shows "you are unsubscribed".
 *
 * The token is HMAC-signed (domain/tokens.ts): verifying it needs no database read, and
 * a tampered or truncated token answers 400 and changes nothing.
 */
import middy from '@middy/core';
import { verifyUnsubscribeToken, type UnsubscribeClaims } from '../domain/tokens.js';
import type { UseCaseContext } from '../use-cases/context.js';
import { unsubscribeProspect } from '../use-cases/unsubscribe-prospect.js';
import { awsContext } from './shared/aws-context.js';
import { bodyText, checkPathParameter, html, httpErrors, routeFor, type HttpEvent, type HttpResult } from './shared/http.js';
import type { RouteKeyFor } from '../routes.js';
import { logger } from './shared/logger.js';
import { noMetrics, unsubscribeMetrics, type MetricsRecorder } from './shared/metrics.js';
import { httpRequestId, observedHandler } from './shared/observability.js';

export interface UnsubscribeOptions {
  context: () => Promise<UseCaseContext>;
  /** Where opt-outs are counted. */
  metrics?: MetricsRecorder;
}

const ONE_CLICK = /(?:^|&)List-Unsubscribe=One-Click(?:&|$)/;

type UnsubscribeRoute = (ctx: UseCaseContext, claims: UnsubscribeClaims, event: HttpEvent, metrics: MetricsRecorder) => Promise<HttpResult>;

/** One function per route of `ROUTES` answered by this Lambda: a route missing here fails to compile. */
const UNSUBSCRIBE_ROUTES: Record<RouteKeyFor<'unsubscribe'>, UnsubscribeRoute> = {
  'GET /unsubscribe/{token}': async (_ctx, claims) => html(200, confirmationPage(claims)),
  'POST /unsubscribe/{token}': async (ctx, claims, event, metrics) => {
    const oneClick = isOneClick(event);
    const result = await unsubscribeProspect(ctx, {
      prospectId: claims.prospectId,
      channel: claims.channel,
      source: oneClick ? 'one-click' : 'link',
    });
    metrics.record(unsubscribeMetrics(result, claims.channel));
    ctx.logger.info('unsubscribed', { prospectId: claims.prospectId, channel: claims.channel, oneClick, outcome: result.outcome });
    // RFC 8058: the mail client needs a 2xx and nothing else.
    return oneClick ? plain(200, '') : html(200, donePage(claims));
  },
};

export function createUnsubscribeHandler(options: UnsubscribeOptions) {
  const route = async (event: HttpEvent): Promise<HttpResult> => {
    const handler = routeFor(UNSUBSCRIBE_ROUTES, event);
    const ctx = await options.context();
    const token = tokenOf(event);
    const claims = token ? verifyUnsubscribeToken(token, ctx.settings.signingSecret) : undefined;
    if (!claims) {
      const oneClick = isOneClick(event);
      ctx.logger.info('unsubscribe with an invalid token', { routeKey: event.routeKey, oneClick });
      return oneClick ? plain(400, 'invalid unsubscribe link') : html(400, invalidPage());
    }
    return handler(ctx, claims, event, options.metrics ?? noMetrics);
  };
  return middy<HttpEvent, HttpResult>().use(httpErrors(logger)).handler(route);
}

/** RFC 8058's body; any other POST is the confirmation page's button. */
function isOneClick(event: HttpEvent): boolean {
  return event.routeKey === 'POST /unsubscribe/{token}' && ONE_CLICK.test(bodyText(event).trim());
}

/** A malformed token is answered like a forged one: the same 400 page. */
function tokenOf(event: HttpEvent): string | undefined {
  const checked = checkPathParameter(event, 'token');
  return checked.ok ? checked.value : undefined;
}

function plain(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body };
}

// ---------------------------------------------------------------------------------------
// Pages: small, self-contained, no scripts, no external resources (CSP default-src 'none').
// ---------------------------------------------------------------------------------------

function channelWords(claims: UnsubscribeClaims): { what: string; from: string } {
  return claims.channel === 'sms' ? { what: 'text messages', from: 'texts' } : { what: 'emails', from: 'emails' };
}

function confirmationPage(claims: UnsubscribeClaims): string {
  const { what } = channelWords(claims);
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe?</h1>
<p>Click the button to stop receiving these ${what}. You will not be contacted again through this channel.</p>
<form method="post" action="">
  <input type="hidden" name="confirm" value="yes">
  <button type="submit">Unsubscribe</button>
</form>`,
  );
}

function donePage(claims: UnsubscribeClaims): string {
  const { what } = channelWords(claims);
  return page(
    'You are unsubscribed',
    `<h1>You are unsubscribed</h1>
<p>You will not receive any more of these ${what}. Nothing else is needed from you.</p>
<p class="muted">If you unsubscribed by mistake, simply reply to one of the messages you received.</p>`,
  );
}

function invalidPage(): string {
  return page(
    'Link not valid',
    `<h1>This unsubscribe link is not valid</h1>
<p>It may have been cut off when it was copied. Please use the complete link from the message, or simply reply to it and ask to be removed.</p>`,
  );
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
  body { font: 16px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }
  main { max-width: 32rem; margin: 12vh auto; background: #fff; padding: 2rem 2.25rem; border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
  button { font: inherit; background: #1f2933; color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.4rem; cursor: pointer; }
  button:hover { background: #323f4b; }
  .muted { color: #616e7c; font-size: .9rem; }
</style>
</head>
<body><main>
${content}
</main></body>
</html>`;
}

export const handler = observedHandler((metrics) => createUnsubscribeHandler({ context: awsContext, metrics }), {
  correlationId: httpRequestId,
});
