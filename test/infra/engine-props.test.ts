/**
 * The construct's props (bring your own table, queue, key; custom domain; tags; throttles)
 * and what the engine promises about access, encryption, throttling and observability,
 * asserted on synthesized templates (bundling skipped).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../../functions/handlers/shared/metric-names.js';
import { ROUTE_LIST } from '../../functions/routes.js';
import { TABLE_DEFINITION } from '../../functions/table-definition.js';
import { FollowupEngineConfigError, type FollowupEngineProps } from '../../infra/engine-props.js';
import { FollowupEngine } from '../../infra/followup-engine.js';
import { HANDLERS, type HandlerName } from '../../infra/handlers.js';
import { FUNCTION_ACCESS, PUBLIC_FUNCTIONS } from '../../infra/permissions.js';
import { ROUTE_THROTTLE_DEFAULTS } from '../../infra/route-throttles.js';
import { cdkJsonContext, stubHandlersDir, templateOf } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
const flat = (value: unknown) => JSON.stringify(value) ?? '';

function newStack(env?: { account: string; region: string }) {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new Stack(app, 'Host', env ? { env } : {}) };
}

function engineIn(stack: Stack, props: Partial<FollowupEngineProps> = {}, id = 'Followup') {
  return new FollowupEngine(stack, id, { sendingDomain: 'mail.acme.test', handlersDir: stubHandlersDir(), ...props });
}

function resourcesOf(stack: Stack): Resources {
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

function functionIds(res: Resources, prefix: string): Partial<Record<HandlerName, string>> {
  const out: Partial<Record<HandlerName, string>> = {};
  for (const [id, r] of Object.entries(res)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    for (const [name, spec] of Object.entries(HANDLERS) as [HandlerName, (typeof HANDLERS)[HandlerName]][]) {
      if (id.startsWith(`${prefix}${spec.constructId}`)) out[name] = id;
    }
  }
  return out;
}

function statementsOfFunction(res: Resources, functionId: string): any[] {
  const roleId = res[functionId]!.Properties.Role['Fn::GetAtt'][0];
  return Object.values(res)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: any) => ref.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

function configError(build: () => unknown): FollowupEngineConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(FollowupEngineConfigError);
    return error as FollowupEngineConfigError;
  }
  throw new Error('expected a FollowupEngineConfigError');
}

describe('props are checked up front, with one error naming the prop', () => {
  it.each([
    ['sendingDomain', { sendingDomain: 'not a domain' }],
    ['fromAddress', { fromAddress: 'sales@elsewhere.test' }],
    ['replyDomain', { replyDomain: 'reply domain' }],
    ['twilioSecretName', { twilioSecretName: 'has spaces' }],
    ['sesMaxSendRate', { sesMaxSendRate: 0 }],
    ['twilioMaxSendRate', { twilioMaxSendRate: Number.NaN }],
    ['emailWorkerMaxConcurrency', { emailWorkerMaxConcurrency: 1 }],
    ['smsWorkerMaxConcurrency', { smsWorkerMaxConcurrency: 1001 }],
    ['touchBatchSize', { touchBatchSize: 11 }],
    ['defaultTimezone', { defaultTimezone: 'Mars/Olympus' }],
    ['defaultPhoneRegion', { defaultPhoneRegion: 'usa' }],
    ['alarmEmail', { alarmEmail: 'ops-at-acme' }],
    ['publicUrl', { publicUrl: 'http://insecure.acme.test' }],
    ['certificate', { domainName: 'followup.acme.test' }],
    ['bounceRateAlarmThreshold', { bounceRateAlarmThreshold: 5 }],
    ['routeThrottles', { routeThrottles: { 'GET /nope': { rateLimit: 1 } } as never }],
    ['tags', { tags: { 'aws:reserved': 'x' } }],
    ['bundleAwsSdk', { bundleAwsSdk: true, lambdaCode: 'prebuilt' as const, handlersDir: undefined }],
    ['handlersDir', { handlersDir: '/nonexistent/handlers' }],
  ] as const)('%s', (prop, props) => {
    const { stack } = newStack();
    const error = configError(() => engineIn(stack, props as Partial<FollowupEngineProps>));
    expect(error.prop).toBe(prop);
    expect(error.message).toContain(`prop "${prop}"`);
    expect(error.message).not.toContain('\n');
    // Nothing was half-built.
    expect(stack.node.tryFindChild('Followup')?.node.children.length ?? 0).toBe(0);
  });
});

describe('the example deployment', () => {
  let res: Resources;
  let fns: Partial<Record<HandlerName, string>>;
  beforeAll(() => {
    res = templateOf().template.toJSON().Resources as Resources;
    fns = functionIds(res, 'Engine');
  });

  it('gives each function exactly the DynamoDB actions infra/permissions.ts lists, on the table ARN', () => {
    for (const [name, id] of Object.entries(fns) as [HandlerName, string][]) {
      const statements = statementsOfFunction(res, id).filter((s) => flat(s.Action).includes('dynamodb:'));
      const tableActions = statements.filter((s) => s.Sid === 'TableAccess').flatMap((s) => [s.Action].flat());
      expect(tableActions.sort(), name).toEqual(FUNCTION_ACCESS[name].table.map((a) => `dynamodb:${a}`).sort());
      for (const statement of statements.filter((s) => s.Sid === 'TableAccess')) {
        expect(statement.Resource, name).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EngineTable/), 'Arn'] });
      }
      expect(flat(statements), name).not.toContain('dynamodb:Scan');
      expect(flat(statements), name).not.toMatch(/dynamodb:\*|GetRecords|GetShardIterator|DescribeStream/);
    }
  });

  it('lets only the functions that query an index reach it, and only that index', () => {
    for (const [name, id] of Object.entries(fns) as [HandlerName, string][]) {
      const indexStatements = statementsOfFunction(res, id).filter((s) => flat(s.Resource).includes('/index/'));
      const expected = FUNCTION_ACCESS[name].indexes;
      if (expected.length === 0) {
        expect(indexStatements, name).toEqual([]);
        continue;
      }
      expect(indexStatements, name).toHaveLength(1);
      expect(indexStatements[0].Action, name).toBe('dynamodb:Query');
      const indexes = [indexStatements[0].Resource].flat().map((r: unknown) => /\/index\/([A-Za-z]+)/.exec(flat(r))?.[1]);
      expect(indexes.sort(), name).toEqual([...expected].sort());
      expect(flat(indexStatements[0].Resource), name).not.toContain('/index/*');
    }
  });

  it('never lets a public function batch-write, and only the Twilio webhook delete (START lifts a suppression)', () => {
    for (const name of PUBLIC_FUNCTIONS) {
      const actions = flat(statementsOfFunction(res, fns[name]!));
      expect(actions, name).not.toContain('dynamodb:BatchWriteItem');
      expect(actions.includes('dynamodb:DeleteItem'), name).toBe(name === 'twilioWebhook');
    }
  });

  it('throttles every route on its own, Twilio and unsubscribe routes apart, after the routes exist', () => {
    const [stageId, stage] = Object.entries(res).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual(ROUTE_LIST.map((r) => r.routeKey).sort());
    for (const route of ROUTE_LIST) {
      expect(settings[route.routeKey], route.routeKey).toMatchObject({
        ThrottlingRateLimit: ROUTE_THROTTLE_DEFAULTS[route.routeKey].rateLimit,
        ThrottlingBurstLimit: ROUTE_THROTTLE_DEFAULTS[route.routeKey].burstLimit,
      });
    }
    expect(settings['POST /webhooks/twilio/sms']!.ThrottlingRateLimit).toBeGreaterThan(settings['POST /unsubscribe/{token}']!.ThrottlingRateLimit);
    const routeIds = Object.entries(res).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route').map(([id]) => id);
    expect(res[stageId]!.DependsOn ?? []).toEqual(expect.arrayContaining(routeIds));
  });

  it('encrypts both SNS topics with a rotating customer-managed key that SES and CloudWatch may use', () => {
    const [keyId, key] = Object.entries(res).find(([, r]) => r.Type === 'AWS::KMS::Key')!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const topics = Object.entries(res).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    expect(topics).toHaveLength(2);
    for (const [id, topic] of topics) expect(topic.Properties.KmsMasterKeyId, id).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const services = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service).flatMap((s: any) => [s.Principal.Service].flat());
    expect(services).toEqual(expect.arrayContaining(['ses.amazonaws.com', 'cloudwatch.amazonaws.com']));
    const serviceStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AllowFollowupServicePublishers');
    expect(serviceStatement.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    expect(serviceStatement.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('does not trace by default (X-Ray would cost more than the rest of a touch); tracing: true traces every function', () => {
    for (const [name, id] of Object.entries(fns)) expect(res[id!]!.Properties.TracingConfig?.Mode ?? 'PassThrough', name).toBe('PassThrough');
    const { stack } = newStack();
    engineIn(stack, { tracing: true });
    const traced = resourcesOf(stack);
    for (const [name, id] of Object.entries(functionIds(traced, 'Followup'))) expect(traced[id!]!.Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
  });

  it('alarms on every function, DynamoDB throttles of the table and each index, and the webhook routes', () => {
    const alarms = Object.values(res).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const descriptions = alarms.map((a) => a.Properties.AlarmDescription as string);
    for (const name of Object.keys(fns) as HandlerName[]) {
      expect(descriptions.some((d) => d.includes(HANDLERS[name].description)), name).toBe(true);
    }
    const throttles = alarms.filter((a) => flat(a.Properties.Metrics).includes('ThrottleEvents'));
    expect(throttles).toHaveLength(1 + TABLE_DEFINITION.globalSecondaryIndexes.length);
    for (const index of TABLE_DEFINITION.globalSecondaryIndexes) {
      expect(throttles.some((a) => flat(a.Properties.Metrics).includes(`"GlobalSecondaryIndexName","Value":"${index.indexName}"`)), index.indexName).toBe(true);
    }
    for (const routeKey of ['POST /webhooks/twilio/sms', 'POST /webhooks/twilio/status']) {
      const [method, resource] = routeKey.split(' ');
      const alarm = alarms.find((a) => a.Properties.MetricName === '5xx' && flat(a.Properties.Dimensions).includes(`"Value":"${resource}"`));
      expect(alarm, routeKey).toBeDefined();
      expect(flat(alarm!.Properties.Dimensions)).toContain(`"Value":"${method}"`);
    }
  });

  it('has a dashboard showing touches per channel, failures, latency, queue age, DLQ depth, throttles, bounce and complaint rates', () => {
    const dashboard = Object.values(res).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
    const body = flat(dashboard.Properties.DashboardBody);
    for (const text of [
      METRIC.touchesSent,
      METRIC.touchesFailed,
      METRIC.touchesRetried,
      METRIC.dueToSentLatency,
      METRIC.replies,
      METRIC.optOuts,
      METRIC.bounces,
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'ReadThrottleEvents',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
      '\\"channel\\",\\"sms\\"',
    ]) {
      expect(body, text).toContain(text);
    }
  });
});

describe('bring your own resources', () => {
  it('uses an existing table: no table of its own, policies on the given one', () => {
    const { stack } = newStack();
    const table = dynamodb.Table.fromTableName(stack, 'Shared', 'platform-followup');
    engineIn(stack, { existingTableObj: table });
    const res = resourcesOf(stack);
    expect(Object.values(res).filter((r) => r.Type === 'AWS::DynamoDB::Table')).toEqual([]);
    const api = functionIds(res, 'Followup').api!;
    expect(flat(statementsOfFunction(res, api))).toContain(':table/platform-followup');
    expect(res[api]!.Properties.Environment.Variables.TABLE_NAME).toBe('platform-followup');
  });

  it('refuses a table of this app whose keys are not the table definition', () => {
    const { stack } = newStack();
    const table = new dynamodb.Table(stack, 'Wrong', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    expect(configError(() => engineIn(stack, { existingTableObj: table })).prop).toBe('existingTableObj');
  });

  it('accepts a table of this app built from the table definition', () => {
    const { stack } = newStack();
    const attr = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(stack, 'Right', { partitionKey: attr(TABLE_DEFINITION.partitionKey.name), sortKey: attr(TABLE_DEFINITION.sortKey.name) });
    for (const index of TABLE_DEFINITION.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({ indexName: index.indexName, partitionKey: attr(index.partitionKey.name), sortKey: attr(index.sortKey.name) });
    }
    engineIn(stack, { existingTableObj: table });
    expect(Object.values(resourcesOf(stack)).filter((r) => r.Type === 'AWS::DynamoDB::Table')).toHaveLength(1);
  });

  it('uses existing touch queues for the workers and the schedules, and creates no touch queue of its own', () => {
    const { stack } = newStack();
    const emailQueue = new sqs.Queue(stack, 'PlatformTouches', { visibilityTimeout: Duration.seconds(360) });
    const smsQueue = new sqs.Queue(stack, 'PlatformSmsTouches', { visibilityTimeout: Duration.seconds(360) });
    const engine = engineIn(stack, { existingTouchQueueObj: emailQueue, existingSmsTouchQueueObj: smsQueue });
    const res = resourcesOf(stack);
    expect(Object.keys(res).filter((id) => /^Followup(Sms)?Touch(DeadLetter)?Queue/.test(id))).toEqual([]);
    expect(engine.touchDeadLetterQueue).toBeUndefined();
    expect(engine.smsTouchDeadLetterQueue).toBeUndefined();
    const ids = functionIds(res, 'Followup');
    for (const [queue, worker] of [
      [emailQueue, ids.touchWorker!],
      [smsQueue, ids.smsTouchWorker!],
    ] as const) {
      const queueId = stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue);
      const mapping = Object.values(res).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName.Ref === worker)!;
      expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      expect(flat(Object.values(res).filter((r) => r.Type === 'AWS::IAM::Policy').map((p) => p.Properties.PolicyDocument))).toContain(queueId);
    }
  });

  it('encrypts the table, the queues and the topics with a given key, and grants the functions and the scheduler role its use', () => {
    const { stack } = newStack();
    const key = new kms.Key(stack, 'PlatformKey', { enableKeyRotation: true });
    engineIn(stack, { encryptionKey: key });
    const res = resourcesOf(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    expect(Object.values(res).filter((r) => r.Type === 'AWS::KMS::Key')).toHaveLength(1);
    const table = Object.values(res).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, KMSMasterKeyId: keyArn });
    for (const r of Object.values(res).filter((x) => x.Type === 'AWS::SQS::Queue' || x.Type === 'AWS::SNS::Topic')) {
      expect(r.Properties.KmsMasterKeyId).toEqual(keyArn);
    }
    const worker = functionIds(res, 'Followup').touchWorker!;
    expect(flat(statementsOfFunction(res, worker))).toContain('kms:Decrypt');
    const schedulerRoleId = Object.keys(res).find((id) => id.startsWith('FollowupSchedulerRole') && res[id]!.Type === 'AWS::IAM::Role')!;
    const schedulerPolicy = Object.values(res).find((r) => r.Type === 'AWS::IAM::Policy' && flat(r.Properties.Roles).includes(schedulerRoleId))!;
    expect(flat(schedulerPolicy.Properties.PolicyDocument)).toContain('kms:GenerateDataKey');
  });

  it('serves the API on a custom domain, and signs links and verifies Twilio with that URL', () => {
    const { stack } = newStack({ account: '123456789012', region: 'eu-west-1' });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
    const engine = engineIn(stack, { domainName: 'followup.acme.test', certificate });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'followup.acme.test',
      DomainNameConfigurations: [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', SecurityPolicy: 'TLS_1_2' }],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    expect(engine.apiUrl).toBe('https://followup.acme.test');
    const res = resourcesOf(stack);
    expect(res[functionIds(res, 'Followup').twilioWebhook!]!.Properties.Environment.Variables.FOLLOWUP_PUBLIC_URL).toBe('https://followup.acme.test');
  });

  it('tags every resource that takes tags', () => {
    const { stack } = newStack();
    engineIn(stack, { tags: { team: 'growth' } });
    const res = resourcesOf(stack);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::KMS::Key']) {
      for (const r of Object.values(res).filter((x) => x.Type === type)) {
        expect(r.Properties.Tags, type).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'growth' }]));
      }
    }
  });

  it('merges route throttles over the defaults', () => {
    const { stack } = newStack();
    engineIn(stack, { routeThrottles: { 'POST /unsubscribe/{token}': { rateLimit: 3, burstLimit: 6 } } });
    const stage = Object.values(resourcesOf(stack)).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    expect(stage.Properties.RouteSettings['POST /unsubscribe/{token}']).toMatchObject({ ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 });
    expect(stage.Properties.RouteSettings['POST /webhooks/twilio/sms']).toMatchObject({
      ThrottlingRateLimit: ROUTE_THROTTLE_DEFAULTS['POST /webhooks/twilio/sms'].rateLimit,
    });
  });
});

describe('two engines in one account', () => {
  it('fails synth when both would activate a receipt rule set in the same account and region', () => {
    const { stack } = newStack({ account: '123456789012', region: 'eu-west-1' });
    engineIn(stack, { replyDomain: 'reply.acme.test' }, 'Sales');
    const error = configError(() => engineIn(stack, { replyDomain: 'reply.other.test' }, 'Support'));
    expect(error.prop).toBe('activateReceiptRuleSet');
    expect(error.message).toContain('Host/Sales');
    expect(error.message).toContain('123456789012/eu-west-1');
  });

  it('works when the second leaves activation to the operator, or lives in another region', () => {
    const { app, stack } = newStack({ account: '123456789012', region: 'eu-west-1' });
    engineIn(stack, { replyDomain: 'reply.acme.test' }, 'Sales');
    engineIn(stack, { sendingDomain: 'mail.other.test', replyDomain: 'reply.other.test', activateReceiptRuleSet: false }, 'Support');
    const other = new Stack(app, 'Elsewhere', { env: { account: '123456789012', region: 'us-west-2' } });
    engineIn(other, { replyDomain: 'reply.third.test' });
    expect(() => app.synth()).not.toThrow();
  });
});
