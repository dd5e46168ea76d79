/**
 * CDK assertions on the synthesized stack (bundling skipped). One synthesis per
 * configuration, shared by every assertion through beforeAll.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../functions/config.js';
import { TABLE_DEFINITION } from '../../functions/table-definition.js';
import { FollowupEngine } from '../../infra/followup-engine.js';
import { HANDLERS, type HandlerName } from '../../infra/handlers.js';
import { TOUCH_MAX_RECEIVE_COUNT } from '../../infra/engine/queues.js';
import { ROUTE_LIST as ROUTES } from '../../functions/routes.js';
import { cdkJsonContext, stubHandlersDir, templateOf } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

let template: Template;
let resources: Resources;

/** The engine's functions by handler name (the receipt-rule-set provider excluded). */
function functionsByHandler(res: Resources): Partial<Record<HandlerName, { id: string; props: Record<string, any> }>> {
  const out: Partial<Record<HandlerName, { id: string; props: Record<string, any> }>> = {};
  for (const [id, r] of Object.entries(res)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    for (const [name, spec] of Object.entries(HANDLERS) as [HandlerName, (typeof HANDLERS)[HandlerName]][]) {
      if (id.startsWith(`Engine${spec.constructId}`)) out[name] = { id, props: r.Properties };
    }
  }
  return out;
}

/** All statements of the policies attached to a role, by the role's logical id. */
function statementsOfRole(res: Resources, roleLogicalId: string): any[] {
  return Object.values(res)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: any) => ref.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

function statementsOf(res: Resources, name: HandlerName): any[] {
  const fn = functionsByHandler(res)[name];
  if (!fn) throw new Error(`no function ${name}`);
  return statementsOfRole(res, fn.props.Role['Fn::GetAtt'][0]);
}

const flat = (value: unknown) => JSON.stringify(value);
const logicalIdOf = (res: Resources, type: string, prefix: string) => {
  const id = Object.keys(res).find((key) => res[key]!.Type === type && key.startsWith(prefix));
  if (!id) throw new Error(`no ${type} ${prefix}`);
  return id;
};

beforeAll(() => {
  ({ template } = templateOf());
  resources = template.toJSON().Resources as Resources;
});

describe('DynamoDB table', () => {
  it('is built from the shared table constant', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection:
          index.projection.type === 'INCLUDE'
            ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.nonKeyAttributes] }
            : { ProjectionType: index.projection.type },
      })),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is on-demand, encrypted, point-in-time recoverable, protected and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });
});

