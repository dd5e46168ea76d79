/**
 * Outbound webhook signatures: `Followup-Signature: t=<unix>,v1=<hex>` over "<t>.<body>",
 * and a receiver that refuses forged, stale and replayed deliveries.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createReplayGuard, signWebhook, verifyWebhookSignature } from '../../../functions/domain/webhook-signature.js';

const SECRET = 'whsec_test_0123456789abcdef';
const BODY = JSON.stringify({ id: 'evt_1', type: 'replied', at: '2026-11-23T13:00:00.000Z', data: { prospectId: 'p_1' } });
const NOW = new Date('2026-11-23T13:00:05Z');

describe('signWebhook / verifyWebhookSignature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and verifies it', () => {
    const header = signWebhook(BODY, SECRET, NOW);
    expect(header).toMatch(/^t=1795438805,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ header, body: BODY, secret: SECRET, now: NOW })).toEqual({ ok: true, timestamp: 1795438805 });
  });

  it('refuses another body, another secret, a missing or malformed header', () => {
    const header = signWebhook(BODY, SECRET, NOW);
    expect(verifyWebhookSignature({ header, body: BODY.replace('p_1', 'p_2'), secret: SECRET, now: NOW })).toEqual({ ok: false, reason: 'signature does not match the body' });
    expect(verifyWebhookSignature({ header, body: BODY, secret: 'another-secret-0123456789', now: NOW }).ok).toBe(false);
    expect(verifyWebhookSignature({ header: undefined, body: BODY, secret: SECRET, now: NOW })).toEqual({ ok: false, reason: 'missing Followup-Signature header' });
    expect(verifyWebhookSignature({ header: 'v1=abc', body: BODY, secret: SECRET, now: NOW }).ok).toBe(false);
    expect(verifyWebhookSignature({ header: 't=1795438805', body: BODY, secret: SECRET, now: NOW }).ok).toBe(false);
  });

  it('refuses a timestamp older (or newer) than the tolerance, even with a valid signature', () => {
    const header = signWebhook(BODY, SECRET, new Date(NOW.getTime() - 301_000));
    expect(verifyWebhookSignature({ header, body: BODY, secret: SECRET, now: NOW })).toEqual({ ok: false, reason: 'timestamp is 301 s old; only 300 s are accepted (a replay?)' });
    const future = signWebhook(BODY, SECRET, new Date(NOW.getTime() + 600_000));
    expect(verifyWebhookSignature({ header: future, body: BODY, secret: SECRET, now: NOW }).ok).toBe(false);
  });

  it('accepts any of several v1 signatures (a secret being rotated)', () => {
    const header = signWebhook(BODY, ['old-secret-0123456789', SECRET], NOW);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyWebhookSignature({ header, body: BODY, secret: SECRET, now: NOW }).ok).toBe(true);
    expect(verifyWebhookSignature({ header, body: BODY, secret: 'old-secret-0123456789', now: NOW }).ok).toBe(true);
  });

  it('refuses secrets too short to be secrets', () => {
    expect(() => signWebhook(BODY, 'short', NOW)).toThrow(/at least 16/);
  });
});

describe('a receiver over HTTP', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** The receiver a CRM would run: signature first, then the replay guard by event id. */
  async function startReceiver() {
    const guard = createReplayGuard();
    const accepted: string[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const check = verifyWebhookSignature({ header: req.headers['followup-signature'] as string | undefined, body, secret: SECRET });
      if (!check.ok) return res.writeHead(400).end(check.reason);
      const event = JSON.parse(body) as { id: string };
      if (!guard.accept(event.id)) return res.writeHead(200).end('duplicate');
      accepted.push(event.id);
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, accepted };
  }

  const post = (url: string, body: string, signature: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'followup-signature': signature }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it('takes a delivery once: a replay of the same request is acknowledged and ignored, a forged one refused', async () => {
    const receiver = await startReceiver();
    const signature = signWebhook(BODY, SECRET, new Date());
    expect(await post(receiver.url, BODY, signature)).toEqual({ status: 200, text: 'ok' });
    expect(await post(receiver.url, BODY, signature)).toEqual({ status: 200, text: 'duplicate' });
    expect((await post(receiver.url, BODY.replace('replied', 'converted'), signature)).status).toBe(400);
    expect(receiver.accepted).toEqual(['evt_1']);
  });
});
