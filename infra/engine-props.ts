/**
 * `FollowupEngine`'s props and their defaults as data (the style of the
 * aws-solutions-constructs: `existing…Obj` props, defaults in one place, `@default` on
 * every prop). resolve-engine-props.ts checks them up front.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { RouteKey } from '../functions/routes.js';
import type { WebhookEventType } from '../functions/domain/webhook-events.js';
import type { LambdaCodeSource } from './lambda-code.js';
import { ROUTE_THROTTLE_DEFAULTS, type RouteThrottle } from './route-throttles.js';

/** An outbound webhook endpoint (README "Outbound webhooks"). */
export interface WebhookEndpointProps {
  /** Short name: 1–32 lower-case letters, digits and dashes; in delivery records and logs instead of the URL. */
  readonly id: string;
  /** Where the signed events are POSTed; must be https://. */
  readonly url: string;
  /**
   * Secrets Manager secret holding the signing secret (a string of at least 16 characters,
   * or a JSON list of them during a rotation: every one signs). Created by you.
   */
  readonly secretName: string;
  /**
   * The event types it receives.
   *
   * @default - all: replied, opted_out, bounced, converted, task.completed
   */
  readonly events?: readonly WebhookEventType[];
}

export type FollowupLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly FollowupLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

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
   * Activate the receipt rule set. An account and region have ONE active rule set: the
   * engine remembers the one that was active and restores it when it is deleted, and it
   * refuses to replace another Followup engine's (see README, "Two engines in one account").
   * Only used with `replyDomain`.
   *
   * @default true
   */
  readonly activateReceiptRuleSet?: boolean;

  /**
   * Name of the Secrets Manager secret holding the Twilio credentials as JSON
   * `{accountSid, authToken}`. Created by you, not by the stack.
   *
   * @default 'followup/twilio'
   */
  readonly twilioSecretName?: string;

  /**
   * How long a function keeps a secret it read (the API key, the Twilio credentials)
   * before reading it again: a rotated value takes effect within this time, with no
   * redeploy and no cold start.
   *
   * @default Duration.minutes(5)
   */
  readonly secretsMaxAge?: Duration;

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
   * Maximum concurrent email touch workers (2 to 1000, the SQS event source limits).
   * Each paces itself at sesMaxSendRate ÷ this, so more workers never send faster.
   *
   * @default - clamp(2, 1000, ceil(sesMaxSendRate × 0.5 s × 2 ÷ touchBatchSize)) (infra/touch-sizing.ts)
   */
  readonly emailWorkerMaxConcurrency?: number;

  /**
   * Maximum concurrent SMS touch workers (2 to 1000). Each paces itself at
   * twilioMaxSendRate ÷ this.
   *
   * @default - clamp(2, 1000, ceil(twilioMaxSendRate × 0.5 s × 2 ÷ touchBatchSize)) (infra/touch-sizing.ts)
   */
  readonly smsWorkerMaxConcurrency?: number;

  /**
   * Touch messages per worker invocation (1 to 10).
   *
   * @default 10
   */
  readonly touchBatchSize?: number;

  /**
   * Maximum concurrent import chunk workers (2 to 1000). Together they create at most
   * importSchedulesPerSecond schedules a second (a token bucket per worker), so more
   * workers only help while DynamoDB, not the Scheduler quota, is the limit.
   *
   * @default 5
   */
  readonly importWorkerMaxConcurrency?: number;

  /**
   * CreateSchedule calls per second import jobs may use of the account's EventBridge
   * Scheduler quota (1,000 a second per region by default; the touch workers and the API
   * create schedules too, so leave them room). Raise it with the quota.
   *
   * @default 500
   */
  readonly importSchedulesPerSecond?: number;

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
   * Public base URL of the API, if something other than `domainName` fronts it (a CDN).
   * Used in unsubscribe links and to verify Twilio signatures, which cover the exact URL
   * Twilio called.
   *
   * @default - `https://${domainName}` with a custom domain, else the HTTP API's execute-api URL
   */
  readonly publicUrl?: string;

  /**
   * Custom domain of the API (needs `certificate`, an ACM certificate for it in the
   * stack's region). Point a CNAME or alias record at `engine.apiDomain.regionalDomainName`.
   *
   * @default - no custom domain
   */
  readonly domainName?: string;

  /**
   * ACM certificate for `domainName`.
   *
   * @default - none; required with `domainName`
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Bring your own table. It must have the keys, GSIs and TTL attribute of
   * `functions/table-definition.ts` (checked when it is a `Table`/`TableV2` of this app).
   *
   * @default - the engine creates the table
   */
  readonly existingTableObj?: dynamodb.ITable;

  /**
   * Bring your own email touch queue (standard queue; visibility timeout at least six
   * times the worker timeout, 360 s, and its own dead-letter queue).
   *
   * @default - the engine creates the queue and its dead-letter queue
   */
  readonly existingTouchQueueObj?: sqs.IQueue;

  /**
   * Bring your own SMS touch queue (the same requirements as `existingTouchQueueObj`).
   *
   * @default - the engine creates the queue and its dead-letter queue
   */
  readonly existingSmsTouchQueueObj?: sqs.IQueue;

  /**
   * Customer-managed KMS key for the table, the queues and the SNS topics. The engine adds
   * the statements SES, CloudWatch, SNS and EventBridge need to its key policy; an imported
   * key's policy cannot be changed, so it must allow them already (a warning says so).
   *
   * @default - one engine key encrypts the SNS topics (SES and CloudWatch cannot use the
   * AWS-managed SNS key); the table and queues use AWS-owned keys
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Tags added to every resource of the engine.
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;

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
   * Throttling of routes that have no entry in `routeThrottles`.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: apigw.ThrottleSettings;

  /**
   * Per-route throttling, merged over the defaults: each route has its own token bucket,
   * so a flood on `/unsubscribe/*` cannot starve the Twilio webhooks (Twilio does not retry).
   *
   * @default ROUTE_THROTTLE_DEFAULTS (infra/route-throttles.ts)
   */
  readonly routeThrottles?: Partial<Readonly<Record<RouteKey, RouteThrottle>>>;

  /**
   * Where Twilio posts the delivery status of each SMS touch (2–3 callbacks per message):
   * - `'httpApi'`: the API's `POST /webhooks/twilio/status` route, with its per-route
   *   throttle and metrics.
   * - `'functionUrl'`: the Twilio webhook function's own Lambda function URL (no charge per
   *   request; API Gateway's is $1 per million, about $0.0025 per 1,000 SMS). The function
   *   checks Twilio's signature over that URL and answers only status callbacks there. Not
   *   the default because nothing throttles it: a flood of unsigned requests is refused with
   *   a 403, but each is an invocation of the function that also answers inbound SMS (STOP),
   *   so a flood could take the concurrency STOP needs.
   * Inbound SMS and voice webhooks always use the API.
   *
   * @default 'httpApi'
   */
  readonly twilioStatusCallbacks?: 'functionUrl' | 'httpApi';

  /**
   * Lambda active tracing (X-Ray): one trace per invocation, no tracing code in the bundles.
   * Off by default because of what it costs at these volumes: Lambda samples the first
   * invocation each second and 5 % of the rest, and provider events arrive spread out, so
   * nearly every one is a trace ($5 per million): about $0.016 per 1,000 touches, more than
   * all the rest of a touch (`npm run bench`, "AWS cost"). Turn it on to investigate.
   *
   * @default false
   */
  readonly tracing?: boolean;

  /**
   * Create the CloudWatch dashboard.
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * The web console and its sign-in (README "Sign-in and roles"): a Cognito user pool
   * (groups `editor` and `viewer`, managed login, a public app client with authorization
   * code + PKCE), the console on S3 behind CloudFront with origin access control, and its
   * `config.json`. `false`: no console, the API accepts the API key only.
   * @default {} - on, with the defaults of `FollowupConsoleProps`
   */
  readonly console?: FollowupConsoleProps | false;

  /**
   * Where the Lambda code comes from: `'prebuilt'`, the bundles shipped in the package
   * (`dist/lambda`, built by `npm run build`; no esbuild or Docker needed), or
   * `'esbuild'`, bundling the TypeScript handlers at synth with the local esbuild.
   *
   * @default - 'prebuilt' when the construct runs from the built package, 'esbuild' from the sources
   */
  readonly lambdaCode?: LambdaCodeSource;

  /**
   * Bundle AWS SDK v3 into each function instead of using the runtime's copy
   * (larger bundles, pinned SDK version). Needs `lambdaCode: 'esbuild'`.
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
   * Directory holding the handler entry files (with `lambdaCode: 'esbuild'`). Must be
   * inside the package root (the directory of `package-lock.json`). Override only to
   * bundle a fork of the handlers.
   *
   * @default - `functions/handlers` of this package
   */
  readonly handlersDir?: string;

  /**
   * Outbound webhooks: replies, opt-outs, bounces, conversions and task outcomes are
   * published to a custom EventBridge bus; one rule per endpoint routes its event types to a
   * delivery queue, and a small function signs each event at delivery time (HMAC-SHA256,
   * `Followup-Signature`) and POSTs it, retried through the queue, with a dead-letter queue.
   *
   * @default - none: no bus, no queue, no sender function
   */
  readonly webhooks?: readonly WebhookEndpointProps[];

  /**
   * Delivery attempts of one event to one endpoint (about two minutes apart) before it is
   * recorded as failed.
   *
   * @default 8
   */
  readonly webhookMaxAttempts?: number;
}