describe('Lambda functions', () => {
  it('has one function per handler', () => {
    // The webhook sender exists only with webhook endpoints (test/infra/webhooks.test.ts).
    expect(Object.keys(functionsByHandler(resources)).sort()).toEqual(Object.keys(HANDLERS).filter((name) => name !== 'webhookSender').sort());
  });

  it('runs every function on ARM64 and the newest Node.js runtime of aws-cdk-lib', () => {
    const newestNode = Runtime.ALL.filter((r) => /^nodejs\d+\.x$/.test(r.name))
      .map((r) => r.name)
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
      .at(-1);
    // aws-cdk-lib's BucketDeployment (the console's files, copied at deploy time) runs its own Python handler.
    const ours = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !id.startsWith('CustomCDKBucketDeployment'));
    expect(ours.length).toBeGreaterThan(7);
    for (const [, fn] of ours) {
      expect(fn.Properties.Runtime).toBe(newestNode);
      if (fn.Properties.Environment) expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('logs structured JSON into a log group with retention, with source maps enabled', () => {
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      expect(fn!.props.LoggingConfig, name).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      // Functions invoked per touch drop the platform's START/REPORT lines (they would cost more than their own logs).
      const perTouch = ['touchWorker', 'smsTouchWorker', 'sesEvents', 'twilioWebhook'].includes(name);
      expect(fn!.props.LoggingConfig.SystemLogLevel, name).toBe(perTouch ? 'WARN' : 'INFO');
      const groupId = fn!.props.LoggingConfig.LogGroup.Ref as string;
      expect(resources[groupId]!.Properties.RetentionInDays, name).toBe(30);
      expect(fn!.props.Environment.Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
      expect(fn!.props.Environment.Variables.POWERTOOLS_LOGGER_LOG_EVENT, name).toBe('false');
      expect(fn!.props.Handler, name).toBe('index.handler');
      expect(fn!.props.MemorySize, name).toBe(HANDLERS[name as HandlerName].memorySize);
    }
  });

  it('uses roles without AWS managed policies that may only write their own log group', () => {
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      const roleId = fn!.props.Role['Fn::GetAtt'][0] as string;
      expect(resources[roleId]!.Properties.ManagedPolicyArns, name).toBeUndefined();
      const logStatements = statementsOfRole(resources, roleId).filter((s) =>
        flat(s.Action).includes('logs:'),
      );
      expect(logStatements, name).toHaveLength(1);
      expect(logStatements[0].Resource, name).toEqual({ 'Fn::GetAtt': [fn!.props.LoggingConfig.LogGroup.Ref, 'Arn'] });
    }
  });

  it('sets environments that functions/config.ts accepts', () => {
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      const env = fn!.props.Environment.Variables as Record<string, unknown>;
      // Tokens (Ref, GetAtt, Fn::If…) stand for strings known only at deploy time.
      const concrete = Object.fromEntries(
        Object.entries(env).map(([key, value]) => [key, typeof value === 'string' ? value : `resolved-${key}`]),
      );
      concrete.FOLLOWUP_PUBLIC_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
      if (env.FOLLOWUP_JWT_ISSUER !== undefined) concrete.FOLLOWUP_JWT_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123';
      if (env.TWILIO_STATUS_CALLBACK_URL !== undefined) {
        concrete.TWILIO_STATUS_CALLBACK_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/webhooks/twilio/status';
      }
      const parsed = configSchema.safeParse(concrete);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      const known = new Set([
        ...Object.keys(configSchema.shape),
        'NODE_OPTIONS',
        // Read by Powertools itself.
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_LOGGER_LOG_EVENT',
        'POWERTOOLS_METRICS_NAMESPACE',
      ]);
      for (const key of Object.keys(env)) expect(known.has(key), `${name} sets ${key}, unknown to config.ts`).toBe(true);
      expect(env.FOLLOWUP_PUBLIC_URL, name).toEqual({ 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::ApiGatewayV2::Api', 'EngineHttpApi'), 'ApiEndpoint'] });
    }
  });

  it('gives every function that builds the use-case context the signing secret (all but the authorizer)', () => {
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      const env = fn!.props.Environment.Variables as Record<string, unknown>;
      expect(env.FOLLOWUP_UNSUBSCRIBE_SECRET_ARN !== undefined, name).toBe(name !== 'authorizer');
    }
  });

  it('never puts a Twilio credential in an environment variable', () => {
    const twilioSecretArn = /:secret:followup\/twilio"/;
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      const env = fn!.props.Environment.Variables as Record<string, unknown>;
      for (const [key, value] of Object.entries(env)) {
        expect(key, name).not.toMatch(/AUTH_TOKEN|ACCOUNT_SID|API_KEY$|PASSWORD/);
        expect(flat(value), `${name}.${key}`).not.toMatch(/authToken|AC[0-9a-f]{32}/);
      }
      // Sends SMS and drops voicemails, verifies Twilio's signatures, or places click-to-call calls.
      const sendsOrVerifiesSms = name === 'touchWorker' || name === 'smsTouchWorker' || name === 'twilioWebhook' || name === 'voiceCalls';
      expect(env.TWILIO_SECRET_ARN !== undefined, name).toBe(sendsOrVerifiesSms);
      if (sendsOrVerifiesSms) expect(flat(env.TWILIO_SECRET_ARN)).toMatch(twilioSecretArn);
    }
    // The Twilio secret is imported by name, never created (so never generated into the template).
    const secrets = Object.values(resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret.Properties.GenerateSecretString).toBeDefined();
  });

  it('gives each function only the access its handler needs', () => {
    const can = (name: HandlerName, action: string) => statementsOf(resources, name).some((s) => flat(s.Action).includes(action));
    const matrix: Record<HandlerName, string[]> = {
      api: ['dynamodb:PutItem', 'scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'iam:PassRole', 'secretsmanager:GetSecretValue'],
      authorizer: ['secretsmanager:GetSecretValue'],
      touchWorker: ['dynamodb:PutItem', 'ses:SendEmail', 'scheduler:CreateSchedule', 'iam:PassRole', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'],
      smsTouchWorker: ['dynamodb:PutItem', 'scheduler:CreateSchedule', 'iam:PassRole', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'secretsmanager:GetSecretValue'],
      twilioWebhook: ['dynamodb:PutItem', 'scheduler:DeleteSchedule', 'secretsmanager:GetSecretValue', 'ses:SendEmail'],
      unsubscribe: ['dynamodb:PutItem', 'scheduler:DeleteSchedule', 'secretsmanager:GetSecretValue'],
      sesInbound: ['dynamodb:PutItem', 'ses:SendEmail', 'scheduler:CreateSchedule', 'iam:PassRole'],
      sesEvents: ['dynamodb:PutItem', 'scheduler:DeleteSchedule', 'sqs:SendMessage', 'secretsmanager:GetSecretValue'],
      voiceCalls: ['dynamodb:GetItem', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue'],
      // Only with webhook endpoints (test/infra/webhooks.test.ts).
      webhookSender: [],
      importSplitter: ['dynamodb:UpdateItem', 's3:GetObject', 'sqs:SendMessage', 'sqs:ReceiveMessage'],
      importWorker: ['dynamodb:BatchWriteItem', 'scheduler:CreateSchedule', 'iam:PassRole', 's3:PutObject', 'sqs:ReceiveMessage'],
    };
    for (const [name, actions] of Object.entries(matrix) as [HandlerName, string[]][]) {
      for (const action of actions) expect(can(name, action), `${name} ${action}`).toBe(true);
    }
    expect(can('authorizer', 'dynamodb:')).toBe(false);
    expect(can('authorizer', 'scheduler:')).toBe(false);
    for (const name of ['twilioWebhook', 'unsubscribe', 'sesEvents'] as const) {
      expect(can(name, 'scheduler:CreateSchedule'), name).toBe(false);
      expect(can(name, 'iam:PassRole'), name).toBe(false);
    }
    for (const name of ['unsubscribe', 'sesEvents', 'smsTouchWorker'] as const) expect(can(name, 'ses:SendEmail'), name).toBe(false);
    expect(can('api', 'ses:SendEmail')).toBe(false);
  });

  it('limits schedule management to the Followup group and PassRole to the scheduler role', () => {
    const groupName = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::ScheduleGroup')!.Properties.Name;
    const schedulerRoleId = logicalIdOf(resources, 'AWS::IAM::Role', 'EngineSchedulerRole');
    for (const name of Object.keys(functionsByHandler(resources)) as HandlerName[]) {
      for (const statement of statementsOf(resources, name)) {
        if (flat(statement.Action).includes('scheduler:')) {
          expect(flat(statement.Resource)).toContain(`:schedule/${groupName}/*`);
          expect(flat(statement.Action)).not.toMatch(/scheduler:\*|UpdateSchedule/);
        }
        if (flat(statement.Action).includes('iam:PassRole')) {
          expect(statement.Resource).toEqual({ 'Fn::GetAtt': [schedulerRoleId, 'Arn'] });
          expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
        }
      }
    }
  });
});

describe('touch queues and workers', () => {
  it('has one queue per channel, each with its DLQ; every queue is encrypted and TLS-only', () => {
    for (const [queueId, dlqId] of [
      ['EngineTouchQueue', 'EngineTouchDeadLetterQueue'],
      ['EngineSmsTouchQueue', 'EngineSmsTouchDeadLetterQueue'],
    ] as const) {
      const queue = resources[logicalIdOf(resources, 'AWS::SQS::Queue', queueId)]!.Properties;
      expect(queue.RedrivePolicy, queueId).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', dlqId), 'Arn'] },
        maxReceiveCount: TOUCH_MAX_RECEIVE_COUNT,
      });
      expect(queue.VisibilityTimeout, queueId).toBe(6 * HANDLERS.touchWorker.timeoutSeconds);
    }
    const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    // Touch queues and DLQs (4), schedule and event DLQs (2), import split and chunk queues and DLQs (4).
    expect(queues).toHaveLength(10);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policy = Object.values(resources).find(
        (r) => r.Type === 'AWS::SQS::QueuePolicy' && flat(r.Properties.Queues).includes(id),
      );
      expect(flat(policy?.Properties.PolicyDocument), id).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feeds each channel queue to its own worker with partial batch responses and a concurrency sized from its rate', () => {
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    // The two touch workers, and the import splitter and chunk worker (test/infra/imports.test.ts).
    expect(mappings).toHaveLength(4);
    const byFunction = new Map(mappings.map((m) => [m.Properties.FunctionName.Ref, m.Properties]));
    for (const [name, queueId] of [
      ['touchWorker', 'EngineTouchQueue'],
      ['smsTouchWorker', 'EngineSmsTouchQueue'],
    ] as const) {
      const fn = functionsByHandler(resources)[name]!;
      expect(byFunction.get(fn.id), name).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', queueId), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
        // Example rates: SES 14/s and Twilio 1/s -> ceil(rate x 0.5 s x 2 / 10) = 2, the SQS minimum.
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      // Both workers are the same code; they pace by the queue their records come from.
      expect(fn.props.Environment.Variables).toMatchObject({
        EMAIL_TOUCH_QUEUE_ARN: { 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineTouchQueue'), 'Arn'] },
        SMS_TOUCH_QUEUE_ARN: { 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineSmsTouchQueue'), 'Arn'] },
        EMAIL_TOUCH_CONCURRENCY: '2',
        SMS_TOUCH_CONCURRENCY: '2',
      });
    }
  });
});

describe('EventBridge Scheduler', () => {
  it('has a schedule group and a role that may only send to the touch queues (and the schedule DLQ)', () => {
    const roleId = logicalIdOf(resources, 'AWS::IAM::Role', 'EngineSchedulerRole');
    const groupId = logicalIdOf(resources, 'AWS::Scheduler::ScheduleGroup', 'EngineScheduleGroup');
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] },
          },
        },
      },
    ]);
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(resources[roleId]!.Properties.Policies).toBeUndefined();
    const statements = statementsOfRole(resources, roleId);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('sqs:SendMessage');
    expect(new Set(statements[0].Resource.map((r: any) => r['Fn::GetAtt'][0]))).toEqual(
      new Set([
        logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineTouchQueue'),
        logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineSmsTouchQueue'),
        logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineScheduleDeadLetterQueue'),
      ]),
    );
  });

  it('tells the functions which group, role and DLQ to use', () => {
    const env = functionsByHandler(resources).api!.props.Environment.Variables;
    expect(env.SCHEDULE_GROUP_NAME).toBe(
      Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::ScheduleGroup')!.Properties.Name,
    );
    expect(env.SCHEDULER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::IAM::Role', 'EngineSchedulerRole'), 'Arn'] });
    expect(env.SCHEDULER_DLQ_ARN).toEqual({
      'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineScheduleDeadLetterQueue'), 'Arn'],
    });
    expect(env.EMAIL_TOUCH_QUEUE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineTouchQueue'), 'Arn'] });
    expect(env.SMS_TOUCH_QUEUE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineSmsTouchQueue'), 'Arn'] });
  });
});

