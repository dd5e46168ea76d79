/**
 * The Lambda functions: one per handler of `infra/handlers.ts`, each with its own log
 * group and role, the configuration `functions/config.ts` reads, and exactly the access
 * `infra/permissions.ts` lists (applied by grants.ts).
 */
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import type { TouchQueue } from '../../functions/domain/touch-message.js';
import { METRICS_NAMESPACE } from '../../functions/handlers/shared/metric-names.js';
import { TWILIO_STATUS_WEBHOOK_PATH } from '../../functions/routes.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { HANDLERS, type HandlerName } from '../handlers.js';
import { createFunction, type LambdaCodeOptions } from '../lambda-code.js';
import { FUNCTION_ACCESS, type FunctionAccess } from '../permissions.js';
import type { EngineEmail } from './email.js';
import type { EngineKeys } from './encryption.js';
import { handlerFunctionSettings } from './function-settings.js';
import { grantFunctionAccess, type GrantTargets } from './grants.js';
import type { EngineQueues } from './queues.js';
import type { EngineScheduler } from './scheduler.js';
import type { EngineSecrets } from './storage.js';
import type { EngineWebhooks } from './webhooks.js';
import { scheduleRatePerWorker, type EngineImports } from './imports.js';

/** The engine's functions; `sesInbound` exists only with a reply domain, `webhookSender` only with webhooks. */
export type FollowupFunctions = Readonly<
  Record<Exclude<HandlerName, 'sesInbound' | 'webhookSender'>, lambda.Function> & { sesInbound?: lambda.Function; webhookSender?: lambda.Function }
>;

export interface FunctionInputs {
  readonly props: ResolvedEngineProps;
  readonly code: LambdaCodeOptions;
  readonly apiUrl: string;
  readonly table: GrantTargets['table'];
  readonly keys: EngineKeys;
  readonly secrets: EngineSecrets;
  readonly queues: EngineQueues;
  readonly scheduler: EngineScheduler;
  readonly email: EngineEmail;
  /** Undefined without webhook endpoints. */
  readonly webhooks: EngineWebhooks | undefined;
  readonly imports: EngineImports;
}

/** Environment every function gets (names from `functions/config.ts`). */
function commonEnvironment(inputs: FunctionInputs): Record<string, string> {
  const { props, queues, scheduler, email } = inputs;
  return {
    TABLE_NAME: inputs.table.tableName,
    FOLLOWUP_PUBLIC_URL: inputs.apiUrl,
    EMAIL_TOUCH_QUEUE_ARN: queues.touchQueues.email.queueArn,
    SMS_TOUCH_QUEUE_ARN: queues.touchQueues.sms.queueArn,
    SCHEDULER_ROLE_ARN: scheduler.schedulerRole.roleArn,
    SCHEDULE_GROUP_NAME: scheduler.scheduleGroup.scheduleGroupName,
    SCHEDULER_DLQ_ARN: queues.scheduleDeadLetterQueue.queueArn,
    SES_CONFIGURATION_SET: email.configurationSet.configurationSetName,
    SES_MESSAGE_ID_DOMAIN: email.messageIdDomain,
    FOLLOWUP_FROM_EMAIL: props.fromAddress,
    SES_MAX_SEND_RATE: String(props.sesMaxSendRate),
    TWILIO_MAX_SEND_RATE: String(props.twilioMaxSendRate),
    EMAIL_TOUCH_CONCURRENCY: String(props.touchWorkerConcurrency.email),
    SMS_TOUCH_CONCURRENCY: String(props.touchWorkerConcurrency.sms),
    DEFAULT_PHONE_REGION: props.defaultPhoneRegion,
    DEFAULT_TIMEZONE: props.defaultTimezone,
    FOLLOWUP_SECRETS_MAX_AGE_SECONDS: String(props.secretsMaxAge.toSeconds()),
    // Stack traces in the logs point at the TypeScript sources through the bundled maps.
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'followup',
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: props.logLevel,
    // Incoming events carry addresses and message bodies: never log them whole.
    POWERTOOLS_LOGGER_LOG_EVENT: 'false',
    ...(props.replyDomain !== undefined ? { REPLY_DOMAIN: props.replyDomain } : {}),
  };
}

/** Environment of the functions that publish webhook events (`publishesWebhooks` in infra/permissions.ts). */
function webhookPublisherEnvironment(inputs: FunctionInputs, name: HandlerName): Record<string, string> {
  return inputs.webhooks && FUNCTION_ACCESS[name].publishesWebhooks ? { WEBHOOK_BUS_NAME: inputs.webhooks.bus.eventBusName } : {};
}

