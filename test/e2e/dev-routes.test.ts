/**
 * The development routes of the embedded runtime (`/dev/*`) over HTTP: they need the admin
 * key, answer only to this server's own Host and Origin, take only JSON (or MIME for
 * inbound mail), and validate what they are given. Without that, any web page a developer
 * opens could move the clock or forge replies, and DNS rebinding could read the outbox.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONDAY_1300_UTC, startTestRuntime, TEST_API_KEY, type TestRuntime } from '../support/local-runtime.js';

const PUBLIC_URL = 'https://followup-dev.example.test';
let app: TestRuntime;

beforeAll(async () => {
  app = await startTestRuntime({ publicUrl: PUBLIC_URL });
});
afterAll(async () => {
  await app?.close();
});

/** node:http, because fetch does not let a caller choose the Host header. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const url = new URL(path, app.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TEST_API_KEY}` };
const json = { 'content-type': 'application/json' };

async function clock(body: unknown, options: { contentType?: string; apiKey?: string | null } = {}) {
  return app.request('POST', '/dev/clock', { body: typeof body === 'string' ? body : JSON.stringify(body), contentType: options.contentType ?? 'application/json', ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}) });
}

describe('dev routes need the admin key', () => {
  it('no key: 401 (with a Basic challenge for browsers); a wrong key: 403; the right key as Bearer: 200', async () => {
    for (const [method, path] of [['GET', '/dev/outbox'], ['GET', '/dev/clock'], ['POST', '/dev/clock'], ['POST', '/dev/inbound/email'], ['POST', '/dev/email-events']] as const) {
      const none = await app.request(method, path, { apiKey: null, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = await app.request(method, path, { apiKey: 'wrong-key-000000', ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(wrong.status, `${method} ${path}`).toBe(403);
    }
    const answer = await app.request('GET', '/dev/clock');
    expect(answer.status).toBe(200);
    expect(Date.parse(answer.body.now)).toBeGreaterThanOrEqual(MONDAY_1300_UTC.getTime());
  });

  it('a browser can read the outbox page with the key as the Basic password', async () => {
    const basic = `Basic ${Buffer.from(`dev:${TEST_API_KEY}`).toString('base64')}`;
    const page = await raw('GET', '/dev/outbox', { accept: 'text/html', authorization: basic });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Followup outbox');
    const wrong = await raw('GET', '/dev/outbox', { accept: 'text/html', authorization: `Basic ${Buffer.from('dev:nope-nope-nope').toString('base64')}` });
    expect(wrong.status).toBe(403);
  });
});

describe('dev routes answer only this server', () => {
  it('a foreign Host (DNS rebinding) is refused even with the key; 127.0.0.1, localhost and the public URL host are fine', async () => {
    const port = new URL(app.url).port;
    const rebound = await raw('GET', '/dev/outbox', { host: `attacker.example:${port}`, ...bearer });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.text)).toMatchObject({ field: 'host' });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, new URL(PUBLIC_URL).host]) {
      expect((await raw('GET', '/dev/clock', { host, ...bearer })).status, host).toBe(200);
    }
  });

  it('a cross-origin request is refused; one from the server itself is fine', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const response = await raw('POST', '/dev/clock', { origin, ...bearer, ...json }, '{"advance":"1m"}');
      expect(response.status, origin).toBe(403);
      expect(JSON.parse(response.text)).toMatchObject({ field: 'origin' });
    }
    expect((await raw('POST', '/dev/clock', { origin: app.url, ...bearer, ...json }, '{"advance":"1m"}')).status).toBe(200);
  });

  it('text/plain and form posts are refused (415): the kinds of POST any web page can send', async () => {
    const before = Date.parse((await app.request('GET', '/dev/clock')).body.now);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await clock('{"advance":"1d"}', { contentType: type });
      expect(response.status, type).toBe(415);
      expect(response.body).toMatchObject({ field: 'content-type' });
    }
    const mail = await app.request('POST', '/dev/inbound/email', { body: 'From: a@example.com\r\n\r\nhi', contentType: 'text/plain' });
    expect(mail.status).toBe(415);
    // The clock did not jump a day (it only ran on at real speed meanwhile).
    expect(Date.parse((await app.request('GET', '/dev/clock')).body.now) - before).toBeLessThan(60_000);
  });
});

describe('POST /dev/clock', () => {
  async function now(): Promise<number> {
    return Date.parse((await app.request('GET', '/dev/clock')).body.now);
  }
  /** The virtual clock also runs at real speed between two requests: allow a few seconds. */
  const SLACK_MS = 5_000;

  it('accepts every duration sequence.yaml accepts', async () => {
    for (const [advance, ms] of [['90m', 90 * 60_000], ['3 hours', 3 * 3_600_000], ['3 days', 3 * 86_400_000], ['1 week', 7 * 86_400_000], ['2d', 2 * 86_400_000], ['0', 0]] as const) {
      const start = await now();
      const response = await clock({ advance });
      expect(response.status, advance).toBe(200);
      expect(Date.parse(response.body.now) - start, advance).toBeGreaterThanOrEqual(ms);
      expect(Date.parse(response.body.now) - start, advance).toBeLessThan(ms + SLACK_MS);
    }
  });

  it('business days skip the weekend, as a step wait does', async () => {
    // Move to a Friday 12:00 UTC first.
    const start = new Date(await now());
    const daysToFriday = (5 - start.getUTCDay() + 7) % 7 || 7;
    const friday = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + daysToFriday, 12);
    await clock({ advance: `${Math.round((friday - start.getTime()) / 60_000)} minutes` });
    const onFriday = await now();
    expect(new Date(onFriday).getUTCDay()).toBe(5);
    const response = await clock({ advance: '2 business days' });
    expect(response.status).toBe(200);
    // Friday + 2 business days = Tuesday, same time.
    const tuesday = Date.parse(response.body.now);
    expect(new Date(tuesday).getUTCDay()).toBe(2);
    expect(tuesday - onFriday).toBeGreaterThanOrEqual(4 * 86_400_000);
    expect(tuesday - onFriday).toBeLessThan(4 * 86_400_000 + SLACK_MS);
  });

  it('refuses more than 400 days, and a huge advance never breaks the clock', async () => {
    const start = await now();
    for (const advance of ['401 days', '100000000d', '58 weeks', '300 business days', '9999999999999999999999 minutes']) {
      const response = await clock({ advance });
      expect(response.status, advance).toBe(400);
      expect(response.body).toMatchObject({ field: 'advance', error: expect.stringMatching(/400 days|not a valid|too long/) });
    }
    expect((await now()) - start).toBeLessThan(SLACK_MS);
    expect((await clock({ advance: '1m' })).status).toBe(200);
    expect((await app.request('GET', '/sequences')).status).toBe(200);
  });

  it('invalid JSON, a missing or unknown field, or a bad duration: 400 naming the field', async () => {
    expect((await clock('{"advance": ')).body).toMatchObject({ error: expect.stringMatching(/not valid JSON/) });
    expect((await clock('{"advance": ')).status).toBe(400);
    expect((await clock({})).body).toMatchObject({ field: 'advance' });
    expect((await clock({ advance: '1d', speed: 2 })).body).toMatchObject({ field: 'speed', error: expect.stringMatching(/unknown field "speed"/) });
    expect((await clock({ advance: 'two days' })).body).toMatchObject({ field: 'advance', error: expect.stringMatching(/not a valid/) });
    expect((await clock({ advance: 5 })).status).toBe(400);
    expect((await clock([])).status).toBe(400);
  });
});
