/**
 * Configuration and secrets, read once per container. Kept apart from the AWS clients so
 * a small function (the authorizer) loads only what it needs; the Secrets Manager client
 * itself is loaded with the first secret read.
 */
import { loadConfig, type Config } from '../../config.js';
import { lazy } from './lazy.js';

let config: Config | undefined;
export function getConfig(): Config {
  config ??= loadConfig();
  return config;
}

const secretsManager = lazy(async () => {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  return { send: (secretId: string) => client.send(new GetSecretValueCommand({ SecretId: secretId })) };
});

const secrets = new Map<string, Promise<string>>();

/** A secret's string value, fetched once per container. */
export function readSecret(secretId: string): Promise<string> {
  let value = secrets.get(secretId);
  if (!value) {
    value = secretsManager()
      .then((client) => client.send(secretId))
      .then((out) => {
        if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
        return out.SecretString;
      });
    value.catch(() => secrets.delete(secretId));
    secrets.set(secretId, value);
  }
  return value;
}