export function buildFunctions(scope: Construct, inputs: FunctionInputs): FollowupFunctions {
  const { props, secrets, queues } = inputs;
  const common = commonEnvironment(inputs);
  // Secret ARNs go only to the functions allowed to read them.
  const secretEnv = {
    apiKey: { FOLLOWUP_API_KEY_SECRET_ARN: secrets.apiKeySecret.secretArn },
    unsubscribe: { FOLLOWUP_UNSUBSCRIBE_SECRET_ARN: secrets.unsubscribeSecret.secretArn },
    twilio: { TWILIO_SECRET_ARN: secrets.twilioSecret.secretArn },
    webhooks: inputs.webhooks
      ? { FOLLOWUP_WEBHOOKS: inputs.webhooks.endpointsConfig, WEBHOOK_MAX_ATTEMPTS: String(props.webhookMaxAttempts) }
      : {},
  } as const;
  const asyncFailure = { onFailure: new SqsDestination(queues.eventDeadLetterQueue), retryAttempts: 2 };

  // The import bucket and queue go only to the functions that use them.
  const importEnv = { IMPORT_BUCKET: inputs.imports.bucket.bucketName, IMPORT_QUEUE_URL: inputs.imports.chunkQueue.queueUrl };
  const make = (name: HandlerName, extra: Partial<lambda.FunctionOptions> = {}, env: Record<string, string> = {}): lambda.Function => {
    const spec = HANDLERS[name];
    const access: FunctionAccess = FUNCTION_ACCESS[name];
    const environment = Object.assign(
      {},
      common,
      webhookPublisherEnvironment(inputs, name),
      ...access.secrets.map((secret) => secretEnv[secret]),
      access.imports ? importEnv : {},
      env,
    );
    const fn = createFunction(
      scope,
      spec.constructId,
      name,
      { ...handlerFunctionSettings(scope, spec, props, environment), ...extra },
      { ...inputs.code, ...(props.handlersDir ? { entry: path.join(props.handlersDir, spec.file) } : {}) },
    );
    grantFunctionAccess(fn, name, inputs);
    return fn;
  };

  // Each queue buffers its channel's bursts; its worker's maximum concurrency bounds how
  // many pacers share the provider rate (infra/touch-sizing.ts), so they stay under it.
  const worker = (name: 'touchWorker' | 'smsTouchWorker', channel: TouchQueue) => {
    const fn = make(name);
    fn.addEventSource(
      new SqsEventSource(queues.touchQueues[channel], {
        batchSize: props.touchBatchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.touchWorkerConcurrency[channel],
      }),
    );
    return fn;
  };
  let webhookSender: lambda.Function | undefined;
  if (inputs.webhooks) {
    webhookSender = make('webhookSender');
    // Few events at a time: each delivery may wait up to 10 s for its receiver.
    webhookSender.addEventSource(new SqsEventSource(inputs.webhooks.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 5 }));
  }
  // Import jobs: one upload at a time per splitter (a file is read whole by one invocation),
  // one chunk per chunk worker invocation, their concurrency capped so that together their
  // token buckets stay under the imports' share of the Scheduler quota.
  const importSplitter = make('importSplitter');
  importSplitter.addEventSource(new SqsEventSource(inputs.imports.splitQueue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }));
  const importWorker = make('importWorker', {}, {
    SCHEDULE_CREATE_RATE: String(scheduleRatePerWorker(props.importSchedulesPerSecond, props.importWorkerMaxConcurrency)),
  });
  importWorker.addEventSource(
    new SqsEventSource(inputs.imports.chunkQueue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: props.importWorkerMaxConcurrency }),
  );
  return {
    importSplitter,
    importWorker,
    api: make('api'),
    authorizer: make('authorizer'),
    touchWorker: worker('touchWorker', 'email'),
    smsTouchWorker: worker('smsTouchWorker', 'sms'),
    twilioWebhook: make('twilioWebhook'),
    unsubscribe: make('unsubscribe'),
    voiceCalls: make('voiceCalls'),
    sesEvents: make('sesEvents', asyncFailure),
    ...(props.replyDomain !== undefined ? { sesInbound: make('sesInbound', asyncFailure) } : {}),
    ...(webhookSender ? { webhookSender } : {}),
  };
}

/**
 * SMS status callbacks through the Twilio webhook function's own URL (engine prop
 * `twilioStatusCallbacks`): 2–3 per message, free of API Gateway's $1 per million. Auth
 * NONE because Twilio cannot sign AWS requests; the function checks Twilio's signature over
 * this URL and answers nothing else here (handlers/twilio-webhook.ts). The SMS worker gives
 * it to Twilio; the function itself reads its host from the request (its own URL in its
 * environment would be a circular dependency). Returns the callback URL.
 */
export function addStatusCallbackUrl(functions: FollowupFunctions): string {
  const functionUrl = functions.twilioWebhook.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  // `url` ends with a slash; the path must be exactly the one the handler answers.
  const callbackUrl = `${functionUrl.url}${TWILIO_STATUS_WEBHOOK_PATH.replace(/^\//, '')}`;
  functions.smsTouchWorker.addEnvironment('TWILIO_STATUS_CALLBACK_URL', callbackUrl);
  return callbackUrl;
}
