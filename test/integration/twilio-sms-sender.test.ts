import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  TwilioSmsSender,
  classifyTwilioError,
  parseRetryAfter,
  type TwilioCredentials,
} from '../../functions/adapters/twilio-sms-sender.js';
import { signTwilioRequest, startTwilioStub, type TwilioStub } from '../../functions/local/twilio-stub.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'local-auth-token-0123456789';
const FROM = '+15005550006';
const TO = '+14155550123';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('TwilioSmsSender with the real twilio client against the local stub', () => {
  let stub: TwilioStub;
  let credentialReads = 0;
  let credentials: TwilioCredentials;
  let sender: TwilioSmsSender;

  beforeAll(async () => {
    stub = await startTwilioStub({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.reset();
    credentialReads = 0;
    credentials = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: stub.url };
    sender = new TwilioSmsSender(async () => {
      credentialReads += 1;
      return credentials;
    });
  });

  it('sends and returns the message SID', async () => {
    const result = await sender.send({
      to: TO,
      from: FROM,
      body: 'Hi Grace, quick follow-up. Reply STOP to opt out.',
      statusCallbackUrl: 'https://app.example/webhooks/twilio/status',
    });

    expect(result.kind).toBe('sent');
    const [message, ...others] = stub.messages();
    expect(others).toHaveLength(0);
    expect(message?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result).toEqual({ kind: 'sent', providerMessageId: message!.sid });
    expect(message).toMatchObject({
      to: TO,
      from: FROM,
      body: 'Hi Grace, quick follow-up. Reply STOP to opt out.',
      statusCallback: 'https://app.example/webhooks/twilio/status',
    });
  });

  it('sends through a Messaging Service', async () => {
    const result = await sender.send({ to: TO, messagingServiceSid: 'MG0123', body: 'hello' });
    expect(result.kind).toBe('sent');
    expect(stub.messages()[0]).toMatchObject({ messagingServiceSid: 'MG0123', body: 'hello' });
    expect(stub.messages()[0]?.from).toBeUndefined();
  });

  it('a 429 is retryable with the Retry-After hint, and the next attempt succeeds', async () => {
    stub.failNext({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 7 });
    const first = await sender.send({ to: TO, from: FROM, body: 'one' });
    expect(first).toEqual({ kind: 'retryable', reason: 'Twilio 20429: Too Many Requests', retryAfterSeconds: 7 });
    expect(stub.messages()).toHaveLength(0);

    const second = await sender.send({ to: TO, from: FROM, body: 'one' });
    expect(second.kind).toBe('sent');
    expect(stub.messages()).toHaveLength(1);
  });

  it('the client does not retry by itself: two injected 429s fail two sends', async () => {
    stub.failNext({ status: 429, times: 2 });
    expect((await sender.send({ to: TO, from: FROM, body: 'a' })).kind).toBe('retryable');
    expect((await sender.send({ to: TO, from: FROM, body: 'a' })).kind).toBe('retryable');
    expect((await sender.send({ to: TO, from: FROM, body: 'a' })).kind).toBe('sent');
  });

  it('a 500 is retryable', async () => {
    stub.failNext({ status: 500 });
    const result = await sender.send({ to: TO, from: FROM, body: 'x' });
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.retryAfterSeconds).toBeFalsy();
  });

  it('an invalid number (magic +15005550001) is permanent with code 21211', async () => {
    const result = await sender.send({ to: '+15005550001', from: FROM, body: 'x' });
    expect(result).toMatchObject({ kind: 'permanent', code: '21211' });
    expect(stub.messages()).toHaveLength(0);
  });

  it('an unsubscribed recipient (21610) is permanent with its code', async () => {
    stub.failNext({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    expect(await sender.send({ to: TO, from: FROM, body: 'x' })).toEqual({
      kind: 'permanent',
      reason: 'Twilio 21610: Attempt to send to unsubscribed recipient',
      code: '21610',
    });
    expect(await sender.send({ to: '+15005550009', from: FROM, body: 'x' })).toMatchObject({ code: '21614' });
    expect(await sender.send({ to: '+15005550003', from: FROM, body: 'x' })).toMatchObject({ code: '21408' });
  });

  it('bad credentials are retryable and re-read on the next send', async () => {
    credentials = { ...credentials, authToken: 'wrong-token' };
    const result = await sender.send({ to: TO, from: FROM, body: 'x' });
    expect(result).toMatchObject({ kind: 'retryable', reason: expect.stringContaining('20003') });
    expect(credentialReads).toBe(1);

    credentials = { ...credentials, authToken: AUTH_TOKEN };
    expect((await sender.send({ to: TO, from: FROM, body: 'x' })).kind).toBe('sent');
    expect(credentialReads).toBe(2);
    // Once loaded, the client is reused.
    await sender.send({ to: TO, from: FROM, body: 'y' });
    expect(credentialReads).toBe(2);
  });

  it('a refused connection is retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const offline = new TwilioSmsSender(async () => ({ ...credentials, apiBaseUrl: `http://127.0.0.1:${port}` }));
    const result = await offline.send({ to: TO, from: FROM, body: 'x' });
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.reason).toMatch(/ECONNREFUSED/);
  });

  it('a request that times out is retryable', async () => {
    const hanging = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const slow = new TwilioSmsSender(async () => ({ ...credentials, apiBaseUrl: `http://127.0.0.1:${port}` }), {
        requestTimeoutMs: 200,
      });
      const result = await slow.send({ to: TO, from: FROM, body: 'x' });
      expect(result.kind).toBe('retryable');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('a failing credentials provider is retryable and retried on the next send', async () => {
    let fail = true;
    const flaky = new TwilioSmsSender(async () => {
      if (fail) throw new Error('Secrets Manager unavailable');
      return credentials;
    });
    expect(await flaky.send({ to: TO, from: FROM, body: 'x' })).toMatchObject({
      kind: 'retryable',
      reason: expect.stringContaining('Secrets Manager unavailable'),
    });
    fail = false;
    expect((await flaky.send({ to: TO, from: FROM, body: 'x' })).kind).toBe('sent');
  });

  it('does not load the twilio package until the first send', async () => {
    // A fresh process: this test file itself has loaded twilio (the stub signs with it).
    const child = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/noop.js');
      const twilioLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/twilio/'));
      const { TwilioSmsSender } = await import(process.cwd() + '/functions/adapters/twilio-sms-sender.ts');
      const sender = new TwilioSmsSender(async () => JSON.parse(process.env.TWILIO_TEST_CREDENTIALS));
      const beforeSend = twilioLoaded();
      const result = await sender.send({ to: '${TO}', from: '${FROM}', body: 'lazy' });
      console.log(JSON.stringify({ beforeSend, afterSend: twilioLoaded(), result }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', child],
      {
        cwd: repoRoot,
        env: { ...process.env, TWILIO_TEST_CREDENTIALS: JSON.stringify(credentials) },
        timeout: 30_000,
      },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      beforeSend: boolean;
      afterSend: boolean;
      result: { kind: string };
    };
    expect(report).toMatchObject({ beforeSend: false, afterSend: true, result: { kind: 'sent' } });
    expect(stub.messages().map((m) => m.body)).toEqual(['lazy']);
  });
});

describe('twilio stub', () => {
  let stub: TwilioStub;
  beforeAll(async () => {
    stub = await startTwilioStub({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  });
  afterAll(async () => {
    await stub.close();
  });

  it('answers 401 without valid basic auth and 404 for another account', async () => {
    const post = (path: string, auth: string) =>
      fetch(`${stub.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: TO, From: FROM, Body: 'x' }),
      });
    const unauthorised = await post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, `${ACCOUNT_SID}:nope`);
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toMatchObject({ code: 20003, status: 401 });
    const elsewhere = await post(`/2010-04-01/Accounts/ACother/Messages.json`, `${ACCOUNT_SID}:${AUTH_TOKEN}`);
    expect(elsewhere.status).toBe(404);
    const created = await post(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, `${ACCOUNT_SID}:${AUTH_TOKEN}`);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      account_sid: ACCOUNT_SID,
      status: 'queued',
      direction: 'outbound-api',
      to: TO,
      from: FROM,
      num_segments: '1',
    });
  });

  it('signs webhook requests the way twilio.validateRequest checks them', () => {
    const url = 'https://app.example/webhooks/twilio/sms';
    const params = { From: TO, To: FROM, Body: 'STOP', MessageSid: 'SM123' };
    const signature = signTwilioRequest(url, params, AUTH_TOKEN);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, params)).toBe(true);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, url, { ...params, Body: 'START' })).toBe(false);
    expect(twilio.validateRequest('other-token', signature, url, params)).toBe(false);
  });
});

describe('classifyTwilioError', () => {
  const rest = (status: number, code?: number) => Object.assign(new Error('msg'), { status, code });

  it.each([
    [429, 20429, 'retryable'],
    [500, 20500, 'retryable'],
    [503, undefined, 'retryable'],
    [400, 21611, 'retryable'],
    [401, 20003, 'retryable'],
    [400, 21211, 'permanent'],
    [400, 21610, 'permanent'],
    [400, 21614, 'permanent'],
    [400, 21408, 'permanent'],
    [400, 21612, 'permanent'],
    [404, 20404, 'permanent'],
    [400, undefined, 'permanent'],
  ] as const)('HTTP %i code %s → %s', (status, code, kind) => {
    const result = classifyTwilioError(rest(status, code));
    expect(result.kind).toBe(kind);
    if (result.kind === 'permanent' && code !== undefined) expect(result.code).toBe(String(code));
  });

  it('socket errors, including wrapped ones, are retryable', () => {
    expect(classifyTwilioError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toEqual({
      kind: 'retryable',
      reason: 'ECONNRESET: reset',
    });
    const wrapped = new Error('request failed', { cause: Object.assign(new Error('t'), { code: 'ETIMEDOUT' }) });
    expect(classifyTwilioError(wrapped).reason).toMatch(/^ETIMEDOUT/);
  });

  it('honours Retry-After in seconds or as an HTTP date', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(classifyTwilioError(rest(429, 20429), '3', now)).toMatchObject({ retryAfterSeconds: 3 });
  });
});
