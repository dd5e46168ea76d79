/**
 * Rotating the API key (or the Twilio token) takes effect without a redeploy or a cold
 * start: secrets are read through Powertools Parameters with a maximum age, so a warm
 * container reads the new value once the old one is older than FOLLOWUP_SECRETS_MAX_AGE_SECONDS.
 * Secrets Manager is mocked with aws-sdk-client-mock (no local server implements it).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthorizerHandler } from '../../../functions/handlers/authorizer.js';
import { createSecretReader } from '../../../functions/handlers/shared/secrets.js';
import { twilioCredentials } from '../../../functions/handlers/shared/twilio-credentials.js';

const API_KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:followup-api-key-AbCdEf';
const MAX_AGE_SECONDS = 300;
const secretsManager = mockClient(SecretsManagerClient);
let current: Record<string, string>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-01-01T00:00:00Z') });
  process.env.AWS_REGION ??= 'us-east-1';
  current = { [API_KEY_ARN]: 'key-before-rotation' };
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => ({ SecretString: current[input.SecretId] }));
});
afterEach(() => {
  vi.useRealTimers();
});

const authorize = (handler: ReturnType<typeof createAuthorizerHandler>, key: string) =>
  handler({ headers: { authorization: `Bearer ${key}` } } as unknown as APIGatewayRequestAuthorizerEventV2).then((r) => r.isAuthorized);

describe('secrets with a maximum age', () => {
  it('the authorizer accepts a rotated API key once the cached one is older than the max age, with no new container', async () => {
    const readSecret = createSecretReader(() => MAX_AGE_SECONDS);
    const handler = createAuthorizerHandler({ apiKey: () => readSecret(API_KEY_ARN) });
    expect(await authorize(handler, 'key-before-rotation')).toBe(true);

    current[API_KEY_ARN] = 'key-after-rotation';
    vi.advanceTimersByTime((MAX_AGE_SECONDS - 10) * 1000);
    // Still within the max age: the cached key, one read so far.
    expect(await authorize(handler, 'key-before-rotation')).toBe(true);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    vi.advanceTimersByTime(20 * 1000);
    expect(await authorize(handler, 'key-after-rotation')).toBe(true);
    expect(await authorize(handler, 'key-before-rotation')).toBe(false);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads each secret once per max age, however many invocations', async () => {
    const readSecret = createSecretReader(() => MAX_AGE_SECONDS);
    for (let i = 0; i < 20; i++) await readSecret(API_KEY_ARN);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('a rotated Twilio auth token is picked up the same way', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:followup/twilio-AbCdEf';
    current[arn] = JSON.stringify({ accountSid: 'AC0123', authToken: 'token-1' });
    const readSecret = createSecretReader(() => MAX_AGE_SECONDS);
    const credentials = () => twilioCredentials({ TWILIO_SECRET_ARN: arn } as never, readSecret);
    expect((await credentials()).authToken).toBe('token-1');
    current[arn] = JSON.stringify({ accountSid: 'AC0123', authToken: 'token-2' });
    vi.advanceTimersByTime((MAX_AGE_SECONDS + 1) * 1000);
    expect((await credentials()).authToken).toBe('token-2');
  });

  it('fails clearly for a secret without a string value', async () => {
    const readSecret = createSecretReader(() => MAX_AGE_SECONDS);
    await expect(readSecret('arn:aws:secretsmanager:us-east-1:123456789012:secret:empty-AbCdEf')).rejects.toThrow(/has no string value/);
  });
});
