/**
 * Production wiring: AWS clients created once per container, adapters built on them,
 * secrets read from Secrets Manager once and cached. Only handlers import this.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Config } from '../../config';
import { getConfig, readSecret } from './secrets';

export { getConfig, readSecret };
import { DynamoDbStore } from '../../adapters/dynamodb-store';
import { EventBridgeTouchScheduler } from '../../adapters/eventbridge-touch-scheduler';
import { SesEmailSender } from '../../adapters/ses-email-sender';
import { TwilioSmsSender, type TwilioCredentials } from '../../adapters/twilio-sms-sender';
import type { SendingContext } from '../../use-cases/context';
import type { PublishedSequence } from '../../domain/sequence';
import { logger } from './logger';

export async function signingSecret(cfg: Config): Promise<string> {
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET) return cfg.FOLLOWUP_UNSUBSCRIBE_SECRET;
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN) return readSecret(cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN);
  throw new Error('FOLLOWUP_UNSUBSCRIBE_SECRET or FOLLOWUP_UNSUBSCRIBE_SECRET_ARN must be set');
}

export async function twilioCredentials(cfg: Config): Promise<TwilioCredentials> {
  if (cfg.TWILIO_SECRET_ARN) {
    const parsed = JSON.parse(await readSecret(cfg.TWILIO_SECRET_ARN)) as Partial<TwilioCredentials>;
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

let context: Promise<SendingContext> | undefined;
const sequenceCache = new Map<string, PublishedSequence>();

/** The use-case context of this container, built on first use. */
export function awsContext(): Promise<SendingContext> {
  context ??= buildContext().catch((error) => {
    context = undefined;
    throw error;
  });
  return context;
}

async function buildContext(): Promise<SendingContext> {
  const cfg = getConfig();
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const scheduler = new EventBridgeTouchScheduler({
    client: new SchedulerClient({}),
    groupName: cfg.SCHEDULE_GROUP_NAME,
    targetQueueArn: required(cfg.TOUCH_QUEUE_ARN, 'TOUCH_QUEUE_ARN'),
    roleArn: required(cfg.SCHEDULER_ROLE_ARN, 'SCHEDULER_ROLE_ARN'),
    deadLetterQueueArn: required(cfg.SCHEDULER_DLQ_ARN, 'SCHEDULER_DLQ_ARN'),
  });
  return {
    store: new DynamoDbStore({ client: documentClient, tableName: cfg.TABLE_NAME }),
    scheduler,
    clock: { now: () => new Date() },
    logger,
    sequenceCache,
    settings: {
      publicUrl: cfg.FOLLOWUP_PUBLIC_URL,
      signingSecret: await signingSecret(cfg),
      ...(cfg.REPLY_DOMAIN ? { replyDomain: cfg.REPLY_DOMAIN } : {}),
      defaultPhoneRegion: cfg.DEFAULT_PHONE_REGION,
      claimLeaseSeconds: cfg.TOUCH_CLAIM_LEASE_SECONDS,
    },
    email: new SesEmailSender(new SESv2Client({}), {
      ...(cfg.SES_CONFIGURATION_SET ? { configurationSetName: cfg.SES_CONFIGURATION_SET } : {}),
      messageIdDomain: cfg.SES_MESSAGE_ID_DOMAIN,
    }),
    sms: new TwilioSmsSender(() => twilioCredentials(cfg)),
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
