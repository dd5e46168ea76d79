/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses): admin routes
 * need `Authorization: Bearer <api key>`. The key lives in Secrets Manager and is read
 * through Powertools Parameters with a maximum age (secrets.ts): a rotated key takes
 * effect within that age plus the authorizer cache TTL, with no redeploy (README, API key rotation).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { httpRequestId, observedHandler } from './shared/observability.js';
import { getConfig, readSecret } from './shared/secrets.js';

export function isAuthorizedBearer(authorization: string | undefined, apiKey: string): boolean {
  if (!authorization || !apiKey) return false;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (!match?.[1]) return false;
  // Compare digests so the comparison takes the same time whatever the lengths.
  const given = createHash('sha256').update(match[1].trim()).digest();
  const expected = createHash('sha256').update(apiKey).digest();
  return timingSafeEqual(given, expected);
}

export function createAuthorizerHandler(apiKey: () => Promise<string>) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0];
    return { isAuthorized: isAuthorizedBearer(authorization, await apiKey()) };
  };
}

export const handler = observedHandler(
  () =>
    createAuthorizerHandler(async () => {
      const config = getConfig();
      if (config.FOLLOWUP_API_KEY) return config.FOLLOWUP_API_KEY;
      if (!config.FOLLOWUP_API_KEY_SECRET_ARN) throw new Error('FOLLOWUP_API_KEY_SECRET_ARN must be set');
      return readSecret(config.FOLLOWUP_API_KEY_SECRET_ARN);
    }),
  { correlationId: httpRequestId },
);
