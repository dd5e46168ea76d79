/**
 * The cdk-nag AwsSolutions findings the engine accepts, each with its reason, as data.
 * `acknowledgeEngineFindings(engine)` records them with aws-cdk-lib's `Validations` API;
 * our app (`infra/app.ts`) and tests call it, and so can an app that runs cdk-nag on a
 * stack embedding the engine. Nothing here imports cdk-nag.
 */
import { Aspects, Stack, Token, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ROUTE_LIST, type RouteTarget } from '../functions/routes.js';
import { acknowledge, ScopedWildcardAcknowledger, type ScopedWildcard } from './acknowledgements.js';
import { bucketDeploymentHandlers } from './engine/console.js';
import type { FollowupEngine } from './followup-engine.js';
import { IMPORT_OBJECT_KEYS } from './permissions.js';

type RuleId = `AwsSolutions-${string}`;

export interface EngineAcknowledgement {
  readonly id: RuleId;
  readonly reason: string;
  /** The constructs (and their children) the finding is accepted on. */
  readonly on: (engine: FollowupEngine) => readonly (IConstruct | undefined)[];
}

/** The console's static site and sign-in (infra/engine/console.ts). */
const CONSOLE_ACKNOWLEDGEMENTS: readonly EngineAcknowledgement[] = [
  {
    id: 'AwsSolutions-CFR1',
    reason: 'The console serves its own team wherever they work; every read and change needs a signed-in user or the API key, so a country filter protects nothing.',
    on: (engine) => [engine.console?.distribution],
  },
  {
    id: 'AwsSolutions-CFR2',
    reason: 'The distribution serves only the built static console (no data, no forms that post to it); the API it calls has its own per-route throttling and authorizer.',
    on: (engine) => [engine.console?.distribution],
  },
  {
    id: 'AwsSolutions-CFR3',
    reason: 'Only static, public build files are served here; the requests that matter (every API call) are in the HTTP API access logs.',
    on: (engine) => [engine.console?.distribution],
  },
  {
    id: 'AwsSolutions-CFR4',
    reason: 'The default *.cloudfront.net certificate cannot set a minimum TLS version; the policy TLSv1.2_2021 is set and applies as soon as a custom domain and certificate are added.',
    on: (engine) => [engine.console?.distribution],
  },
  {
    id: 'AwsSolutions-S1',
    reason: 'The bucket holds the built console only and is read solely by CloudFront through origin access control; reads are not personal data worth logging twice.',
    on: (engine) => [engine.console?.bucket],
  },
  {
    id: 'AwsSolutions-COG2',
    reason: 'MFA is offered to every console user (TOTP); requiring it is one prop (console.mfa: "required"), left to the operator because some teams sign in through shared devices first.',
    on: (engine) => [engine.console?.userPool],
  },
  {
    id: 'AwsSolutions-COG8',
    reason: 'The Essentials plan (needed for access-token claims) is used; Plus adds threat protection at a per-user price the operator can choose to pay.',
    on: (engine) => [engine.console?.userPool],
  },
];

const BUCKET_DEPLOYMENT_REASON =
  "aws-cdk-lib's BucketDeployment copies the built console and its config.json at deploy time (it runs only during deployments): its handler's Python runtime, AWSLambdaBasicExecutionRole, the S3 actions it grants itself on the console bucket and the CDK asset bucket, and CloudFront invalidation (no resource-level permissions).";

/**
 * The findings on BucketDeployment's singleton handler, finding by finding (never a blanket
 * IAM5): its role may only touch the console bucket, the CDK asset bucket and invalidations.
 */
