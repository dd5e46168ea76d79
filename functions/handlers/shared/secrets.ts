/**
 * Configuration and secrets, read once per container. Kept apart from the AWS clients so
 * a small function (the authorizer) loads only what it needs.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig, type Config } from '../../config';

let config: Config | undefined;
export function getConfig(): Config {
  config ??= loadConfig();
  return config;
}

const secrets = new Map<string, Promise<string>>();
let secretsClient: SecretsManagerClient | undefined;

/** A secret's string value, fetched once per container. */
export function readSecret(secretId: string): Promise<string> {
  let value = secrets.get(secretId);
  if (!value) {
    secretsClient ??= new SecretsManagerClient({});
    value = secretsClient.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
      return out.SecretString;
    });
    value.catch(() => secrets.delete(secretId));
    secrets.set(secretId, value);
  }
  return value;
}

