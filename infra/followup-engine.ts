/**
 * `FollowupEngine`: everything Followup needs in one AWS account, as a construct a
 * platform team drops into its own stack. It wires resources, permissions and
 * configuration only; all behaviour lives in the Lambda handlers under
 * `functions/handlers/`. Read top to bottom: props are checked, then each section is
 * built by its builder in `infra/engine/`, in dependency order.
 *
 * Logical ids are those of the single-file construct this grew from (the builders create
 * their resources directly in the engine's scope), so an existing deployment updates in
 * place instead of replacing its table.
 */
import { Tags } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TouchQueue } from '../functions/domain/touch-message.js';
import { type RouteKey, TWILIO_SMS_WEBHOOK_PATH, TWILIO_STATUS_WEBHOOK_PATH, UNSUBSCRIBE_BASE_PATH } from '../functions/routes.js';
import type { FollowupEngineProps } from './engine-props.js';
import { resolveEngineProps } from './resolve-engine-props.js';
import { FollowupAlarms } from './engine/alarms.js';
import { bucketDeploymentHandlers, buildConsole, type EngineConsole } from './engine/console.js';
import { buildDashboard } from './engine/dashboard.js';
import { buildEmail, buildInbound, routeSesEvents } from './engine/email.js';
import { buildKeys } from './engine/encryption.js';
import { addStatusCallbackUrl, buildFunctions, type FollowupFunctions } from './engine/functions.js';
import { addRoutes, createHttpApi, ROUTES_WITH_DETAILED_METRICS } from './engine/http-api.js';
import { buildQueues, deadLetterQueues } from './engine/queues.js';
import { buildImports, type EngineImports } from './engine/imports.js';
import { buildScheduler } from './engine/scheduler.js';
import { buildSecrets, buildTable } from './engine/storage.js';
import { buildWebhooks, type EngineWebhooks } from './engine/webhooks.js';
import { defaultLambdaCodeSource } from './lambda-code.js';
import type { ReceiptRuleSetActivation } from './receipt-rule-set/activation.js';

export type { FollowupEngineProps } from './engine-props.js';
export type { FollowupFunctions } from './engine/functions.js';

export class FollowupEngine extends Construct {
  /** The single table (keys and indexes from `functions/table-definition.ts`), or `existingTableObj`. */
  public readonly table: dynamodb.ITable;
  /** Every Lambda function, by handler name (`sesInbound` only with a reply domain). */
  public readonly functions: FollowupFunctions;
  /** Encrypts the SNS topics (and, with `encryptionKey`, the table and queues). */
  public readonly topicKey: kms.IKey;
  /** The touch queue of each channel: schedules deliver a touch to its step's channel's queue. */
  public readonly touchQueues: Readonly<Record<TouchQueue, sqs.IQueue>>;
  /** The email touch queue (`touchQueues.email`). */
  public readonly touchQueue: sqs.IQueue;
  /** The SMS touch queue (`touchQueues.sms`). */
  public readonly smsTouchQueue: sqs.IQueue;
  /** Undefined with `existingTouchQueueObj`. */
  public readonly touchDeadLetterQueue?: sqs.Queue;
  /** Undefined with `existingSmsTouchQueueObj`. */
  public readonly smsTouchDeadLetterQueue?: sqs.Queue;
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Role the touch schedules assume: it may only send to the touch queue (and the schedule DLQ). */
  public readonly schedulerRole: iam.Role;
  /** `schedule/<group>/*`: the schedules the functions may manage. */
  public readonly scheduleArn: string;
  /** Where EventBridge Scheduler puts touches it could not deliver to the queue. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Failed asynchronous deliveries: SES events, inbound mail. */
  public readonly eventDeadLetterQueue: sqs.Queue;
  public readonly httpApi: apigw.HttpApi;
  public readonly httpStage: apigw.HttpStage;
  /** Every route of `functions/routes.ts`, by route key. */
  public readonly httpRoutes: Readonly<Record<RouteKey, apigw.HttpRoute>>;
  /** With `domainName`: point its DNS record at `apiDomain.regionalDomainName`. */
  public readonly apiDomain?: apigw.DomainName;
  public readonly apiKeySecret: secretsmanager.Secret;
  public readonly unsubscribeSecret: secretsmanager.Secret;
  public readonly twilioSecret: secretsmanager.ISecret;
  public readonly configurationSet: ses.ConfigurationSet;
  /** Undefined when `manageEmailIdentity` is false. */
  public readonly emailIdentity?: ses.EmailIdentity;
  /** Identity of a reply domain distinct from the sending domain (managed identities only). */
  public readonly replyIdentity?: ses.EmailIdentity;
  /** Raw inbound mail (base64 MIME, KMS-encrypted) when a reply domain is configured. */
  public readonly inboundEmailTopic?: sns.Topic;
  public readonly receiptRuleSet?: ses.ReceiptRuleSet;
  /** The engine's own provider activating `receiptRuleSet`. */
  public readonly receiptRuleSetActivation?: ReceiptRuleSetActivation;
  public readonly alarms: FollowupAlarms;
  /** Undefined with `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Base URL of the API (no trailing slash). */
  public readonly apiUrl: string;
  /** Twilio "A message comes in" webhook (HTTP POST). */
  public readonly twilioSmsWebhookUrl: string;
  /** Twilio status callback URL: the Twilio webhook function's URL, or the API's route (prop `twilioStatusCallbacks`). */
  public readonly twilioStatusWebhookUrl: string;
  /** Unsubscribe links are this URL followed by the token. */
  public readonly unsubscribeBaseUrl: string;
  /** The web console and its sign-in (user pool, app client, bucket, distribution); undefined with `console: false`. */
  public readonly console?: EngineConsole;
  /** `https://<distribution>/console/`; undefined with `console: false`. */
  public readonly consoleUrl?: string;
  /** Import jobs: the upload bucket, the split and chunk queues and their dead-letter queues (README "Imports"). */
  public readonly imports: EngineImports;
  /** Each channel worker's maximum concurrency, as computed (infra/touch-sizing.ts) or given. */
  public readonly touchWorkerConcurrency: Readonly<Record<TouchQueue, number>>;
  /** Outbound webhooks: the bus, the delivery queue and its DLQ, the rules (undefined without `webhooks`). */
  public readonly webhooks?: EngineWebhooks;

