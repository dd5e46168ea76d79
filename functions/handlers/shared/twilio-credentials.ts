/**
 * Twilio credentials: from the Secrets Manager secret the deployer names (JSON with
 * accountSid and authToken), or, locally, from plain configuration. Reading them needs
 * no Twilio code, so the webhook can verify signatures without the Twilio client.
 */
import type { Config } from '../../config.js';
import type { TwilioCredentials } from '../../adapters/twilio-sms-sender.js';
import { readSecret, type SecretReader } from './secrets.js';

/** Read on every use: the secret reader's max age decides when a rotated token is seen. */
export async function twilioCredentials(cfg: Config, read: SecretReader = readSecret): Promise<TwilioCredentials> {
  if (cfg.TWILIO_SECRET_ARN) {
    const parsed = JSON.parse(await read(cfg.TWILIO_SECRET_ARN)) as Partial<TwilioCredentials>;
    if (!parsed.accountSid || !parsed.authToken) {
      throw new Error('the Twilio secret must hold JSON with accountSid and authToken');
    }
    return { accountSid: parsed.accountSid, authToken: parsed.authToken };
  }
  if (cfg.TWILIO_ACCOUNT_SID && cfg.TWILIO_AUTH_TOKEN) {
    return {
      accountSid: cfg.TWILIO_ACCOUNT_SID,
      authToken: cfg.TWILIO_AUTH_TOKEN,
      ...(cfg.TWILIO_API_BASE_URL ? { apiBaseUrl: cfg.TWILIO_API_BASE_URL } : {}),
    };
  }
  throw new Error('TWILIO_SECRET_ARN (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) must be set');
}