export function acknowledgeConsoleDeployment(engine: FollowupEngine): void {
  const deployment = engine.console?.deployment;
  const bucket = engine.console?.bucket;
  if (!deployment || !bucket) return;
  const stack = Stack.of(engine);
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as CfnElement);
  const assets = ['arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*'];
  if (!Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region)) assets.push(`arn:${stack.partition === 'aws' || Token.isUnresolved(stack.partition) ? 'aws' : stack.partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`);
  const findings: `AwsSolutions-${string}`[] = [
    'AwsSolutions-L1',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => `AwsSolutions-IAM5[Action::${action}]` as const),
    'AwsSolutions-IAM5[Resource::*]',
    `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
    ...assets.map((arn) => `AwsSolutions-IAM5[Resource::${arn}]` as const),
  ];
  for (const scope of bucketDeploymentHandlers(engine)) for (const id of findings) acknowledge(scope, id, BUCKET_DEPLOYMENT_REASON);
}

const PUBLIC_ROUTE_REASONS: Record<RouteTarget, string> = {
  twilioWebhook: 'Called by Twilio, which cannot send an API key; the handler verifies the X-Twilio-Signature HMAC over the URL and body.',
  unsubscribe: 'Opened by prospects from an email; the path carries an HMAC-signed token that the handler verifies, and RFC 8058 forbids a login.',
  api: 'Unauthenticated by design: GET /health is a liveness probe that answers 200, GET /openapi.json the API description generated from code (the same for everyone); neither reveals any data.',
  voiceCalls: 'Never public: click to call is an editor route behind the authorizer.',
};

export const ENGINE_ACKNOWLEDGEMENTS: readonly EngineAcknowledgement[] = [
  {
    id: 'AwsSolutions-SMG4',
    reason:
      "The API key is held by the operators' own clients; rotating it is a manual, documented step (README, API key rotation) so clients can be updated first.",
    on: (engine) => [engine.apiKeySecret],
  },
  {
    id: 'AwsSolutions-SMG4',
    reason:
      'The HMAC key verifies unsubscribe links already delivered in emails; automatic rotation would break those links, which the law requires to keep working.',
    on: (engine) => [engine.unsubscribeSecret],
  },
  {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue: EventBridge Scheduler puts touches it could not deliver here.',
    on: (engine) => [engine.scheduleDeadLetterQueue],
  },
  {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue for failed asynchronous deliveries (SES events rule, inbound mail topic, Lambda on-failure).',
    on: (engine) => [engine.eventDeadLetterQueue],
  },
  ...(['twilioWebhook', 'unsubscribe', 'api'] as const).map(
    (target): EngineAcknowledgement => ({
      id: 'AwsSolutions-APIG4',
      reason: PUBLIC_ROUTE_REASONS[target],
      on: (engine) =>
        ROUTE_LIST.filter((route) => !route.admin && route.target === target).map((route) => engine.httpRoutes[route.routeKey]),
    }),
  ),
  {
    id: 'AwsSolutions-S1',
    reason:
      'Import files are written only through presigned PUT URLs that an editor asked for (the job item records who, when, for which sequence) and read only by the engine\'s own functions; object-level reads and writes can be logged with CloudTrail data events, and the files expire after 30 days.',
    on: (engine) => [engine.imports.bucket],
  },
  ...CONSOLE_ACKNOWLEDGEMENTS,
];

/** IAM wildcards the engine intends, acknowledged finding by finding (any other is still reported). */
export function engineWildcards(engine: FollowupEngine): ScopedWildcard[] {
  return [
    {
      resource: engine.scheduleArn,
      reason:
        'Touch schedules are named at runtime (enrollment id + step), so access is limited to schedule/<Followup group>/*, never other groups.',
    },
    ...Object.values(IMPORT_OBJECT_KEYS).map(
      (pattern): ScopedWildcard => ({
        resource: engine.imports.bucket.arnForObjects(pattern),
        reason: `Import jobs are created at runtime: each function may touch only the import files it needs (${pattern}), named by job id, never the whole bucket.`,
      }),
    ),
    {
      resource: `${engine.twilioSecret.secretArn}-??????`,
      reason:
        'The Twilio secret is created by the operator and imported by name; Secrets Manager appends a random 6-character suffix, matched by -??????.',
    },
    {
      resource: '*',
      onlyActions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
      reason:
        'ses:SetActiveReceiptRuleSet and ses:DescribeActiveReceiptRuleSet support no resource-level permissions, so their only possible resource is "*".',
    },
    {
      resource: '*',
      onlyActions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      reason:
        'Lambda active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their only possible resource is "*".',
    },
  ];
}

/** Records every acknowledgement of `engine` (call once per engine, before synth). */
export function acknowledgeEngineFindings(engine: FollowupEngine): void {
  for (const { id, reason, on } of ENGINE_ACKNOWLEDGEMENTS) {
    for (const scope of on(engine)) if (scope) acknowledge(scope, id, reason);
  }
  acknowledgeConsoleDeployment(engine);
  Aspects.of(engine).add(new ScopedWildcardAcknowledger(engineWildcards(engine)));
}
