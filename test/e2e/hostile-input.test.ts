/**
 * Hostile input over HTTP against the embedded runtime: huge webhook bodies, over-long
 * ids and parameters. Every one gets a 4xx, and the server keeps answering everyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

let app: TestRuntime;

beforeAll(async () => {
  app = await startTestRuntime();
});
afterAll(async () => {
  await app?.close();
});

describe('webhook bodies', () => {
  it('a 1.2 MB forged SMS webhook of 100,000 repeated keys is refused while /health keeps answering', async () => {
    const body = Array.from({ length: 100_000 }, (_, i) => `Body=${String(i).padStart(7, '0')}`).join('&');
    const attack = fetch(`${app.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'Zm9yZ2Vk' },
      body,
    });
    const health = await Promise.all([1, 2, 3].map(() => app.request('GET', '/health', { apiKey: null })));
    expect(health.map((h) => h.status)).toEqual([200, 200, 200]);
    expect([403, 413]).toContain((await attack).status);
    expect((await app.request('GET', '/health', { apiKey: null })).status).toBe(200);
  });
});
