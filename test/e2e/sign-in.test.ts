/**
 * The local OAuth provider end to end, over HTTP as the console uses it: the banner's
 * one-time link, PKCE, codes and refresh tokens that work once, the console's
 * configuration and page, and what a signed-in user may not reach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../functions/local/console-assets.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { authorize, newPkce, readConsoleConfig, signIn, tokenRequest } from '../support/sign-in.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(() => t.close());

/** node:http, because fetch does not let a caller choose the Host header. */
function withHost(path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: t.runtime.port, path, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const loginOf = (signInUrl: string) => new URL(signInUrl).searchParams.get('login') ?? '';
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

async function newViewerLink(email = `viewer-${Math.random().toString(36).slice(2)}@example.com`): Promise<string> {
  const created = await t.request('POST', '/dev/users', { body: { email, role: 'viewer' } });
  expect(created.status).toBe(201);
  return created.body.signInUrl as string;
}

describe('local sign-in (authorization code + PKCE)', () => {
  it('the banner link signs in the default editor with a Cognito-shaped, one-hour access token', async () => {
    expect(t.runtime.signInUrl).toMatch(new RegExp(`^${t.url}/console/\\?login=[A-Za-z0-9_-]{43}$`));
    const tokens = await signIn(t.runtime.signInUrl);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = claimsOf(tokens.access_token);
    expect(claims).toMatchObject({ iss: t.url, email: 'dev@localhost', 'cognito:groups': ['editor'], client_id: 'followup-console', token_use: 'access' });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims).not.toHaveProperty('aud');
    const sequences = await t.request('GET', '/sequences', { apiKey: tokens.access_token });
    expect(sequences.status).toBe(200);
  });

  it('a one-time link works once', async () => {
    const link = await newViewerLink();
    await signIn(link);
    const config = await readConsoleConfig(t.url);
    const again = await authorize(config, loginOf(link), newPkce());
    expect(again.status).toBe(302);
    expect(again.query.get('code')).toBeNull();
    expect(again.query.get('error')).toBe('access_denied');
    expect(again.query.get('error_description')).toMatch(/already used or has expired/);
    expect(again.query.get('state')).toBe('state-1');
    expect((await authorize(config, 'made-up-code', newPkce())).query.get('error')).toBe('access_denied');
  });

  it('the code needs the right verifier, works once, and a replay ends the session it started', async () => {
    const config = await readConsoleConfig(t.url);
    const pkce = newPkce();
    const { query } = await authorize(config, loginOf(await newViewerLink()), pkce);
    const code = query.get('code') as string;
    const exchange = (verifier: string) =>
      tokenRequest(config, { grant_type: 'authorization_code', code, redirect_uri: config.auth.redirectUri, code_verifier: verifier });

    const wrong = await exchange(newPkce().verifier);
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant', field: 'code_verifier' } });
    // The wrong verifier used the code up: even the right one is refused now.
    expect(await exchange(pkce.verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const pkce2 = newPkce();
    const second = await authorize(config, loginOf(await newViewerLink()), pkce2);
    const code2 = second.query.get('code') as string;
    const form = { grant_type: 'authorization_code', code: code2, redirect_uri: config.auth.redirectUri, code_verifier: pkce2.verifier };
    const ok = await tokenRequest(config, form);
    expect(ok.status).toBe(200);
    const reused = await tokenRequest(config, form);
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The replay revoked the session's refresh token.
    expect(await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: ok.body.refresh_token as string })).toMatchObject({ status: 400 });
  });

  it('refuses authorize requests without PKCE S256, for another client or another redirect URI', async () => {
    const config = await readConsoleConfig(t.url);
    const login = loginOf(await newViewerLink());
    expect((await authorize(config, login, newPkce(), { code_challenge_method: 'plain' })).query.get('error')).toBe('invalid_request');
    expect((await authorize(config, login, { verifier: '', challenge: 'short' })).query.get('error')).toBe('invalid_request');
    const otherClient = await authorize(config, login, newPkce(), { client_id: 'evil' });
    expect(otherClient.status).toBe(400);
    const otherRedirect = await authorize(config, login, newPkce(), { redirect_uri: 'https://evil.example/console/' });
    expect(otherRedirect).toMatchObject({ status: 400 });
    expect(otherRedirect.body).toContain('redirect_uri');
    // Refused requests used no link: it still signs in.
    expect((await authorize(config, login, newPkce())).query.get('code')).toBeTruthy();
  });

  it('a refresh token gives a new access token once (rotation)', async () => {
    const tokens = await signIn(await newViewerLink());
    const config = await readConsoleConfig(t.url);
    const refreshed = await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(tokens.access_token);
    expect((await t.request('GET', '/sequences', { apiKey: refreshed.body.access_token as string })).status).toBe(200);
    expect(await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await tokenRequest(config, { grant_type: 'password', username: 'x', password: 'y' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('a user token never opens the dev routes, and a forged or foreign-host request is refused', async () => {
    const editor = await signIn((await t.request('POST', '/dev/users', { body: { email: 'ed@example.com', role: 'editor' } })).body.signInUrl);
    expect((await t.request('GET', '/dev/outbox', { apiKey: editor.access_token })).status).toBe(403);
    expect((await t.request('POST', '/dev/users', { apiKey: editor.access_token, body: { email: 'x@example.com', role: 'editor' } })).status).toBe(403);
    expect((await t.request('POST', '/dev/users', { body: { email: 'x@example.com', role: 'admin' } })).body).toMatchObject({ field: 'role' });
    for (const path of ['/auth/authorize', '/.well-known/jwks.json', '/console/config.json']) {
      const foreign = await withHost(path, `evil.example:${t.runtime.port}`);
      expect(foreign.status, path).toBe(403);
      expect(JSON.parse(foreign.text), path).toMatchObject({ field: 'host' });
    }
    const payload = claimsOf(editor.access_token);
    expect((await t.request('GET', '/sequences', { apiKey: `${editor.access_token.split('.')[0]}.${Buffer.from(JSON.stringify({ ...payload, 'cognito:groups': ['editor'], email: 'evil@x' })).toString('base64url')}.${editor.access_token.split('.')[2]}` })).status).toBe(403);
  });

  it('serves the console configuration and page with a strict CSP', async () => {
    const config = await readConsoleConfig(t.url);
    expect(config).toEqual({
      apiUrl: t.url,
      auth: {
        authorizeUrl: `${t.url}/auth/authorize`,
        tokenUrl: `${t.url}/auth/token`,
        clientId: 'followup-console',
        redirectUri: `${t.url}/console/`,
        scopes: ['openid', 'email', 'profile'],
      },
    });
    const localhost = t.url.replace('127.0.0.1', 'localhost');
    expect((await readConsoleConfig(localhost)).apiUrl).toBe(localhost);
    const page = await fetch(`${t.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toMatch(/npm run build:console|<script/);
    expect((await fetch(`${t.url}/console/..%2f..%2fpackage.json`)).status).toBe(404);
    expect(((await fetch(`${t.url}/.well-known/jwks.json`).then((r) => r.json())) as { keys: unknown[] }).keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });
});

describe('local sign-in with --data-dir', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'followup-auth-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the signing key and the users across a restart: a token stays valid', async () => {
    const first = await startTestRuntime({ dataDir: dir, port: 0 });
    let token: string;
    try {
      token = (await signIn(first.runtime.signInUrl)).access_token;
    } finally {
      await first.close();
    }
    // A restart on the same port, so the issuer (the URL) is the same.
    const port = first.runtime.port;
    const second = await startTestRuntime({ dataDir: dir, port });
    try {
      expect((await second.request('GET', '/sequences', { apiKey: token })).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
