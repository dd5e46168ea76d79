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

describe('ids in paths', () => {
  it('an over-long or malformed id is a 400 naming the parameter; a well-formed unknown one is a 404', async () => {
    for (const path of [`/prospects/${'x'.repeat(2_100)}`, `/prospects/p_${'a'.repeat(2_100)}`, `/enrollments/p_abc.${'s'.repeat(1_100)}/stop`, `/sequences/${'S'.repeat(2_100)}/stats`]) {
      const method = path.endsWith('/stop') ? 'POST' : 'GET';
      const response = await app.request(method, path);
      expect(response.status, path.slice(0, 40)).toBe(400);
      expect(response.body).toMatchObject({ field: 'id', error: expect.stringMatching(/^path parameter "id"/) });
    }
    expect((await app.request('GET', '/prospects/p_000000000000000000000000')).status).toBe(404);
  });
});
