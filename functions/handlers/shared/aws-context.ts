/**
 * Production wiring: AWS clients created once per container, adapters built on them,
 * secrets read from Secrets Manager once and cached. Only handlers import this.
 *
 * No Twilio here: the Twilio client is large, and only the touch worker sends SMS, so
 * only it builds a TwilioSmsSender (see touch-worker.ts). Every other function's bundle
 * stays free of it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Config } from '../../config';
import { getConfig, readSecret } from './secrets';

export { getConfig, readSecret };
export { twilioCredentials } from './twilio-credentials';
import { DynamoDbStore } from '../../adapters/dynamodb-store';
import { EventBridgeTouchScheduler } from '../../adapters/eventbridge-touch-scheduler';
import { SesEmailSender } from '../../adapters/ses-email-sender';
import type { NotifyingContext } from '../../use-cases/context';
import type { PublishedSequence } from '../../domain/sequence';
import { logger } from './logger';

export async function signingSecret(cfg: Config): Promise<string> {
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET) return cfg.FOLLOWUP_UNSUBSCRIBE_SECRET;
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN) return readSecret(cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN);
  throw new Error('FOLLOWUP_UNSUBSCRIBE_SECRET or FOLLOWUP_UNSUBSCRIBE_SECRET_ARN must be set');
}

let context: Promise<NotifyingContext> | undefined;
const sequenceCache = new Map<string, PublishedSequence>();

/** The use-case context of this container, built on first use. */
export function awsContext(): Promise<NotifyingContext> {
  context ??= buildContext().catch((error) => {
    context = undefined;
    throw error;
  });
  return context;
}

async function buildContext(): Promise<NotifyingContext> {
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
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
