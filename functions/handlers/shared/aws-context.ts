/**
 * Production wiring: AWS clients created once per container, adapters built on them,
 * secrets read through Powertools Parameters (secrets.ts). Only handlers import this.
 *
 * Importing this module loads no AWS SDK: the clients and the adapters that use them
 * are imported and built by the first invocation that asks for the context (`lazy`),
 * then kept for the container's life. A cold start that never needs them (the health
 * route, a rejected webhook signature) never pays for them.
 *
 * No Twilio here: the Twilio client is large, and only the touch worker sends SMS, so
 * only it builds a TwilioSmsSender (see touch-worker.ts). Every other function's bundle
 * stays free of it.
 */
import type { Config } from '../../config.js';
import { SDK_CLIENT_OPTIONS } from '../../adapters/aws-sdk-options.js';
import { createSequenceCache, type NotifyingContext } from '../../use-cases/context.js';
import type { ImportServices } from '../../use-cases/import-jobs.js';
import { correlatedEmailSender, correlatedScheduler } from './correlation.js';
import { lazy } from '../../async/lazy.js';
import { logger } from './logger.js';
import { getConfig, readSecret } from './secrets.js';

export { getConfig, readSecret };
export { twilioCredentials } from './twilio-credentials.js';

export async function signingSecret(cfg: Config): Promise<string> {
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET) return cfg.FOLLOWUP_UNSUBSCRIBE_SECRET;
  if (cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN) return readSecret(cfg.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN);
  throw new Error('FOLLOWUP_UNSUBSCRIBE_SECRET or FOLLOWUP_UNSUBSCRIBE_SECRET_ARN must be set');
}

const sequenceCache = createSequenceCache();

/** The use-case context of this container, built on first use. */
export const awsContext: () => Promise<NotifyingContext> = lazy(buildContext);

async function buildContext(): Promise<NotifyingContext> {
  const cfg = getConfig();
  const [
    { DynamoDBClient },
    { DynamoDBDocumentClient },
    { SchedulerClient },
    { SESv2Client },
    { DynamoDbStore },
    { EventBridgeTouchScheduler },
    { SesEmailSender },
    { EventBridgeWebhookPublisher },
    secret,
  ] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
    import('@aws-sdk/client-scheduler'),
    import('@aws-sdk/client-sesv2'),
    import('../../adapters/dynamodb-store.js'),
    import('../../adapters/eventbridge-touch-scheduler.js'),
    import('../../adapters/ses-email-sender.js'),
    import('../../adapters/eventbridge-webhook-publisher.js'),
    signingSecret(cfg),
  ]);
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ ...SDK_CLIENT_OPTIONS }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const scheduler = new EventBridgeTouchScheduler({
    client: new SchedulerClient({ ...SDK_CLIENT_OPTIONS }),
    groupName: cfg.SCHEDULE_GROUP_NAME,
    targetQueueArns: {
      email: required(cfg.EMAIL_TOUCH_QUEUE_ARN, 'EMAIL_TOUCH_QUEUE_ARN'),
      sms: required(cfg.SMS_TOUCH_QUEUE_ARN, 'SMS_TOUCH_QUEUE_ARN'),
    },
    roleArn: required(cfg.SCHEDULER_ROLE_ARN, 'SCHEDULER_ROLE_ARN'),
    deadLetterQueueArn: required(cfg.SCHEDULER_DLQ_ARN, 'SCHEDULER_DLQ_ARN'),
    // One bucket per container: every schedule this container creates shares its quota share.
    ...(cfg.SCHEDULE_CREATE_RATE ? { limiter: new (await import('../../adapters/token-bucket.js')).TokenBucket(cfg.SCHEDULE_CREATE_RATE) } : {}),
  });
  return {
    store: new DynamoDbStore({ client: documentClient, tableName: cfg.TABLE_NAME }),
    // Every touch it schedules carries the current correlation id (correlation.ts).
    scheduler: correlatedScheduler(scheduler),
    clock: { now: () => new Date() },
    logger,
    sequenceCache,
    // Replies, opt-outs, bounces, conversions and task outcomes go to the webhook bus, when there is one.
    ...(cfg.WEBHOOK_BUS_NAME ? { webhooks: new EventBridgeWebhookPublisher(cfg.WEBHOOK_BUS_NAME) } : {}),
    settings: {
      publicUrl: cfg.FOLLOWUP_PUBLIC_URL,
      ...(cfg.TWILIO_STATUS_CALLBACK_URL ? { smsStatusCallbackUrl: cfg.TWILIO_STATUS_CALLBACK_URL } : {}),
      signingSecret: secret,
      ...(cfg.REPLY_DOMAIN ? { replyDomain: cfg.REPLY_DOMAIN } : {}),
      defaultPhoneRegion: cfg.DEFAULT_PHONE_REGION,
      claimLeaseSeconds: cfg.TOUCH_CLAIM_LEASE_SECONDS,
      defaultTimezone: cfg.DEFAULT_TIMEZONE,
      touchesPerPersonPerDay: cfg.TOUCHES_PER_PERSON_PER_DAY,
    },
    email: correlatedEmailSender(
      new SesEmailSender(new SESv2Client({ ...SDK_CLIENT_OPTIONS }), {
        ...(cfg.SES_CONFIGURATION_SET ? { configurationSetName: cfg.SES_CONFIGURATION_SET } : {}),
        messageIdDomain: cfg.SES_MESSAGE_ID_DOMAIN,
      }),
      logger,
    ),
  };
}

/** The import jobs' object store, upload URLs and queue (README "Imports"), built on first use. */
export const awsImportServices: () => Promise<ImportServices> = lazy(async () => {
  const cfg = getConfig();
  const [{ S3Client }, { SQSClient }, { S3ObjectStore, S3UploadUrls }, { SqsImportQueue }, { dynamoImportStore }, { DynamoDBClient }, { DynamoDBDocumentClient }] =
    await Promise.all([
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/client-sqs'),
      import('../../adapters/s3-object-store.js'),
      import('../../adapters/sqs-import-queue.js'),
      import('../../adapters/dynamodb/imports.js'),
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
    ]);
  const bucket = required(cfg.IMPORT_BUCKET, 'IMPORT_BUCKET');
  const s3 = new S3Client({ ...SDK_CLIENT_OPTIONS });
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ ...SDK_CLIENT_OPTIONS }), { marshallOptions: { removeUndefinedValues: true } });
  return {
    imports: dynamoImportStore({ client: documentClient, tableName: cfg.TABLE_NAME }),
    objects: new S3ObjectStore(s3, bucket),
    uploads: new S3UploadUrls(s3, bucket),
    importQueue: new SqsImportQueue(new SQSClient({ ...SDK_CLIENT_OPTIONS }), required(cfg.IMPORT_QUEUE_URL, 'IMPORT_QUEUE_URL')),
  };
});

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