describe('HTTP API', () => {
  it('has every route of the route table, admin routes behind the authorizer and public ones open', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const authorizerId = logicalIdOf(resources, 'AWS::ApiGatewayV2::Authorizer', 'EngineHttpApiApiKeyAuthorizer');
    for (const spec of ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === `${spec.method} ${spec.path}`)!;
      if (spec.admin) {
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe('CUSTOM');
        expect(route.Properties.AuthorizerId, route.Properties.RouteKey).toEqual({ Ref: authorizerId });
      } else {
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe('NONE');
        expect(route.Properties.AuthorizerId, route.Properties.RouteKey).toBeUndefined();
      }
    }
    for (const path of ['/webhooks/twilio/sms', '/webhooks/twilio/status', '/unsubscribe/{token}', '/health']) {
      expect(ROUTES.find((r) => r.path === path)?.admin, path).toBe(false);
    }
  });

  it('uses a Lambda authorizer with simple responses on the Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [functionsByHandler(resources).authorizer!.id, 'Arn'] }])]),
      }),
    });
    const env = functionsByHandler(resources).authorizer!.props.Environment.Variables;
    expect(env.FOLLOWUP_API_KEY_SECRET_ARN).toEqual({ Ref: logicalIdOf(resources, 'AWS::SecretsManager::Secret', 'EngineApiKeySecret') });
  });

  it('throttles the stage and writes access logs without raw paths or IPs', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/sourceIp|\$context\.path|userAgent/);
    const groupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resources[groupId]!.Properties.RetentionInDays).toBe(30);
  });
});