  constructor(scope: Construct, id: string, engineProps: FollowupEngineProps) {
    super(scope, id);
    const props = resolveEngineProps(engineProps, defaultLambdaCodeSource());
    const code = { source: props.lambdaCode, bundleAwsSdk: props.bundleAwsSdk };
    this.touchWorkerConcurrency = props.touchWorkerConcurrency;

    // Storage, keys and secrets.
    const keys = buildKeys(this, props);
    this.topicKey = keys.topicKey;
    this.table = buildTable(this, props, keys);
    const secrets = buildSecrets(this, props);
    ({ apiKeySecret: this.apiKeySecret, unsubscribeSecret: this.unsubscribeSecret, twilioSecret: this.twilioSecret } = secrets);

    // Queues and the scheduler that fills the touch queue.
    const queues = buildQueues(this, props, keys);
    this.touchQueues = queues.touchQueues;
    this.touchQueue = queues.touchQueues.email;
    this.smsTouchQueue = queues.touchQueues.sms;
    if (queues.touchDeadLetterQueues.email) this.touchDeadLetterQueue = queues.touchDeadLetterQueues.email;
    if (queues.touchDeadLetterQueues.sms) this.smsTouchDeadLetterQueue = queues.touchDeadLetterQueues.sms;
    this.scheduleDeadLetterQueue = queues.scheduleDeadLetterQueue;
    this.eventDeadLetterQueue = queues.eventDeadLetterQueue;
    const touchScheduler = buildScheduler(this, queues);
    this.imports = buildImports(this, props, keys);
    ({ scheduleGroup: this.scheduleGroup, schedulerRole: this.schedulerRole, scheduleArn: this.scheduleArn } = touchScheduler);

    // Email (SES): configuration set and identities.
    const email = buildEmail(this, props);
    this.configurationSet = email.configurationSet;
    if (email.emailIdentity) this.emailIdentity = email.emailIdentity;
    if (email.replyIdentity) this.replyIdentity = email.replyIdentity;

    // The HTTP API first (every function needs its URL), then the functions.
    const api = createHttpApi(this, id, props);
    this.httpApi = api.httpApi;
    if (api.domain) this.apiDomain = api.domain;
    this.apiUrl = api.apiUrl;
    this.twilioSmsWebhookUrl = `${this.apiUrl}${TWILIO_SMS_WEBHOOK_PATH}`;
    this.twilioStatusWebhookUrl = `${this.apiUrl}${TWILIO_STATUS_WEBHOOK_PATH}`;
    this.unsubscribeBaseUrl = `${this.apiUrl}${UNSUBSCRIBE_BASE_PATH}`;
    // Outbound webhooks (only with endpoints): the bus, the delivery queue, one rule per endpoint.
    const webhooks = buildWebhooks(this, props, keys);
    if (webhooks) this.webhooks = webhooks;
    this.functions = buildFunctions(this, {
      props,
      code,
      apiUrl: this.apiUrl,
      table: this.table,
      keys,
      secrets,
      queues,
      scheduler: touchScheduler,
      email,
      webhooks,
      imports: this.imports,
    });
    if (props.twilioStatusCallbacks === 'functionUrl') {
      this.twilioStatusWebhookUrl = addStatusCallbackUrl(this.functions);
    }

    // The console and its sign-in: Cognito, the static site, CORS, the authorizer's issuer.
    if (props.console) {
      this.console = buildConsole(this, {
        props: { ...props.console, logRetention: props.logRetention, removalPolicy: props.removalPolicy },
        httpApi: this.httpApi,
        apiUrl: this.apiUrl,
        authorizer: this.functions.authorizer,
      });
      this.consoleUrl = this.console.consoleUrl;
    }

    // Event wiring: SES events, inbound mail (optional), the routes.
    routeSesEvents(this, email, this.functions.sesEvents, queues.eventDeadLetterQueue);
    if (props.replyDomain !== undefined && this.functions.sesInbound) {
      const inbound = buildInbound(this, { ...props, replyDomain: props.replyDomain }, keys, this.functions.sesInbound, queues.eventDeadLetterQueue, {
        logRetention: props.logRetention,
        code,
      });
      this.inboundEmailTopic = inbound.topic;
      this.receiptRuleSet = inbound.ruleSet;
      if (inbound.activation) this.receiptRuleSetActivation = inbound.activation;
    }
    ({ stage: this.httpStage, routes: this.httpRoutes } = addRoutes(this, api, { props, functions: this.functions }));

    // Alarms and the dashboard.
    const dlqs = {
      ...deadLetterQueues(queues),
      ...(webhooks ? { WebhookDeadLetterQueue: webhooks.deadLetterQueue } : {}),
      ImportSplitDeadLetterQueue: this.imports.splitDeadLetterQueue,
      ImportChunkDeadLetterQueue: this.imports.chunkDeadLetterQueue,
    };
    this.alarms = new FollowupAlarms(this, 'Alarms', {
      alarmEmail: props.alarmEmail,
      topicKey: keys.topicKey,
      touchQueues: this.touchQueues,
      deadLetterQueues: dlqs,
      functions: this.functions,
      table: this.table,
      httpApi: this.httpApi,
      alarmedRoutes: ROUTES_WITH_DETAILED_METRICS,
      ...(props.twilioStatusCallbacks === 'functionUrl' ? { alarmedFunctionUrls: { twilioWebhook: this.functions.twilioWebhook } } : {}),
      bounceRateThreshold: props.bounceRateAlarmThreshold,
      complaintRateThreshold: props.complaintRateAlarmThreshold,
    });
    if (props.dashboard) {
      this.dashboard = buildDashboard(this, 'Dashboard', {
        touchQueues: this.touchQueues,
        deadLetterQueues: dlqs,
        functions: this.functions,
        table: this.table,
        httpApi: this.httpApi,
        routesWithMetrics: ROUTES_WITH_DETAILED_METRICS,
        alarms: this.alarms.alarms,
        bounceRateThreshold: props.bounceRateAlarmThreshold,
        complaintRateThreshold: props.complaintRateAlarmThreshold,
      });
    }

    const deploymentHandlers = this.console ? bucketDeploymentHandlers(this) : [];
    for (const [key, value] of Object.entries(props.tags as Record<string, string>)) {
      for (const scope of [this, ...deploymentHandlers]) Tags.of(scope).add(key, value);
    }
  }
}
