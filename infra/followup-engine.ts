/**
 * `FollowupEngine`: everything Followup needs in one AWS account, as a construct a
 * platform team can drop into its own stack. It wires resources, permissions and
 * configuration only; all behaviour lives in the Lambda handlers under
 * `functions/handlers/`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aspects, Aws, CfnCondition, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { TABLE_DEFINITION, type IndexProjection } from '../functions/table-definition.js';
import { FollowupAlarms } from './followup-alarms.js';
import { sharedBundling } from './bundling.js';
import { HANDLERS, type HandlerName } from './handlers.js';
import { acknowledge, ScopedWildcardAcknowledger } from './nag.js';
import { ROUTES, TWILIO_SMS_WEBHOOK_PATH, TWILIO_STATUS_WEBHOOK_PATH, UNSUBSCRIBE_BASE_PATH } from './routes.js';

/** The repository root: `NodejsFunction` bundles from here with its lockfile. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Seconds one touch keeps a worker busy: a consistent read, the claim, one provider
 * call, the message record, the enrollment advance and the next schedule. Used with
 * Little's law (workers = rate × time per touch) to size the worker's concurrency.
 */
const SECONDS_PER_TOUCH = 0.5;

export type FollowupLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FollowupEngineProps {
  /**
   * Domain touches are sent from. The engine creates its SES identity (Easy DKIM,
   * 2048-bit); publish the three DKIM CNAME records it outputs.
   */
  readonly sendingDomain: string;

  /**
   * Sender used when the engine itself writes mail (forwarded replies). Sequences name
   * their own senders, which must also be at `sendingDomain`.
   *
   * @default `followup@${sendingDomain}`
   */
  readonly fromAddress?: string;

  /**
   * Create the SES domain identity for `sendingDomain`. Set to false when the domain is
   * already verified in this account and region (CloudFormation cannot adopt it).
   *
   * @default true
   */
  readonly manageEmailIdentity?: boolean;

  /**
   * Domain whose MX points at SES inbound, for reply detection
   * (`reply+<token>@replyDomain`). Creates a receipt rule set, an SNS topic and the
   * inbound handler.
   *
   * @default - no inbound email; replies are detected by SMS only
   */
  readonly replyDomain?: string;

  /**
   * Activate the receipt rule set (an account and region have ONE active rule set; this
   * replaces any other). Only used with `replyDomain`.
   *
   * @default true
   */
  readonly activateReceiptRuleSet?: boolean;

  /**
   * Name of the Secrets Manager secret holding the Twilio credentials as JSON
   * `{accountSid, authToken, from?, messagingServiceSid?}`. Created by you, not by the stack.
   *
   * @default 'followup/twilio'
   */
  readonly twilioSecretName?: string;

  /**
   * SES sending quota of the account, in messages per second.
   *
   * @default 14
   */
  readonly sesMaxSendRate?: number;

  /**
   * Messages per second your Twilio sender may send (10DLC and toll-free numbers: 1 to 3;
   * short codes: 100).
   *
   * @default 1
   */
  readonly twilioMaxSendRate?: number;

  /**
   * Maximum concurrent touch workers.
   *
   * @default - Little's law for the slower channel: max(2, floor(min(sesMaxSendRate, twilioMaxSendRate) × 0.5 s))
   */
  readonly touchWorkerMaxConcurrency?: number;

  /**
   * Touch messages per worker invocation.
   *
   * @default 10
   */
  readonly touchBatchSize?: number;

  /**
   * Time zone for prospects without one, when a sequence has none either.
   *
   * @default 'America/New_York'
   */
  readonly defaultTimezone?: string;

  /**
   * Country assumed for phone numbers written without a country code (ISO 3166 alpha-2).
   *
   * @default 'US'
   */
  readonly defaultPhoneRegion?: string;

  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   *
   * @default - no subscription; alarms still publish to the topic
   */
  readonly alarmEmail?: string;

  /**
   * Public base URL of the API, if a custom domain fronts it. Used in unsubscribe links
   * and to verify Twilio signatures, which cover the exact URL Twilio called.
   *
   * @default - the HTTP API's execute-api URL
   */
  readonly publicUrl?: string;

  /**
   * Removal policy of the stateful resources: the table and the unsubscribe secret
   * (links already sent must keep working if the table is restored).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Retention of the functions' logs and the API access logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Lambda application log level (Powertools Logger reads it too).
   *
   * @default 'INFO'
   */
  readonly logLevel?: FollowupLogLevel;

  /**
   * Stage-wide throttling of the HTTP API.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: apigw.ThrottleSettings;

  /**
   * Bundle AWS SDK v3 into each function instead of using the runtime's copy
   * (larger bundles, pinned SDK version).
   *
   * @default false
   */
  readonly bundleAwsSdk?: boolean;

  /**
   * Account SES bounce rate that raises the alarm (SES reviews accounts at 5 %).
   *
   * @default 0.04
   */
  readonly bounceRateAlarmThreshold?: number;

  /**
   * Account SES complaint rate that raises the alarm (SES reviews accounts at 0.1 %).
   *
   * @default 0.0008
   */
  readonly complaintRateAlarmThreshold?: number;

  /**
   * Directory holding the handler entry files. Must be inside the package root (the
   * directory of `package-lock.json`). Override only to bundle a fork of the handlers.
   *
   * @default - `functions/handlers` of this package
   */
  readonly handlersDir?: string;
}