describe("Twilio status callbacks through a function URL (twilioStatusCallbacks: 'functionUrl')", () => {
  // Opt-in: a function URL has no API Gateway throttle in front of it (the default keeps the API's route).
  let template: Template;
  let resources: Resources;
  beforeAll(() => {
    ({ template } = templateOf({ engine: { twilioStatusCallbacks: 'functionUrl' } }));
    resources = template.toJSON().Resources as Resources;
  });

  it("go to the Twilio webhook function's own URL (auth NONE: the function checks Twilio's signature), which the SMS worker gives Twilio", () => {
    const webhook = functionsByHandler(resources).twilioWebhook!;
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [webhook.id, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionName: { 'Fn::GetAtt': [webhook.id, 'Arn'] },
      FunctionUrlAuthType: 'NONE',
      Principal: '*',
    });
    // Function URLs created since October 2025 also need lambda:InvokeFunction, only through the URL.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [webhook.id, 'Arn'] },
      InvokedViaFunctionUrl: true,
      Principal: '*',
    });
    const urlId = logicalIdOf(resources, 'AWS::Lambda::Url', 'EngineTwilioWebhookFunction');
    const callback = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [urlId, 'FunctionUrl'] }, 'webhooks/twilio/status']] };
    expect(functionsByHandler(resources).smsTouchWorker!.props.Environment.Variables.TWILIO_STATUS_CALLBACK_URL).toEqual(callback);
    // Only the SMS worker sends SMS; the webhook reads its host from the request (its own URL would be a cycle).
    for (const name of ['touchWorker', 'twilioWebhook', 'api'] as const) {
      expect(functionsByHandler(resources)[name]!.props.Environment.Variables.TWILIO_STATUS_CALLBACK_URL, name).toBeUndefined();
    }
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).TwilioStatusCallbackUrl!.Value).toEqual(callback);
  });

  it("raises an alarm when the function URL answers 5xx (the route's API Gateway alarm no longer sees them)", () => {
    const webhook = functionsByHandler(resources).twilioWebhook!;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: webhook.id } }],
      Threshold: 1,
    });
  });
});