/** The web console and its sign-in. */
export interface FollowupConsoleProps {
  /**
   * Prefix of the Cognito domain of the sign-in pages (`<prefix>.auth.<region>.amazoncognito.com`):
   * lower-case letters, digits and hyphens, unique in the region.
   * @default - `followup-<engine id>-<account id>`
   */
  readonly authDomainPrefix?: string;
  /**
   * The built console (`npm run build:console` writes `web/dist`).
   * @default - `web/dist` of this package when it exists, else a page that says to build it
   */
  readonly assetsDir?: string;
  /**
   * Multi-factor authentication (TOTP apps) for console users.
   * @default 'optional'
   */
  readonly mfa?: 'optional' | 'required';
}

/** Every default of `FollowupEngineProps`, in one place. */
export const FOLLOWUP_ENGINE_DEFAULTS = {
  manageEmailIdentity: true,
  activateReceiptRuleSet: true,
  twilioSecretName: 'followup/twilio',
  secretsMaxAge: Duration.minutes(5),
  sesMaxSendRate: 14,
  twilioMaxSendRate: 1,
  touchBatchSize: 10,
  importWorkerMaxConcurrency: 5,
  importSchedulesPerSecond: 500,
  defaultTimezone: 'America/New_York',
  defaultPhoneRegion: 'US',
  removalPolicy: RemovalPolicy.RETAIN,
  deletionProtection: true,
  logRetention: logs.RetentionDays.ONE_MONTH,
  logLevel: 'INFO',
  apiThrottle: { rateLimit: 50, burstLimit: 100 },
  routeThrottles: ROUTE_THROTTLE_DEFAULTS,
  twilioStatusCallbacks: 'httpApi',
  tracing: false,
  dashboard: true,
  console: { mfa: 'optional' },
  bundleAwsSdk: false,
  bounceRateAlarmThreshold: 0.04,
  complaintRateAlarmThreshold: 0.0008,
  tags: {},
  webhooks: [],
  webhookMaxAttempts: 8,
} as const satisfies Partial<Record<keyof FollowupEngineProps, unknown>>;

export { SECONDS_PER_TOUCH } from './touch-sizing.js';

/** A prop that cannot work; the message names it. */
export class FollowupEngineConfigError extends Error {
  override name = 'FollowupEngineConfigError';
  constructor(
    readonly prop: string,
    problem: string,
  ) {
    super(`FollowupEngine: prop "${prop}" ${problem}`);
  }
}