/** The engine's functions; `sesInbound` exists only with a reply domain. */
export type FollowupFunctions = Readonly<
  Record<Exclude<HandlerName, 'sesInbound'>, nodejs.NodejsFunction> & { sesInbound?: nodejs.NodejsFunction }
>;

export class FollowupEngine extends Construct {
  /** The single table (keys and indexes from `functions/table-definition.ts`). */
  public readonly table: dynamodb.Table;
  /** Every Lambda function, by handler name (`sesInbound` only with a reply domain). */
  public readonly functions: FollowupFunctions;
  public readonly touchQueue: sqs.Queue;
  public readonly touchDeadLetterQueue: sqs.Queue;
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Role the touch schedules assume: it may only send to the touch queue (and the schedule DLQ). */
  public readonly schedulerRole: iam.Role;
  /** Where EventBridge Scheduler puts touches it could not deliver to the queue. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Failed asynchronous deliveries: SES events, inbound mail. */
  public readonly eventDeadLetterQueue: sqs.Queue;
  public readonly httpApi: apigw.HttpApi;
  public readonly apiKeySecret: secretsmanager.Secret;
  public readonly unsubscribeSecret: secretsmanager.Secret;
  public readonly twilioSecret: secretsmanager.ISecret;
  public readonly configurationSet: ses.ConfigurationSet;
  /** Undefined when `manageEmailIdentity` is false. */
  public readonly emailIdentity?: ses.EmailIdentity;
  /** Identity of a reply domain distinct from the sending domain (managed identities only). */
  public readonly replyIdentity?: ses.EmailIdentity;
  /** Raw inbound mail (base64 MIME) when a reply domain is configured. */
  public readonly inboundEmailTopic?: sns.Topic;
  public readonly receiptRuleSet?: ses.ReceiptRuleSet;
  public readonly alarms: FollowupAlarms;
  /** Base URL of the API (no trailing slash). */
  public readonly apiUrl: string;
  /** Twilio "A message comes in" webhook (HTTP POST). */
  public readonly twilioSmsWebhookUrl: string;
  /** Twilio status callback URL. */
  public readonly twilioStatusWebhookUrl: string;
  /** Unsubscribe links are this URL followed by the token. */
  public readonly unsubscribeBaseUrl: string;
  /** The worker's maximum concurrency, as computed or given. */
  public readonly touchWorkerMaxConcurrency: number;