describe('SES', () => {
  it('creates the sending identity with DKIM and the configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'mail.example.com',
      // Signing is on unless DkimAttributes says otherwise.
      DkimAttributes: Match.absent(),
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalIdOf(resources, 'AWS::SES::ConfigurationSet', 'EngineConfigurationSet') } },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes the six sending events the handler acts on to EventBridge (no delivery delays: nothing reads them) and routes them to their handler', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint', 'delivery', 'open', 'click', 'reject']),
      },
    });
    const destination = Object.values(resources).find((r) => r.Type === 'AWS::SES::ConfigurationSetEventDestination')!;
    expect(flat(destination.Properties.EventDestination.EventBridgeDestination.EventBusArn)).toContain(':event-bus/default');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': Match.arrayEquals(['Email Bounced', 'Email Complaint Received', 'Email Delivered', 'Email Opened', 'Email Clicked', 'Email Rejected']),
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: logicalIdOf(resources, 'AWS::SES::ConfigurationSet', 'EngineConfigurationSet') }] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionsByHandler(resources).sesEvents!.id, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::SQS::Queue', 'EngineEventDeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
  });

  it('lets the senders use only the Followup identities and configuration set', () => {
    for (const name of ['touchWorker', 'sesInbound'] as const) {
      const statement = statementsOf(resources, name).find((s) => s.Action === 'ses:SendEmail');
      const resourcesText = flat(statement.Resource);
      expect(resourcesText).toContain(':identity/mail.example.com');
      expect(resourcesText).toContain(':configuration-set/');
      expect(resourcesText).not.toContain('*');
    }
  });

  it('receives replies: receipt rule -> encrypted SNS topic (raw mail) -> inbound handler, activated by its own provider', () => {
    const topicId = logicalIdOf(resources, 'AWS::SNS::Topic', 'EngineInboundEmailTopic');
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: {
        Enabled: true,
        Recipients: ['reply.example.com'],
        ScanEnabled: true,
        Actions: [{ SNSAction: { Encoding: 'Base64', TopicArn: { Ref: topicId } } }],
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [functionsByHandler(resources).sesInbound!.id, 'Arn'] },
      RedrivePolicy: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    const ruleSetId = logicalIdOf(resources, 'AWS::SES::ReceiptRuleSet', 'EngineReceiptRuleSet');
    const activation = Object.values(resources).find((r) => r.Type === 'Custom::FollowupReceiptRuleSetActivation')!;
    expect(activation.Properties.RuleSetName).toEqual({ Ref: ruleSetId });
    // Its own function and role, never the singleton role of AwsCustomResource.
    const providerId = activation.Properties.ServiceToken['Fn::GetAtt'][0] as string;
    expect(providerId).toMatch(/^EngineActivateReceiptRuleSetFunction/);
    const providerRole = resources[providerId]!.Properties.Role['Fn::GetAtt'][0] as string;
    expect(providerRole).toMatch(/^EngineActivateReceiptRuleSetRole/);
    const actions = statementsOfRole(resources, providerRole).flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet']));
    expect(Object.values(resources).some((r) => r.Type === 'Custom::AWS')).toBe(false);
    const topic = resources[topicId]!.Properties;
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf(resources, 'AWS::KMS::Key', 'EngineTopicKey'), 'Arn'] });
    expect(functionsByHandler(resources).sesInbound!.props.Environment.Variables.REPLY_DOMAIN).toBe('reply.example.com');
  });

  it('chooses the Message-ID domain by region at deploy time when the region is unknown', () => {
    const env = functionsByHandler(resources).touchWorker!.props.Environment.Variables;
    expect(flat(env.SES_MESSAGE_ID_DOMAIN)).toContain('email.amazonses.com');
    expect(env.SES_MESSAGE_ID_DOMAIN['Fn::If']).toBeDefined();
  });
});

