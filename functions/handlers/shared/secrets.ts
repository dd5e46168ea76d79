/**
 * Configuration and secrets. Secrets are read through Powertools Parameters with a
 * maximum age (FOLLOWUP_SECRETS_MAX_AGE_SECONDS, set by the stack): a rotated API key or
 * Twilio token takes effect within that time, with no redeploy and no cold start.
 *
 * Kept apart from the AWS clients so a small function (the authorizer) loads only what it
 * needs; the Parameters provider and its Secrets Manager client are loaded with the first
 * secret read, not when the function starts.
 */
import { loadConfig, type Config } from '../../config.js';
import { lazy } from './lazy.js';

let config: Config | undefined;
export function getConfig(): Config {
  config ??= loadConfig();
  return config;
}

export interface SecretReader {
  /** A secret's string value, fetched again once it is older than the maximum age. */
  (secretId: string): Promise<string>;
}

/** One provider (one cache) per reader; the module's `readSecret` is the container's. */
export function createSecretReader(maxAgeSeconds: () => number): SecretReader {
  const provider = lazy(async () => {
    const { SecretsProvider } = await import('@aws-lambda-powertools/parameters/secrets');
    return new SecretsProvider();
  });
  return async (secretId) => {
    const value = await (await provider()).get(secretId, { maxAge: maxAgeSeconds() });
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${secretId} has no string value`);
    return value;
  };
}

export const readSecret: SecretReader = createSecretReader(() => getConfig().FOLLOWUP_SECRETS_MAX_AGE_SECONDS);
