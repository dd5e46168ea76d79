/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses) of every
 * `viewer` and `editor` route: `Authorization: Bearer <token>` where the token is
 *
 * - the admin API key (machines, the CLI): principal `apiKey`, role `editor`. The key
 *   lives in Secrets Manager and is read through Powertools Parameters with a maximum
 *   age (secrets.ts): a rotated key takes effect within that age plus the authorizer
 *   cache TTL, with no redeploy (README, API key rotation);
 * - or a signed-in user's access token (the console), verified by
 *   adapters/user-token-verifier.ts: principal `user` with the role of its groups.
 *
 * The answer's `context` ({principal, role, sub?, email?}) reaches the API as
 * `event.requestContext.authorizer.lambda`; the API enforces the route's role
 * (handlers/shared/access.ts), not this function: it only says who is calling.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { PrincipalContext } from '../contract/auth.js';
import { createUserTokenVerifier, looksLikeJwt, type UserTokenVerifier } from '../adapters/user-token-verifier.js';
import { logger } from './shared/logger.js';
import { httpRequestId, observedHandler } from './shared/observability.js';
import { getConfig, readSecret } from './shared/secrets.js';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<PrincipalContext | Record<string, never>>;

/** The token of `Bearer <token>`, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}

export function isApiKey(token: string | undefined, apiKey: string): boolean {
  if (!token || !apiKey) return false;
  // Compare digests so the comparison takes the same time whatever the lengths.
  const given = createHash('sha256').update(token).digest();
  const expected = createHash('sha256').update(apiKey).digest();
  return timingSafeEqual(given, expected);
}

export interface AuthorizerOptions {
  apiKey: () => Promise<string>;
  /** Absent: only the API key is accepted. */
  userTokens?: () => UserTokenVerifier | undefined;
  log?: { info(message: string, attributes?: Record<string, unknown>): void };
}

const DENIED: AuthorizerResult = { isAuthorized: false, context: {} };

export function createAuthorizerHandler(options: AuthorizerOptions) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0];
    const token = bearerToken(authorization);
    if (!token) return DENIED;
    const verifier = looksLikeJwt(token) ? options.userTokens?.() : undefined;
    if (verifier) {
      const result = await verifier.verify(token);
      if (result.ok) return { isAuthorized: true, context: result.principal };
      // Why, without the token or who it names (the reason is a fixed phrase).
      options.log?.info('user token refused', { reason: result.reason });
    }
    if (isApiKey(token, await options.apiKey())) return { isAuthorized: true, context: { principal: 'apiKey', role: 'editor' } };
    return DENIED;
  };
}

let verifier: UserTokenVerifier | undefined;
function configuredVerifier(): UserTokenVerifier | undefined {
  const config = getConfig();
  if (!config.FOLLOWUP_JWT_ISSUER) return undefined;
  verifier ??= createUserTokenVerifier({
    issuer: config.FOLLOWUP_JWT_ISSUER,
    jwksUrl: config.FOLLOWUP_JWT_JWKS_URL ?? `${config.FOLLOWUP_JWT_ISSUER.replace(/\/+$/, '')}/.well-known/jwks.json`,
    audience: (config.FOLLOWUP_JWT_AUDIENCE ?? '').split(',').map((id) => id.trim()).filter(Boolean),
  });
  return verifier;
}

export const handler = observedHandler(
  () =>
    createAuthorizerHandler({
      apiKey: async () => {
        const config = getConfig();
        if (config.FOLLOWUP_API_KEY) return config.FOLLOWUP_API_KEY;
        if (!config.FOLLOWUP_API_KEY_SECRET_ARN) throw new Error('FOLLOWUP_API_KEY_SECRET_ARN must be set');
        return readSecret(config.FOLLOWUP_API_KEY_SECRET_ARN);
      },
      userTokens: configuredVerifier,
      log: logger,
    }),
  { correlationId: httpRequestId },
);