describe('alarms', () => {
  const alarms = () => Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');

  it('raises an alarm as soon as any dead-letter queue holds a message', () => {
    for (const prefix of ['EngineTouchDeadLetterQueue', 'EngineSmsTouchDeadLetterQueue', 'EngineScheduleDeadLetterQueue', 'EngineEventDeadLetterQueue']) {
      const queueId = logicalIdOf(resources, 'AWS::SQS::Queue', prefix);
      const alarm = alarms().find((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && flat(a.Properties.Dimensions).includes(queueId));
      expect(alarm, prefix).toBeDefined();
      expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it("watches every function's errors and the SES bounce and complaint rates below the provider limits", () => {
    const byMetric = (metric: string) => alarms().find((a) => a.Properties.MetricName === metric)!.Properties;
    const errorAlarms = alarms().filter((a) => a.Properties.MetricName === 'Errors');
    for (const [name, fn] of Object.entries(functionsByHandler(resources))) {
      expect(
        errorAlarms.some((a) => flat(a.Properties.Dimensions) === flat([{ Name: 'FunctionName', Value: { Ref: fn!.id } }])),
        `${name} has an Errors alarm`,
      ).toBe(true);
    }
    const bounce = byMetric('Reputation.BounceRate');
    const complaint = byMetric('Reputation.ComplaintRate');
    expect(bounce.Threshold).toBeLessThan(0.05);
    expect(complaint.Threshold).toBeLessThan(0.001);
    expect(bounce.Namespace).toBe('AWS/SES');
  });

  it('sends every alarm to the alarm topic', () => {
    const topicId = logicalIdOf(resources, 'AWS::SNS::Topic', 'EngineAlarmsTopic');
    for (const alarm of alarms()) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('outputs', () => {
  it('prints the API URL, the Twilio webhook URLs, the unsubscribe base URL and the secret names', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const key of ['ApiUrl', 'TwilioSmsWebhookUrl', 'TwilioStatusCallbackUrl', 'UnsubscribeBaseUrl', 'ApiKeySecretName', 'UnsubscribeSecretName', 'TwilioSecretName', 'DkimRecord1', 'ReplyDomainMxRecord']) {
      expect(outputs[key], key).toBeDefined();
    }
    expect(flat(outputs.TwilioSmsWebhookUrl!.Value)).toContain('/webhooks/twilio/sms');
    expect(flat(outputs.TwilioStatusCallbackUrl!.Value)).toContain('webhooks/twilio/status');
    expect(outputs.TwilioSecretName!.Value).toBe('followup/twilio');
  });
});

describe('other configurations', () => {
  let minimal: Resources;
  let minimalTemplate: Template;

  beforeAll(() => {
    const synth = templateOf({
      env: { account: '123456789012', region: 'eu-west-1' },
      engine: {
        replyDomain: undefined,
        manageEmailIdentity: false,
        alarmEmail: 'ops@example.com',
        sesMaxSendRate: 100,
        twilioMaxSendRate: 50,
        publicUrl: 'https://followup.example.com/',
        twilioStatusCallbacks: 'httpApi',
      },
    });
    minimalTemplate = synth.template;
    minimal = minimalTemplate.toJSON().Resources as Resources;
  });

  it("with twilioStatusCallbacks 'httpApi' (the default): no function URL, status callbacks on the API's route", () => {
    template.resourceCountIs('AWS::Lambda::Url', 0);
    minimalTemplate.resourceCountIs('AWS::Lambda::Url', 0);
    expect(functionsByHandler(minimal).smsTouchWorker!.props.Environment.Variables.TWILIO_STATUS_CALLBACK_URL).toBeUndefined();
    expect((minimalTemplate.toJSON().Outputs as Record<string, { Value: unknown }>).TwilioStatusCallbackUrl!.Value).toBe(
      'https://followup.example.com/webhooks/twilio/status',
    );
    expect(JSON.stringify(minimal)).not.toContain('Url5xxCount');
  });

  it('has no inbound pipeline without a reply domain', () => {
    minimalTemplate.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    minimalTemplate.resourceCountIs('Custom::FollowupReceiptRuleSetActivation', 0);
    expect(functionsByHandler(minimal).sesInbound).toBeUndefined();
    expect(functionsByHandler(minimal).api!.props.Environment.Variables.REPLY_DOMAIN).toBeUndefined();
  });

  it('leaves an existing SES identity alone when asked to', () => {
    minimalTemplate.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });

  it('subscribes the alarm email', () => {
    minimalTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('sizes each worker concurrency from its own provider rate (infra/touch-sizing.ts)', () => {
    // SES 100/s: ceil(100 x 0.5 x 2 / 10) = 10; Twilio 50/s: 5.
    const concurrency = (name: 'touchWorker' | 'smsTouchWorker') => {
      const id = functionsByHandler(minimal)[name]!.id;
      return Object.values(minimal).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName.Ref === id)!
        .Properties.ScalingConfig.MaximumConcurrency;
    };
    expect([concurrency('touchWorker'), concurrency('smsTouchWorker')]).toEqual([10, 5]);
    expect(functionsByHandler(minimal).smsTouchWorker!.props.Environment.Variables).toMatchObject({
      SES_MAX_SEND_RATE: '100',
      TWILIO_MAX_SEND_RATE: '50',
      EMAIL_TOUCH_CONCURRENCY: '10',
      SMS_TOUCH_CONCURRENCY: '5',
    });
  });

  it('uses the custom public URL and the regional Message-ID domain', () => {
    const env = functionsByHandler(minimal).twilioWebhook!.props.Environment.Variables;
    expect(env.FOLLOWUP_PUBLIC_URL).toBe('https://followup.example.com');
    expect(env.SES_MESSAGE_ID_DOMAIN).toBe('eu-west-1.amazonses.com');
  });

  it('uses email.amazonses.com in us-east-1', () => {
    const { template: east } = templateOf({ env: { account: '123456789012', region: 'us-east-1' }, engine: { replyDomain: undefined } });
    const fn = functionsByHandler(east.toJSON().Resources as Resources).touchWorker!;
    expect(fn.props.Environment.Variables.SES_MESSAGE_ID_DOMAIN).toBe('email.amazonses.com');
  });

  it('drops into any stack as a construct', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'PlatformStack');
    const engine = new FollowupEngine(stack, 'Followup', {
      sendingDomain: 'news.acme.test',
      handlersDir: stubHandlersDir(),
    });
    const embedded = Template.fromStack(stack);
    embedded.resourceCountIs('AWS::DynamoDB::Table', 1);
    embedded.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    expect(engine.touchWorkerConcurrency).toEqual({ email: 2, sms: 2 });
    expect(Object.keys(engine.functions)).not.toContain('sesInbound');
    // Stack outputs are the app's business, not the construct's.
    expect(embedded.toJSON().Outputs).toBeUndefined();
  });
});
