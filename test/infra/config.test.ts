import { describe, expect, it } from 'vitest';
import { CONTEXT_EXAMPLES, ContextError, parseContext } from '../../infra/config.js';
import { cdkJsonContext } from './helpers.js';

const valid = {
  sendingDomain: 'mail.example.com',
  twilioSecretName: 'followup/twilio',
};

function errorOf(raw: Record<string, unknown>): string {
  try {
    parseContext(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return (error as Error).message;
  }
  throw new Error('expected a ContextError');
}

describe('deployment context', () => {
  it('accepts the example values shipped in cdk.json', () => {
    const context = cdkJsonContext();
    const parsed = parseContext(context);
    expect(parsed.sendingDomain).toBe(context.sendingDomain);
    expect(parsed.replyDomain).toBe(context.replyDomain);
    expect(parsed.alarmEmail).toBeUndefined(); // "" in cdk.json means "not set"
  });

  it('fills the defaults', () => {
    expect(parseContext(valid)).toMatchObject({
      sesMaxSendRate: 14,
      twilioMaxSendRate: 1,
      defaultTimezone: 'America/New_York',
      defaultPhoneRegion: 'US',
    });
  });

  it('coerces -c strings into numbers', () => {
    expect(parseContext({ ...valid, sesMaxSendRate: '50', twilioMaxSendRate: '3' })).toMatchObject({
      sesMaxSendRate: 50,
      twilioMaxSendRate: 3,
    });
  });

  it('fails with one line naming the missing key and an example', () => {
    const message = errorOf({ twilioSecretName: 'followup/twilio' });
    expect(message).not.toContain('\n');
    expect(message).toContain('"sendingDomain"');
    expect(message).toContain('missing');
    expect(message).toContain(`-c sendingDomain=${CONTEXT_EXAMPLES.sendingDomain}`);
  });

  it.each([
    ['sendingDomain', 'not a domain', 'domain'],
    ['sesMaxSendRate', 'fast', 'messages per second'],
    ['twilioMaxSendRate', '0', 'greater than 0'],
    ['defaultTimezone', 'Mars/Olympus', 'IANA time zone'],
    ['defaultPhoneRegion', 'usa', 'country code'],
    ['alarmEmail', 'ops-at-example', 'email address'],
    ['publicUrl', 'http://insecure.example.com', 'https://'],
    ['twilioSecretName', 'has spaces', 'secret name'],
    ['fromAddress', 'sales@elsewhere.org', 'mail.example.com'],
    ['manageEmailIdentity', 'no', 'true or false'],
    ['stackName', 'my stack', 'stack name'],
  ])('rejects a malformed %s with its key, the problem and an example', (key, value, problem) => {
    const message = errorOf({ ...valid, [key]: value });
    expect(message).not.toContain('\n');
    expect(message).toContain(`"${key}"`);
    expect(message).toContain(problem);
    expect(message).toContain(JSON.stringify(value));
    expect(message).toContain(`-c ${key}=${CONTEXT_EXAMPLES[key as keyof typeof CONTEXT_EXAMPLES]}`);
  });

  it('reads true/false flags from cdk.json booleans or -c strings', () => {
    expect(parseContext({ ...valid, manageEmailIdentity: 'false', activateReceiptRuleSet: false })).toMatchObject({
      manageEmailIdentity: false,
      activateReceiptRuleSet: false,
    });
    expect(parseContext(valid)).toMatchObject({ manageEmailIdentity: true, activateReceiptRuleSet: true });
  });

  it('treats an empty -c value as unset', () => {
    expect(parseContext({ ...valid, replyDomain: '', alarmEmail: ' ' })).toMatchObject({
      replyDomain: undefined,
      alarmEmail: undefined,
    });
  });

  it('accepts a from address on a subdomain of the sending domain', () => {
    expect(parseContext({ ...valid, fromAddress: 'ana@eu.mail.example.com' }).fromAddress).toBe(
      'ana@eu.mail.example.com',
    );
  });
});
