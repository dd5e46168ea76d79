/**
 * The Lambda-side configuration parses with zod/mini (functions/zod.ts): its messages
 * must still be classic zod's English ones, not Mini's bare "Invalid input". This file
 * imports no classic zod, so nothing else could have configured them.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../functions/config.js';
import { lazy } from '../../../functions/async/lazy.js';

const URL = 'https://abc123.execute-api.us-east-1.amazonaws.com';

describe('loadConfig', () => {
  it('applies the defaults and coerces numbers', () => {
    const config = loadConfig({ FOLLOWUP_PUBLIC_URL: URL, FOLLOWUP_API_KEY: '  key  ', SES_MAX_SEND_RATE: '14', EMAIL_TOUCH_CONCURRENCY: '2' });
    expect(config).toMatchObject({
      TABLE_NAME: 'followup',
      FOLLOWUP_PUBLIC_URL: URL,
      FOLLOWUP_API_KEY: 'key',
      DEFAULT_PHONE_REGION: 'US',
      TOUCH_CLAIM_LEASE_SECONDS: 300,
      MAX_ENROLLMENT_BODY_BYTES: 1024 * 1024,
      SES_MAX_SEND_RATE: 14,
      EMAIL_TOUCH_CONCURRENCY: 2,
    });
    expect(config.TWILIO_MAX_SEND_RATE).toBeUndefined();
  });

  it.each([
    [{}, 'FOLLOWUP_PUBLIC_URL: Invalid input: expected string, received undefined'],
    [{ FOLLOWUP_PUBLIC_URL: 'not a url' }, 'FOLLOWUP_PUBLIC_URL: Invalid URL'],
    [{ FOLLOWUP_PUBLIC_URL: URL, FOLLOWUP_API_KEY: '   ' }, 'FOLLOWUP_API_KEY: Too small: expected string to have >=1 characters'],
    [{ FOLLOWUP_PUBLIC_URL: URL, TOUCH_CLAIM_LEASE_SECONDS: '1.5' }, 'TOUCH_CLAIM_LEASE_SECONDS: Invalid input: expected int, received number'],
    [{ FOLLOWUP_PUBLIC_URL: URL, SES_MAX_SEND_RATE: '0' }, 'SES_MAX_SEND_RATE: Too small: expected number to be >0'],
  ])('%j fails with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(`Invalid configuration: ${message}`));
  });
});

describe('lazy', () => {
  it('builds once, shares the value, and retries after a failure', async () => {
    let builds = 0;
    const value = lazy(async () => {
      builds += 1;
      if (builds === 1) throw new Error('first build fails');
      return { built: builds };
    });
    await expect(value()).rejects.toThrow('first build fails');
    const [a, b] = await Promise.all([value(), value()]);
    expect(a).toBe(b);
    expect(await value()).toBe(a);
    expect(builds).toBe(2);
  });
});
