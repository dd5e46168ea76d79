/**
 * `npm start` signs users in itself: a small OAuth 2.0 provider that issues the same kind
 * of access token as the Cognito user pool of a deployment (RS256; `sub`, `email`,
 * `cognito:groups`, `client_id`, `token_use: 'access'`, `exp` one hour), so the authorizer
 * verifies both with the same code (adapters/user-token-verifier.ts), only the issuer and
 * JWKS URL differ. README "Sign-in and roles" describes the flow.
 *
 * - `GET /.well-known/jwks.json`: the public key. The RSA key pair is generated on first
 *   start and kept in `<data dir>/auth/` with `--data-dir` (tokens stay valid across a
 *   restart); in memory otherwise.
 * - `GET /auth/authorize`: authorization code with PKCE (S256 only) for the console's
 *   public client. There is no password: `login_hint` must be a one-time sign-in code (the
 *   banner prints a link with one for dev@localhost; `POST /dev/users` makes more), valid
 *   10 minutes, used once.
 * - `POST /auth/token`: `authorization_code` (with `code_verifier`; a code works once) and
 *   `refresh_token` (rotated: each works once; refresh tokens live in memory, 12 hours).
 *
 * Token times are real time, not the virtual clock: a session is about the person at the
 * keyboard, and advancing the clock by two weeks must not sign them out.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ConsoleConfig, TokenResponse } from '../contract/auth.js';
import type { Role } from '../domain/roles.js';

export const LOCAL_CLIENT_ID = 'followup-console';
export const LOCAL_SCOPES = ['openid', 'email', 'profile'] as const;
/** The editor the banner's sign-in link signs in. */
export const DEFAULT_LOCAL_USER = { email: 'dev@localhost', role: 'editor' } as const;
/** Where the console lives; redirect URIs must be under it, on one of the runtime's own origins. */
export const CONSOLE_PATH = '/console/';

const ACCESS_TOKEN_SECONDS = 3600;
const LOGIN_CODE_MS = 10 * 60_000;
const AUTHORIZATION_CODE_MS = 2 * 60_000;
const REFRESH_TOKEN_MS = 12 * 3600_000;
/** RFC 7636: 43 to 128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface LocalUser {
  sub: string;
  email: string;
  role: Role;
  name?: string;
}

interface Expiring {
  expiresAt: number;
}
interface AuthorizationCode extends Expiring {
  sub: string;
  redirectUri: string;
  challenge: string;
  scope: string;
}
interface RefreshToken extends Expiring {
  sub: string;
  scope: string;
  /** The code the session started from: a replayed code revokes the session (RFC 6749 §4.1.2). */
  code: string;
}

export interface OAuthProviderOptions {
  /** `iss` of every token: the runtime's URL. */
  issuer: string;
  /** Keep the key pair and users here (`<data dir>/auth`). */
  dataDir?: string;
  /** Milliseconds since the epoch; real time by default. */
  now?: () => number;
}

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'unsupported_response_type' | 'access_denied';

class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');
const randomToken = () => randomBytes(32).toString('base64url');

export class LocalOAuthProvider {
  private readonly users = new Map<string, LocalUser>();
  /** One-time sign-in codes (the `login` of a sign-in link) by their hash → user email. */
  private readonly loginCodes = new Map<string, Expiring & { email: string }>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly now: () => number;

