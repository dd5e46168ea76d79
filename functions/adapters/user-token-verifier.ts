/**
 * Verifies a signed-in user's access token, the same way in AWS (Cognito) and locally
 * (the embedded runtime's OAuth provider, functions/local/oauth-provider.ts): only the
 * issuer, the JWKS URL and the client id differ.
 *
 * - the signature, RS256 only, against the issuer's JWKS fetched with jose's
 *   `createRemoteJWKSet` (cached for the container's life: refetched after 10 minutes, or
 *   when a token names an unknown key id, at most every 30 s);
 * - `iss` equal to the configured issuer, `exp` in the future (60 s of clock skew);
 * - `token_use: 'access'` (a Cognito ID token is not accepted as an access token) and
 *   `client_id` one of the configured app clients: Cognito access tokens carry no `aud`,
 *   their audience is the `client_id` claim;
 * - the role from `cognito:groups` (editor wins over viewer); a user in neither group
 *   has no role and is refused.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { roleFromGroups, type Principal } from '../domain/roles.js';

export interface UserTokenVerifierOptions {
  /** `https://cognito-idp.<region>.amazonaws.com/<user pool id>`, or the local runtime's URL. */
  issuer: string;
  /** Usually `<issuer>/.well-known/jwks.json`. */
  jwksUrl: string;
  /** App client ids whose tokens are accepted (the console's). */
  audience: readonly string[];
  /** Accepted clock skew, seconds. Default 60. */
  clockToleranceSeconds?: number;
}

export type UserTokenResult =
  | { ok: true; principal: Extract<Principal, { principal: 'user' }> }
  | { ok: false; reason: string };

export interface UserTokenVerifier {
  verify(token: string): Promise<UserTokenResult>;
}

/** Three base64url parts: a compact JWS. Anything else is not even tried. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) && token.length < 16_384;
}

export function createUserTokenVerifier(options: UserTokenVerifierOptions): UserTokenVerifier {
  if (options.audience.length === 0) throw new Error('a user token verifier needs at least one client id (audience)');
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 3_000 });
  const audience = new Set(options.audience);
  return {
    async verify(token) {
      if (!looksLikeJwt(token)) return { ok: false, reason: 'not a JWT' };
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          algorithms: ['RS256'],
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        return { ok: false, reason: describeJoseError(error) };
      }
      if (payload['token_use'] !== 'access') return { ok: false, reason: 'not an access token (token_use)' };
      const clientId = payload['client_id'];
      if (typeof clientId !== 'string' || !audience.has(clientId)) return { ok: false, reason: 'issued to another client (client_id)' };
      const sub = payload['sub'];
      if (typeof sub !== 'string' || sub === '') return { ok: false, reason: 'no subject (sub)' };
      const groups = payload['cognito:groups'];
      const role = roleFromGroups(Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : undefined);
      if (!role) return { ok: false, reason: 'no role: the user is in neither the editor nor the viewer group' };
      const email = typeof payload['email'] === 'string' ? payload['email'] : undefined;
      const name = typeof payload['name'] === 'string' ? payload['name'] : undefined;
      return { ok: true, principal: { principal: 'user', role, sub, ...(email ? { email } : {}), ...(name ? { name } : {}) } };
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not valid (${error.reason})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed with an unknown key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'the key set could not be read';
  if (error instanceof errors.JOSEError) return `invalid token (${error.code})`;
  return 'invalid token';
}
