/**
 * What a touch costs after it was sent: the provider's events about it, each through
 * the real handler as Lambda runs it, against dynalite with the capacity meter:
 * - SES events (configuration set → EventBridge → the sesEvents function): delivery,
 *   open, click;
 * - Twilio status callbacks through the twilioWebhook function's URL, signed over that
 *   URL (engine prop `twilioStatusCallbacks: 'functionUrl'`; the default API route runs the
 *   same handler and use case, and the cost model prices the entry the default uses): sent,
 *   delivered.
 * Per event: DynamoDB requests and units, the log bytes the handler wrote, and its
 * in-process time.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { encodeEmailTagValue } from '../functions/adapters/email-tags.js';
import { createSesEventsHandler } from '../functions/handlers/ses-events.js';
import { logger } from '../functions/handlers/shared/logger.js';
import { observedHandler } from '../functions/handlers/shared/observability.js';
import { createTwilioWebhookHandler } from '../functions/handlers/twilio-webhook.js';
import { signTwilioRequest } from '../functions/local/twilio-stub.js';
import type { OutgoingEmail, OutgoingSms } from '../functions/ports.js';
import type { SendingContext } from '../functions/use-cases/context.js';
import { httpEvent, lambdaContext } from '../test/fakes/http-event.js';
import type { CapacityMeter } from './capacity-meter.js';
import { captureOutput } from './capture-output.js';

export interface SentLog {
  emails: { email: OutgoingEmail; providerMessageId: string }[];
  sms: { sms: OutgoingSms; providerMessageId: string }[];
}

/** Averages per event. */
export interface EventCost {
  name: 'ses:delivery' | 'ses:open' | 'ses:click' | 'twilio:sent' | 'twilio:delivered';
  count: number;
  requests: number;
  readUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  logBytes: number;
  /** CPU of the handler in this process, ms. */
  cpuMs: number;
}

const SAMPLE = 200;
/** The host of the twilioWebhook function's URL, where the stack's SMS worker points status callbacks. */
const FUNCTION_URL_HOST = 'benchbenchbenchbenchbenchbench01.lambda-url.us-east-1.on.aws';
const AUTH_TOKEN = 'bench-twilio-auth-token-0123456789';

const SES_DETAIL = {
  'ses:delivery': { detailType: 'Email Delivered', eventType: 'Delivery', field: 'delivery', extra: {} },
  'ses:open': { detailType: 'Email Opened', eventType: 'Open', field: 'open', extra: { ipAddress: '192.0.2.1', userAgent: 'Mozilla/5.0' } },
  'ses:click': { detailType: 'Email Clicked', eventType: 'Click', field: 'click', extra: { link: 'https://northwind.example/pricing', ipAddress: '192.0.2.1' } },
} as const;

export async function measureEventCosts(input: {
  ctx: SendingContext;
  meter: CapacityMeter;
  sent: SentLog;
  publicUrl: string;
}): Promise<EventCost[]> {
  const ctx = { ...input.ctx, logger };
  const sesEvents = observedHandler((metrics) => createSesEventsHandler({ context: async () => ctx, metrics }));
  const twilio = observedHandler((metrics) =>
    createTwilioWebhookHandler({ context: async () => ctx, authToken: async () => AUTH_TOKEN, publicUrl: () => input.publicUrl, metrics }),
  );
  const results: EventCost[] = [];

  /**
   * Half the sample metered (requests and units), the other half unmetered and timed: the
   * meter's own reads would otherwise count as the handler's CPU. Logs from both halves.
   */
  const measure = async (name: EventCost['name'], all: (() => Promise<unknown>)[]) => {
    const runs = all.slice(0, Math.ceil(all.length / 2));
    const timed = all.slice(runs.length);
    const before = input.meter.snapshot();
    const output = captureOutput();
    let cpuMs = 0;
    try {
      for (const run of runs) await run();
      // CPU of this process only: dynalite runs in its own, and its latency is not AWS's.
      const started = process.cpuUsage();
      await input.meter.unmetered(async () => {
        for (const run of timed) await run();
      });
      const used = process.cpuUsage(started);
      cpuMs = (used.user + used.system) / 1000 / Math.max(1, timed.length);
    } finally {
      output.restore();
    }
    const after = input.meter.snapshot();
    const n = Math.max(1, runs.length);
    const requests = Object.values(after.requests).reduce((a, b) => a + b, 0) - Object.values(before.requests).reduce((a, b) => a + b, 0);
    results.push({
      name,
      count: runs.length,
      requests: requests / n,
      readUnits: (after.readUnits - before.readUnits) / n,
      tableWriteUnits: (after.tableWriteUnits - before.tableWriteUnits) / n,
      indexWriteUnits: (after.indexWriteUnits - before.indexWriteUnits) / n,
      logBytes: output.bytes / Math.max(1, all.length),
      cpuMs,
    });
  };

  const emails = input.sent.emails.slice(0, SAMPLE);
  for (const name of ['ses:delivery', 'ses:open', 'ses:click'] as const) {
    const shape = SES_DETAIL[name];
    await measure(
      name,
      emails.map(({ email, providerMessageId }, i) => () => {
        const tags = Object.fromEntries(Object.entries(email.tags).map(([key, value]) => [key, [encodeEmailTagValue(value)]]));
        const at = ctx.clock.now().toISOString();
        const event = {
          version: '0',
          id: `bench-${name}-${i}`,
          'detail-type': shape.detailType,
          source: 'aws.ses',
          account: '123456789012',
          time: at,
          region: 'us-east-1',
          resources: [],
          detail: { eventType: shape.eventType, mail: { messageId: providerMessageId, timestamp: at, tags }, [shape.field]: { timestamp: at, ...shape.extra } },
        } as EventBridgeEvent<string, unknown>;
        return sesEvents(event, lambdaContext);
      }),
    );
  }

  const sms = input.sent.sms.filter((s) => s.sms.statusCallbackUrl).slice(0, SAMPLE);
  for (const status of ['sent', 'delivered'] as const) {
    await measure(
      `twilio:${status}`,
      sms.map(({ sms: message, providerMessageId }) => () => {
        // The callback as it reaches the function URL: same path and touch identity, its own host.
        const given = new URL(message.statusCallbackUrl as string);
        const url = new URL(`https://${FUNCTION_URL_HOST}${given.pathname}${given.search}`);
        const params = { AccountSid: 'AC00000000000000000000000000000000', MessageSid: providerMessageId, MessageStatus: status, To: message.to, ApiVersion: '2010-04-01' };
        const path = url.pathname;
        const query = url.search.slice(1);
        const event = httpEvent({
          routeKey: '$default',
          path,
          host: FUNCTION_URL_HOST,
          ...(query ? { query } : {}),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(url.toString(), params, AUTH_TOKEN) },
          body: new URLSearchParams(params).toString(),
          principal: null,
        });
        return twilio({ ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'POST' } } }, lambdaContext);
      }),
    );
  }
  return results;
}
