/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses): admin routes
 * need `Authorization: Bearer <api key>`. The key lives in Secrets Manager and is read
 * once per container; rotating it takes effect as containers recycle (see README).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
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

export const handler = createAuthorizerHandler(async () => {
  const config = getConfig();
  if (config.FOLLOWUP_API_KEY) return config.FOLLOWUP_API_KEY;
  if (!config.FOLLOWUP_API_KEY_SECRET_ARN) throw new Error('FOLLOWUP_API_KEY_SECRET_ARN must be set');
  return readSecret(config.FOLLOWUP_API_KEY_SECRET_ARN);
});
