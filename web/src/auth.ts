/**
 * Signing in: OAuth 2.0 authorization code with PKCE (S256) against the endpoints
 * `/console/config.json` names: the local provider of `npm start`, or Cognito's managed
 * login in AWS. Tokens live in memory and sessionStorage (one tab's session; never a
 * cookie, so every state change is CSRF-safe by construction), and the `login`, `code`
 * and `state` query parameters are removed from the address bar as soon as they are read.
 */
import { tokenResponse, type ConsoleConfig, type TokenResponse } from '../../functions/contract/auth.js';
import { ROLES, type Role } from '../../functions/domain/roles.js';

const SESSION_KEY = 'followup.session';
const PENDING_KEY = 'followup.pending-sign-in';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export interface SignedInUser {
  sub: string;
  email: string;
  name?: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  user: SignedInUser;
}

export class SignInError extends Error {
  override name = 'SignInError';
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** The claims the console reads from an access token (the API verifies it; this only shows who is signed in). */
export function userFromToken(token: string): SignedInUser {
  const payload = token.split('.')[1];
  if (!payload) throw new SignInError('the sign-in answer held no access token');
  const json = new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
  const claims = JSON.parse(json) as Record<string, unknown>;
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]) : [];
  // Editor wins, as in the authorizer (domain/roles.ts).
  const role = ROLES.find((r) => groups.includes(r)) ?? 'viewer';
  const email = typeof claims.email === 'string' ? claims.email : typeof claims.username === 'string' ? claims.username : String(claims.sub ?? '');
  return {
    sub: String(claims.sub ?? ''),
    email,
    role,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
  };
}

function sessionFrom(tokens: TokenResponse, previous?: Session): Session {
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  return {
    accessToken: tokens.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: Date.now() + tokens.expires_in * 1000,
    user: userFromToken(tokens.access_token),
  };
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** Sends the browser to the authorize endpoint; `loginHint` is a local one-time sign-in code. */
export async function beginSignIn(config: ConsoleConfig, loginHint?: string): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo: location.hash }));
  const url = new URL(config.auth.authorizeUrl);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: config.auth.redirectUri,
    scope: config.auth.scopes.join(' '),
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
    ...(loginHint ? { login_hint: loginHint } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.toString());
}

async function tokenRequest(config: ConsoleConfig, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(config.auth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.auth.clientId, ...form }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new SignInError(String(body.error_description ?? body.error ?? `the sign-in service answered ${response.status}`));
  }
  return tokenResponse.parse(body);
}

/** Removes sign-in parameters from the address bar (the fragment, the app's route, stays). */
function cleanAddressBar(): void {
  history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
}

export type SignInStep =
  | { kind: 'redirecting' }
  | { kind: 'signed-in'; session: Session; returnTo?: string }
  | { kind: 'signed-out'; error?: string };

/**
 * Reads where this page load stands: a `?login=` link to follow, a `?code=` to exchange,
 * an `?error=` from the provider, a stored session, or nobody signed in.
 */
export async function resumeSignIn(config: ConsoleConfig): Promise<SignInStep> {
  const params = new URLSearchParams(location.search);
  const login = params.get('login');
  if (login) {
    cleanAddressBar();
    await beginSignIn(config, login);
    return { kind: 'redirecting' };
  }
  const error = params.get('error');
  const code = params.get('code');
  if (error || code) {
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo?: string } | null;
    sessionStorage.removeItem(PENDING_KEY);
    const state = params.get('state');
    cleanAddressBar();
    if (error) return { kind: 'signed-out', error: params.get('error_description') ?? error };
    if (!pending || pending.state !== state) return { kind: 'signed-out', error: 'this sign-in was not started from this tab; open the link again' };
    try {
      const tokens = await tokenRequest(config, {
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: config.auth.redirectUri,
        code_verifier: pending.verifier,
      });
      const session = sessionFrom(tokens);
      saveSession(session);
      return { kind: 'signed-in', session, ...(pending.returnTo ? { returnTo: pending.returnTo } : {}) };
    } catch (failure) {
      return { kind: 'signed-out', error: (failure as Error).message };
    }
  }
  const session = loadSession();
  return session ? { kind: 'signed-in', session } : { kind: 'signed-out' };
}

/** Keeps one session fresh: the access token is refreshed shortly before it expires, or after a 401. */
export class SessionKeeper {
  private refreshing: Promise<Session | undefined> | undefined;

  constructor(
    private readonly config: ConsoleConfig,
    private session: Session | undefined,
    /** `reason` is set when the session ended: the user signed out, or it could not be renewed. */
    private readonly onChange: (session: Session | undefined, reason?: 'signed-out' | 'expired') => void,
  ) {}

  get current(): Session | undefined {
    return this.session;
  }

  /** A token good for the next minute, refreshing it first if need be; undefined when signed out. */
  async token(forceRefresh = false): Promise<string | undefined> {
    if (!this.session) return undefined;
    if (forceRefresh || this.session.expiresAt - REFRESH_MARGIN_MS <= Date.now()) await this.refresh();
    return this.session?.accessToken;
  }

  private refresh(): Promise<Session | undefined> {
    this.refreshing ??= (async () => {
      const refreshToken = this.session?.refreshToken;
      try {
        if (!refreshToken) throw new SignInError('the session has expired');
        this.update(sessionFrom(await tokenRequest(this.config, { grant_type: 'refresh_token', refresh_token: refreshToken }), this.session));
      } catch {
        this.update(undefined, 'expired');
      } finally {
        this.refreshing = undefined;
      }
      return this.session;
    })();
    return this.refreshing;
  }

  signOut(): void {
    this.update(undefined, 'signed-out');
    if (this.config.auth.logoutUrl) location.assign(this.config.auth.logoutUrl);
  }

  private update(session: Session | undefined, reason?: 'signed-out' | 'expired'): void {
    this.session = session;
    saveSession(session);
    this.onChange(session, reason);
  }
}