  constructor(scope: Construct, id: string, props: FollowupEngineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sesRate = props.sesMaxSendRate ?? 14;
    const twilioRate = props.twilioMaxSendRate ?? 1;
    if (!(sesRate > 0) || !(twilioRate > 0)) throw new Error('FollowupEngine: send rates must be greater than 0');
    const fromAddress = props.fromAddress ?? `followup@${props.sendingDomain}`;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logLevel = props.logLevel ?? 'INFO';
    const handlersDir = props.handlersDir ?? path.join(PACKAGE_ROOT, 'functions', 'handlers');
    const bundling = sharedBundling(props.bundleAwsSdk ?? false);

    // ---- Storage ---------------------------------------------------------------
    const attributeType = (type: 'S' | 'N' | 'B') =>
      ({ S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER, B: dynamodb.AttributeType.BINARY })[type];
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_DEFINITION.partitionKey.name, type: attributeType(TABLE_DEFINITION.partitionKey.type) },
      sortKey: { name: TABLE_DEFINITION.sortKey.name, type: attributeType(TABLE_DEFINITION.sortKey.type) },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_DEFINITION.timeToLiveAttribute,
      // AWS-managed key: encrypted with a key visible in CloudTrail, no monthly key fee.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of TABLE_DEFINITION.globalSecondaryIndexes) {
      const projection: IndexProjection = index.projection;
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
        sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
        projectionType: dynamodb.ProjectionType[projection.type],
        ...(projection.type === 'INCLUDE' ? { nonKeyAttributes: [...projection.nonKeyAttributes] } : {}),
      });
    }

    // ---- Secrets ---------------------------------------------------------------
    this.apiKeySecret = new secretsmanager.Secret(this, 'ApiKeySecret', {
      description: 'Followup admin API key: send it as "Authorization: Bearer <value>".',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    this.unsubscribeSecret = new secretsmanager.Secret(this, 'UnsubscribeSecret', {
      description: 'Followup HMAC key signing unsubscribe and reply tokens.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.twilioSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'TwilioSecret',
      props.twilioSecretName ?? 'followup/twilio',
    );
    acknowledge(
      this.apiKeySecret,
      'AwsSolutions-SMG4',
      'The API key is held by the operators\' own clients; rotating it is a manual, documented step (README, Deploy to AWS) so clients can be updated first.',
    );
    acknowledge(
      this.unsubscribeSecret,
      'AwsSolutions-SMG4',
      'The HMAC key verifies unsubscribe links already delivered in emails; automatic rotation would break those links, which the law requires to keep working.',
    );

    // ---- Queues ----------------------------------------------------------------
    const queueDefaults: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    };
    this.touchDeadLetterQueue = new sqs.Queue(this, 'TouchDeadLetterQueue', queueDefaults);
    this.touchQueue = new sqs.Queue(this, 'TouchQueue', {
      ...queueDefaults,
      // AWS guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(6 * HANDLERS.touchWorker.timeoutSeconds),
      // Throttled sends are retried through the queue a few times before a human looks.
      deadLetterQueue: { queue: this.touchDeadLetterQueue, maxReceiveCount: 8 },
    });
    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', queueDefaults);
    this.eventDeadLetterQueue = new sqs.Queue(this, 'EventDeadLetterQueue', queueDefaults);
    acknowledge(
      this.scheduleDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: EventBridge Scheduler puts touches it could not deliver here.',
    );
    acknowledge(
      this.eventDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue for failed asynchronous deliveries (SES events rule, inbound mail topic, Lambda on-failure).',
    );

    // ---- Scheduler -------------------------------------------------------------
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      // Deleting the stack must stop pending touches rather than leave them firing.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Assumed by Followup touch schedules; may only send to the touch queue and the schedule DLQ.',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeliverTouches',
        actions: ['sqs:SendMessage'],
        // The DLQ is written by Scheduler with this same role when delivery fails.
        resources: [this.touchQueue.queueArn, this.scheduleDeadLetterQueue.queueArn],
      }),
    );
    const scheduleArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/*`,
    });

    // ---- Email (SES) -----------------------------------------------------------
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // SES can only publish sending events to the default bus.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.OPEN,
        ses.EmailSendingEvent.CLICK,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.DELIVERY_DELAY,
      ],
    });
    if (props.manageEmailIdentity ?? true) {
      this.emailIdentity = new ses.EmailIdentity(this, 'SendingIdentity', {
        identity: ses.Identity.domain(props.sendingDomain),
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        // Mail sent without naming a configuration set still reports its events.
        configurationSet: this.configurationSet,
      });
    }
    const identityArn = (domain: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain });
    // SES receives only for verified domains, so a distinct reply domain gets its own identity.
    const replyIdentityDomain =
      props.replyDomain !== undefined && props.replyDomain.toLowerCase() !== props.sendingDomain.toLowerCase()
        ? props.replyDomain
        : undefined;
    if (replyIdentityDomain !== undefined && (props.manageEmailIdentity ?? true)) {
      this.replyIdentity = new ses.EmailIdentity(this, 'ReplyIdentity', {
        identity: ses.Identity.domain(replyIdentityDomain),
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        configurationSet: this.configurationSet,
      });
    }
    const sendEmailResources = [
      identityArn(props.sendingDomain),
      ...(replyIdentityDomain !== undefined ? [identityArn(replyIdentityDomain)] : []),
      stack.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.configurationSet.configurationSetName,
      }),
    ];

    // ---- HTTP API (created first: every function needs its URL) ----------------
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${stack.stackName}-${id}`,
      description: 'Followup: admin API, Twilio webhooks and unsubscribe pages',
      // The stage is created below with throttling and access logs.
      createDefaultStage: false,
    });
    this.apiUrl = props.publicUrl?.replace(/\/+$/, '') ?? this.httpApi.apiEndpoint;
    this.twilioSmsWebhookUrl = `${this.apiUrl}${TWILIO_SMS_WEBHOOK_PATH}`;
    this.twilioStatusWebhookUrl = `${this.apiUrl}${TWILIO_STATUS_WEBHOOK_PATH}`;
    this.unsubscribeBaseUrl = `${this.apiUrl}${UNSUBSCRIBE_BASE_PATH}`;

    // ---- Functions -------------------------------------------------------------
    this.touchWorkerMaxConcurrency =
      props.touchWorkerMaxConcurrency ??
      Math.min(1000, Math.max(2, Math.floor(Math.min(sesRate, twilioRate) * SECONDS_PER_TOUCH)));
    if (this.touchWorkerMaxConcurrency < 2 || this.touchWorkerMaxConcurrency > 1000) {
      throw new Error('FollowupEngine: touchWorkerMaxConcurrency must be between 2 and 1000 (SQS event source limits)');
    }

    const commonEnvironment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      FOLLOWUP_PUBLIC_URL: this.apiUrl,
      TOUCH_QUEUE_ARN: this.touchQueue.queueArn,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      SCHEDULE_GROUP_NAME: this.scheduleGroup.scheduleGroupName,
      SCHEDULER_DLQ_ARN: this.scheduleDeadLetterQueue.queueArn,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      SES_MESSAGE_ID_DOMAIN: this.sesMessageIdDomain(),
      FOLLOWUP_FROM_EMAIL: fromAddress,
      SES_MAX_SEND_RATE: String(sesRate),
      TWILIO_MAX_SEND_RATE: String(twilioRate),
      TOUCH_WORKER_MAX_CONCURRENCY: String(this.touchWorkerMaxConcurrency),
      DEFAULT_PHONE_REGION: props.defaultPhoneRegion ?? 'US',
      DEFAULT_TIMEZONE: props.defaultTimezone ?? 'America/New_York',
      // Stack traces in the logs point at the TypeScript sources through the bundled maps.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'followup',
      POWERTOOLS_LOG_LEVEL: logLevel,
      // Incoming events carry addresses and message bodies: never log them whole.
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      ...(props.replyDomain !== undefined ? { REPLY_DOMAIN: props.replyDomain } : {}),
    };
    // Secret ARNs go only to the functions allowed to read them.
    const unsubscribeSecretEnv = { FOLLOWUP_UNSUBSCRIBE_SECRET_ARN: this.unsubscribeSecret.secretArn };
    const twilioSecretEnv = { TWILIO_SECRET_ARN: this.twilioSecret.secretArn };

    const makeFunction = (name: HandlerName, extra: Partial<nodejs.NodejsFunctionProps> = {}) => {
      const spec = HANDLERS[name];
      const logGroup = new logs.LogGroup(this, `${spec.constructId}Logs`, {
        retention: logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Our own role instead of AWSLambdaBasicExecutionRole: logs go to this one group only.
      const role = new iam.Role(this, `${spec.constructId}Role`, {
        description: `Execution role of ${spec.description}`,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      logGroup.grantWrite(role);
      return new nodejs.NodejsFunction(this, spec.constructId, {
        entry: path.join(handlersDir, spec.file),
        handler: 'handler',
        description: spec.description,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
        // INFO keeps the platform REPORT lines (duration, memory, cold starts).
        systemLogLevelV2: lambda.SystemLogLevel.INFO,
        projectRoot: PACKAGE_ROOT,
        depsLockFilePath: path.join(PACKAGE_ROOT, 'package-lock.json'),
        bundling: {
          format: nodejs.OutputFormat.ESM,
          minify: bundling.minify,
          sourceMap: bundling.sourceMap,
          // Stack traces map to file:line without shipping the sources themselves.
          sourcesContent: false,
          target: bundling.target,
          banner: bundling.banner,
          mainFields: [...bundling.mainFields],
          externalModules: [...bundling.externalModules],
          // No Docker on build machines: the local esbuild devDependency bundles.
          forceDockerBundling: false,
          logLevel: nodejs.LogLevel.WARNING,
        },
        ...extra,
        environment: { ...commonEnvironment, ...extra.environment },
      });
    };

    const api = makeFunction('api', { environment: unsubscribeSecretEnv });
    const authorizer = makeFunction('authorizer', {
      environment: { FOLLOWUP_API_KEY_SECRET_ARN: this.apiKeySecret.secretArn },
    });
    const touchWorker = makeFunction('touchWorker', { environment: { ...unsubscribeSecretEnv, ...twilioSecretEnv } });
    // Every function that builds the shared use-case context needs the signing secret.
    const twilioWebhook = makeFunction('twilioWebhook', { environment: { ...unsubscribeSecretEnv, ...twilioSecretEnv } });
    const unsubscribe = makeFunction('unsubscribe', { environment: unsubscribeSecretEnv });
    const sesEvents = makeFunction('sesEvents', {
      environment: unsubscribeSecretEnv,
      onFailure: new SqsDestination(this.eventDeadLetterQueue),
      retryAttempts: 2,
    });
    const functions: Partial<Record<HandlerName, nodejs.NodejsFunction>> = {
      api,
      authorizer,
      touchWorker,
      twilioWebhook,
      unsubscribe,
      sesEvents,
    };

    // Least privilege, function by function: exactly the AWS calls each handler makes.
    for (const fn of [api, touchWorker, twilioWebhook, unsubscribe, sesEvents]) this.table.grantReadWriteData(fn);
    this.apiKeySecret.grantRead(authorizer);
    for (const fn of [api, touchWorker, twilioWebhook, unsubscribe, sesEvents]) this.unsubscribeSecret.grantRead(fn);
    for (const fn of [touchWorker, twilioWebhook]) this.twilioSecret.grantRead(fn);
    const grantSendEmail = (fn: lambda.IFunction) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'SendEmail', actions: ['ses:SendEmail'], resources: sendEmailResources }),
      );
    grantSendEmail(touchWorker);
    // The SMS webhook emails the sequence owner when a prospect replies by text.
    grantSendEmail(twilioWebhook);
    const grantSchedules = (fn: lambda.IFunction, access: { create: boolean }) => {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ManageTouchSchedules',
          actions: access.create ? ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] : ['scheduler:DeleteSchedule'],
          resources: [scheduleArn],
        }),
      );
      if (access.create) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'PassSchedulerRole',
            actions: ['iam:PassRole'],
            resources: [this.schedulerRole.roleArn],
            conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          }),
        );
      }
    };
    grantSchedules(api, { create: true });
    grantSchedules(touchWorker, { create: true });
    grantSchedules(twilioWebhook, { create: false });
    grantSchedules(unsubscribe, { create: false });
    grantSchedules(sesEvents, { create: false });

    // ---- Touch worker: the queue buffers bursts, concurrency caps the send rate ----
    touchWorker.addEventSource(
      new SqsEventSource(this.touchQueue, {
        batchSize: props.touchBatchSize ?? 10,
        reportBatchItemFailures: true,
        maxConcurrency: this.touchWorkerMaxConcurrency,
      }),
    );

    // ---- SES events -> EventBridge (default bus) -> handler --------------------
    new events.Rule(this, 'SesEventsRule', {
      description: 'Followup: SES sending events of the Followup configuration set',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [
          'Email Bounced',
          'Email Complaint Received',
          'Email Delivered',
          'Email Opened',
          'Email Clicked',
          'Email Rejected',
          'Email Delivery Delayed',
        ],
        // Other applications in the account may use SES too: only our configuration set.
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [
        new targets.LambdaFunction(sesEvents, {
          deadLetterQueue: this.eventDeadLetterQueue,
          maxEventAge: Duration.hours(24),
          retryAttempts: 185,
        }),
      ],
    });

    // ---- Inbound email (optional) ---------------------------------------------
    if (props.replyDomain !== undefined) {
      const sesInbound = makeFunction('sesInbound', {
        environment: unsubscribeSecretEnv,
        onFailure: new SqsDestination(this.eventDeadLetterQueue),
        retryAttempts: 2,
      });
      functions.sesInbound = sesInbound;
      this.table.grantReadWriteData(sesInbound);
      this.unsubscribeSecret.grantRead(sesInbound);
      grantSendEmail(sesInbound);
      grantSchedules(sesInbound, { create: true });
      const inbound = this.configureInbound(props.replyDomain, props.activateReceiptRuleSet ?? true, sesInbound, logRetention);
      this.inboundEmailTopic = inbound.topic;
      this.receiptRuleSet = inbound.ruleSet;
    }
    this.functions = { api, authorizer, touchWorker, twilioWebhook, unsubscribe, sesEvents, ...functions };

    // ---- Routes ----------------------------------------------------------------
    const apiAuthorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // Bounded so a rotated key stops working within five minutes.
      resultsCacheTtl: Duration.minutes(5),
    });
    const integrations = new Map<HandlerName, HttpLambdaIntegration>();
    const integrationFor = (name: HandlerName) => {
      let integration = integrations.get(name);
      if (!integration) {
        const fn = functions[name];
        if (!fn) throw new Error(`FollowupEngine: no function for ${name}`);
        integration = new HttpLambdaIntegration(`${HANDLERS[name].constructId}Integration`, fn);
        integrations.set(name, integration);
      }
      return integration;
    };
    for (const route of ROUTES) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrationFor(route.handler),
        ...(route.admin ? { authorizer: apiAuthorizer } : {}),
      });
      if (!route.admin && created) {
        acknowledge(
          created,
          'AwsSolutions-APIG4',
          route.handler === 'twilioWebhook'
            ? 'Called by Twilio, which cannot send an API key; the handler verifies the X-Twilio-Signature HMAC over the URL and body.'
            : route.handler === 'unsubscribe'
              ? 'Opened by prospects from an email; the path carries an HMAC-signed token that the handler verifies, and RFC 8058 forbids a login.'
              : 'Unauthenticated liveness probe; it answers 200 and reveals nothing.',
        );
      }
    }

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // Route templates, not raw paths (those carry unsubscribe tokens); no IPs or user agents.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            requestTime: '$context.requestTimeEpoch',
          }),
        ),
      },
    });

    // ---- Wildcards cdk-nag asks about: acknowledged one by one, with their reasons ----
    Aspects.of(this).add(
      new ScopedWildcardAcknowledger([
        {
          resource: scheduleArn,
          reason:
            'Touch schedules are named at runtime (enrollment id + step), so access is limited to schedule/<Followup group>/*, never other groups.',
        },
        {
          resource: `${this.table.tableArn}/index/*`,
          reason: `Reads and writes of the table include its own GSIs (${TABLE_DEFINITION.globalSecondaryIndexes.map((i) => i.indexName).join(', ')}), addressed as <table>/index/*.`,
        },
        {
          resource: `${this.twilioSecret.secretArn}-??????`,
          reason:
            'The Twilio secret is created by the operator and imported by name; Secrets Manager appends a random 6-character suffix, matched by -??????.',
        },
      ]),
    );

    // ---- Alarms ----------------------------------------------------------------
    this.alarms = new FollowupAlarms(this, 'Alarms', {
      alarmEmail: props.alarmEmail,
      touchQueue: this.touchQueue,
      deadLetterQueues: {
        TouchDeadLetterQueue: this.touchDeadLetterQueue,
        ScheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
        EventDeadLetterQueue: this.eventDeadLetterQueue,
      },
      touchWorker,
      httpApi: this.httpApi,
      bounceRateThreshold: props.bounceRateAlarmThreshold ?? 0.04,
      complaintRateThreshold: props.complaintRateAlarmThreshold ?? 0.0008,
    });
  }

  /** SES stamps `<id@email.amazonses.com>` in us-east-1 and `<id@<region>.amazonses.com>` elsewhere. */
  private sesMessageIdDomain(): string {
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region)) return region === 'us-east-1' ? 'email.amazonses.com' : `${region}.amazonses.com`;
    // Environment-agnostic synth (no credentials): decide at deploy time.
    const isUsEast1 = new CfnCondition(this, 'IsUsEast1', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
    return Fn.conditionIf(isUsEast1.logicalId, 'email.amazonses.com', `${Aws.REGION}.amazonses.com`).toString();
  }

  /** Receipt rule set -> SNS (raw MIME, base64) -> inbound handler, plus its activation. */
  private configureInbound(
    replyDomain: string,
    activate: boolean,
    handler: nodejs.NodejsFunction,
    logRetention: logs.RetentionDays,
  ): { topic: sns.Topic; ruleSet: ses.ReceiptRuleSet } {
    const topic = new sns.Topic(this, 'InboundEmailTopic', {
      displayName: 'Followup inbound email',
      enforceSSL: true,
    });
    // SES publishes with its service principal; only on behalf of this account.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesPublish',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    topic.addSubscription(new subscriptions.LambdaSubscription(handler, { deadLetterQueue: this.eventDeadLetterQueue }));

    const ruleSet = new ses.ReceiptRuleSet(this, 'ReceiptRuleSet', {
      rules: [
        {
          recipients: [replyDomain],
          // Spam and virus verdicts arrive as headers; the handler ignores failed mail.
          scanEnabled: true,
          // SNS notifications carry the whole message; SES bounces mail over 150 KB here.
          actions: [new sesActions.Sns({ topic, encoding: sesActions.EmailEncoding.BASE64 })],
        },
      ],
    });
    const policy = topic.node.tryFindChild('Policy');
    if (policy) ruleSet.node.addDependency(policy);

    if (!activate) return { topic, ruleSet };
    // CloudFormation cannot activate a rule set; an SDK call on create/update does, and
    // deactivation on delete lets CloudFormation remove it.
    const logGroup = new logs.LogGroup(this, 'ActivateReceiptRuleSetLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'ActivateReceiptRuleSetRole', {
      description: 'Activates the Followup SES receipt rule set',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);
    const activateCall: cr.AwsSdkCall = {
      service: 'SES',
      action: 'setActiveReceiptRuleSet',
      parameters: { RuleSetName: ruleSet.receiptRuleSetName },
      physicalResourceId: cr.PhysicalResourceId.of(`followup-active-rule-set-${replyDomain}`),
    };
    const activation = new cr.AwsCustomResource(this, 'ActivateReceiptRuleSet', {
      onCreate: activateCall,
      onUpdate: activateCall,
      onDelete: { service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
    activation.node.addDependency(ruleSet);
    acknowledge(
      activation,
      'AwsSolutions-IAM5[Resource::*]',
      'ses:SetActiveReceiptRuleSet supports no resource-level permissions, so its only possible resource is "*".',
    );
    return { topic, ruleSet };
  }
}