  private constructor(
    private readonly options: OAuthProviderOptions,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async start(options: OAuthProviderOptions): Promise<LocalOAuthProvider> {
    const dir = options.dataDir ? join(options.dataDir, 'auth') : undefined;
    const { privateKey, publicJwk } = await loadOrCreateKey(dir);
    const provider = new LocalOAuthProvider(options, privateKey, publicJwk);
    if (dir) for (const user of await readJson<LocalUser[]>(join(dir, 'users.json'), [])) provider.users.set(user.email, user);
    return provider;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** Creates (or updates the role of) a local user and hands out a one-time sign-in code. */
  async createUser(input: { email: string; role: Role; name?: string }): Promise<{ user: LocalUser; loginCode: string }> {
    const email = input.email.trim().toLowerCase();
    const existing = this.users.get(email);
    const user: LocalUser = { sub: existing?.sub ?? randomUUID(), email, role: input.role, ...((input.name ?? existing?.name) ? { name: input.name ?? existing?.name } : {}) };
    this.users.set(email, user);
    await this.saveUsers();
    const loginCode = randomToken();
    this.loginCodes.set(hash(loginCode), { email, expiresAt: this.now() + LOGIN_CODE_MS });
    return { user, loginCode };
  }

  /** The console URL that signs a user in with a one-time code. */
  signInUrl(origin: string, loginCode: string): string {
    return `${origin}${CONSOLE_PATH}?login=${encodeURIComponent(loginCode)}`;
  }

  /** `GET /console/config.json` for a browser that reached the runtime at `origin`. */
  consoleConfig(origin: string): ConsoleConfig {
    return {
      apiUrl: origin,
      auth: {
        authorizeUrl: `${origin}/auth/authorize`,
        tokenUrl: `${origin}/auth/token`,
        clientId: LOCAL_CLIENT_ID,
        redirectUri: `${origin}${CONSOLE_PATH}`,
        scopes: [...LOCAL_SCOPES],
      },
    };
  }

  /**
   * Answers `/.well-known/jwks.json`, `/auth/authorize` and `/auth/token`; false for any
   * other path. `ownOrigins`: where a redirect URI may point.
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, ownOrigins: ReadonlySet<string>): Promise<boolean> {
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /.well-known/jwks.json':
        writeJson(res, 200, this.jwks(), { 'cache-control': 'public, max-age=300' });
        return true;
      case 'GET /auth/authorize':
        this.authorize(req, res, ownOrigins);
        return true;
      case 'POST /auth/token':
        await this.token(req, res, body);
        return true;
      default:
        if (path === '/.well-known/jwks.json' || path === '/auth/authorize' || path === '/auth/token') {
          writeJson(res, 405, { error: 'Method Not Allowed' });
          return true;
        }
        return false;
    }
  }

  private authorize(req: IncomingMessage, res: ServerResponse, ownOrigins: ReadonlySet<string>): void {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    // Without a known client and one of our redirect URIs the error cannot be sent back: it is shown here.
    if (params.get('client_id') !== LOCAL_CLIENT_ID) {
      writeJson(res, 400, { error: 'invalid_client', error_description: `client_id must be ${LOCAL_CLIENT_ID}`, field: 'client_id' });
      return;
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!isConsoleUrl(redirectUri, ownOrigins)) {
      writeJson(res, 400, {
        error: 'invalid_request',
        error_description: `redirect_uri must be under ${CONSOLE_PATH} on this server`,
        field: 'redirect_uri',
      });
      return;
    }
    const state = params.get('state') ?? undefined;
    try {
      if (params.get('response_type') !== 'code') throw new OAuthError('unsupported_response_type', 'response_type must be code', 'response_type');
      const challenge = params.get('code_challenge') ?? '';
      if (params.get('code_challenge_method') !== 'S256') {
        throw new OAuthError('invalid_request', 'PKCE is required: code_challenge_method must be S256', 'code_challenge_method');
      }
      if (!CODE_CHALLENGE.test(challenge)) throw new OAuthError('invalid_request', 'code_challenge must be the base64url SHA-256 of the code verifier', 'code_challenge');
      const user = this.useLoginCode(params.get('login_hint') ?? '');
      const code = randomToken();
      this.codes.set(hash(code), {
        sub: user.sub,
        redirectUri,
        challenge,
        scope: requestedScope(params.get('scope')),
        expiresAt: this.now() + AUTHORIZATION_CODE_MS,
      });
      redirect(res, redirectUri, { code, ...(state !== undefined ? { state } : {}) });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      redirect(res, redirectUri, { error: error.code, error_description: error.message, ...(state !== undefined ? { state } : {}) });
    }
  }

  private useLoginCode(loginCode: string): LocalUser {
    const key = hash(loginCode);
    const entry = this.loginCodes.get(key);
    // Used once, whatever happens next.
    this.loginCodes.delete(key);
    const user = entry && entry.expiresAt > this.now() ? this.users.get(entry.email) : undefined;
    if (!user) {
      throw new OAuthError(
        'access_denied',
        'this sign-in link was already used or has expired (links work once, for 10 minutes): restart npm start for a new one, or POST /dev/users',
        'login_hint',
      );
    }
    return user;
  }

  private async token(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded') {
        throw new OAuthError('invalid_request', 'content-type must be application/x-www-form-urlencoded', 'content-type');
      }
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('client_id') !== LOCAL_CLIENT_ID) throw new OAuthError('invalid_client', `client_id must be ${LOCAL_CLIENT_ID}`, 'client_id');
      const grant = form.get('grant_type');
      const answer =
        grant === 'authorization_code'
          ? await this.exchangeCode(form)
          : grant === 'refresh_token'
            ? await this.refresh(form)
            : (() => {
                throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token', 'grant_type');
              })();
      writeJson(res, 200, answer, { 'cache-control': 'no-store', pragma: 'no-cache' });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      const status = error.code === 'invalid_client' ? 401 : 400;
      writeJson(res, status, { error: error.code, error_description: error.message, ...(error.field ? { field: error.field } : {}) }, { 'cache-control': 'no-store' });
    }
  }

  private async exchangeCode(form: URLSearchParams): Promise<TokenResponse> {
    const code = form.get('code') ?? '';
    const key = hash(code);
    const entry = this.codes.get(key);
    if (!entry) {
      // A replayed code: whoever replays it may have stolen it, so the session it started ends.
      for (const [token, refresh] of this.refreshTokens) if (refresh.code === key) this.refreshTokens.delete(token);
      throw new OAuthError('invalid_grant', 'the authorization code is unknown, expired or already used', 'code');
    }
    this.codes.delete(key);
    if (entry.expiresAt <= this.now()) throw new OAuthError('invalid_grant', 'the authorization code has expired', 'code');
    if (form.get('redirect_uri') !== entry.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request', 'redirect_uri');
    const verifier = form.get('code_verifier') ?? '';
    if (!CODE_VERIFIER.test(verifier) || hash(verifier) !== entry.challenge) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge', 'code_verifier');
    }
    return this.issue(entry.sub, entry.scope, key);
  }

  private async refresh(form: URLSearchParams): Promise<TokenResponse> {
    const key = hash(form.get('refresh_token') ?? '');
    const entry = this.refreshTokens.get(key);
    this.refreshTokens.delete(key);
    if (!entry || entry.expiresAt <= this.now()) {
      throw new OAuthError('invalid_grant', 'the refresh token is unknown, expired or already used', 'refresh_token');
    }
    return this.issue(entry.sub, entry.scope, entry.code);
  }

  private async issue(sub: string, scope: string, code: string): Promise<TokenResponse> {
    const user = [...this.users.values()].find((candidate) => candidate.sub === sub);
    if (!user) throw new OAuthError('invalid_grant', 'the user no longer exists');
    const now = Math.floor(this.now() / 1000);
    // The role is read now, so a changed role applies from the next refresh on.
    const accessToken = await new SignJWT({
      client_id: LOCAL_CLIENT_ID,
      token_use: 'access',
      scope,
      username: user.email,
      email: user.email,
      ...(user.name ? { name: user.name } : {}),
      'cognito:groups': [user.role],
      auth_time: now,
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.publicJwk.kid as string })
      .setIssuer(this.options.issuer)
      .setSubject(user.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_SECONDS)
      .setJti(randomUUID())
      .sign(this.privateKey);
    const refreshToken = randomToken();
    this.refreshTokens.set(hash(refreshToken), { sub, scope, code, expiresAt: this.now() + REFRESH_TOKEN_MS });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refreshToken, scope };
  }

  private async saveUsers(): Promise<void> {
    if (!this.options.dataDir) return;
    await writeJsonFile(join(this.options.dataDir, 'auth', 'users.json'), [...this.users.values()]);
  }
}

function requestedScope(scope: string | null): string {
  const asked = (scope ?? '').split(/\s+/).filter((s) => (LOCAL_SCOPES as readonly string[]).includes(s));
  return (asked.length > 0 ? asked : [...LOCAL_SCOPES]).join(' ');
}

function isConsoleUrl(value: string, ownOrigins: ReadonlySet<string>): boolean {
  try {
    const url = new URL(value);
    return ownOrigins.has(url.origin) && url.pathname.startsWith(CONSOLE_PATH) && url.hash === '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function redirect(res: ServerResponse, to: string, params: Record<string, string>): void {
  const url = new URL(to);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  res.writeHead(302, { location: url.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

async function loadOrCreateKey(dir: string | undefined): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const file = dir ? join(dir, 'signing-key.json') : undefined;
  const stored = file ? await readJson<JWK | undefined>(file, undefined) : undefined;
  if (stored?.kid) {
    const privateKey = (await importJWK(stored, 'RS256')) as CryptoKey;
    const { kty, n, e, kid } = stored;
    return { privateKey, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } as JWK };
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const complete: JWK = { ...publicJwk, kid, alg: 'RS256', use: 'sig' };
  if (file) await writeJsonFile(file, { ...(await exportJWK(privateKey)), kid, alg: 'RS256' });
  return { privateKey, publicJwk: complete };
}

async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw new Error(`${file} is not readable JSON: ${(error as Error).message}`);
  }
}

/** Written whole to a temporary file, then renamed: a crash leaves the old file or the new one. Owner-only. */
async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2), { mode: 0o600 });
  await rename(temporary, file);
}
