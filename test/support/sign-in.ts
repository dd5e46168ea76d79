/**
 * Signs in to the embedded runtime the way the console does, over HTTP only: read
 * `/console/config.json`, send the browser to the authorize endpoint with PKCE (S256) and
 * the one-time `login` of a sign-in link, take the code from the redirect, exchange it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { consoleConfig, tokenResponse, type ConsoleConfig, type TokenResponse } from '../../functions/contract/auth.js';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function readConsoleConfig(baseUrl: string): Promise<ConsoleConfig> {
  const response = await fetch(`${baseUrl}/console/config.json`);
  if (response.status !== 200) throw new Error(`config.json: ${response.status}`);
  return consoleConfig.parse(await response.json());
}

/** The authorize step: the redirect's query (`code` and `state`, or `error`). */
export async function authorize(config: ConsoleConfig, loginCode: string, pkce: Pkce, extra: Record<string, string> = {}) {
  const url = new URL(config.auth.authorizeUrl);
  const params = {
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: config.auth.redirectUri,
    scope: config.auth.scopes.join(' '),
    state: 'state-1',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    login_hint: loginCode,
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) return { status: response.status, query: new URLSearchParams(), body: await response.text() };
  return { status: response.status, query: new URL(location).searchParams, location };
}

export async function tokenRequest(config: ConsoleConfig, form: Record<string, string>) {
  const response = await fetch(config.auth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.auth.clientId, ...form }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The whole flow for a sign-in link (`…/console/?login=…`): the token response. */
export async function signIn(signInUrl: string): Promise<TokenResponse> {
  const link = new URL(signInUrl);
  const config = await readConsoleConfig(link.origin);
  const pkce = newPkce();
  const login = link.searchParams.get('login') ?? '';
  const { query } = await authorize(config, login, pkce);
  const code = query.get('code');
  if (!code) throw new Error(`sign-in refused: ${query.get('error')} ${query.get('error_description')}`);
  const token = await tokenRequest(config, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: config.auth.redirectUri,
    code_verifier: pkce.verifier,
  });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  return tokenResponse.parse(token.body);
}
