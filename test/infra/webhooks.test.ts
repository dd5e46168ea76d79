/**
 * Outbound webhooks in AWS (infra/engine/webhooks.ts): nothing without endpoints; with
 * them a custom bus, one rule per endpoint (its event types) feeding one delivery queue
 * with a dead-letter queue, the signing sender on that queue, PutEvents for exactly the
 * functions that publish, secrets read by the sender only; props checked up front;
 * cdk-nag clean.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HANDLERS, type HandlerName } from '../../infra/handlers.js';
import { FUNCTION_ACCESS } from '../../infra/permissions.js';
import { synthStack, templateOf } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const WEBHOOKS = [
  { id: 'crm', url: 'https://crm.example.com/hooks/followup', secretName: 'followup/webhooks/crm', events: ['replied', 'converted'] as const },
  { id: 'warehouse', url: 'https://data.example.com/in', secretName: 'followup/webhooks/warehouse' },
];

function functionOf(resources: Resources, name: HandlerName) {
  const entry = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`Engine${HANDLERS[name].constructId}`));
  if (!entry) throw new Error(`no ${name} function`);
  return { id: entry[0], props: entry[1].Properties };
}

function statementsOf(resources: Resources, name: HandlerName): any[] {
  const role = functionOf(resources, name).props.Role['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: any) => ref.Ref === role))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

// Synthesising the stacks takes ~10 s idle and over 30 s on a loaded 2-core machine (as the bundling tests allow for).
describe('outbound webhooks', { timeout: 120_000 }, () => {
  it('creates nothing without endpoints, and no function publishes', () => {
    const { template } = templateOf();
    template.resourceCountIs('AWS::Events::EventBus', 0);
    const resources = template.toJSON().Resources as Resources;
    const ids = Object.keys(resources);
    for (const part of ['WebhookBus', 'WebhookQueue', 'WebhookDeadLetterQueue', 'WebhookRule', 'WebhookSender']) {
      expect(ids.filter((id) => id.includes(part)), part).toEqual([]);
    }
    expect(JSON.stringify(resources)).not.toContain('events:PutEvents');
  });

  it('routes each endpoint its event types from a custom bus to one delivery queue, retried, with a dead-letter queue', () => {
    const { template, stack } = templateOf({ engine: { webhooks: WEBHOOKS, webhookMaxAttempts: 6 } });
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const engine = stack.engine;
    expect(engine.webhooks).toBeDefined();
    const queueId = stack.getLogicalId(engine.webhooks!.queue.node.defaultChild as never);
    const dlqId = stack.getLogicalId(engine.webhooks!.deadLetterQueue.node.defaultChild as never);
    const busId = stack.getLogicalId(engine.webhooks!.bus.node.defaultChild as never);
    const onBus = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => rule.Properties.EventBusName?.Ref === busId);
    expect(onBus).toHaveLength(2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * HANDLERS.webhookSender.timeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 8 },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['followup'], 'detail-type': ['replied', 'converted'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          InputTransformer: Match.objectLike({ InputPathsMap: { detail: '$.detail' }, InputTemplate: '{"endpointId":"crm","event":{"detail":<detail>}}' }),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['followup'], 'detail-type': ['replied', 'opted_out', 'bounced', 'converted', 'task.completed'] },
    });
    // The sender reads the queue, reports failures per record.
    const sender = functionOf(template.toJSON().Resources as Resources, 'webhookSender');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: sender.id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const config = JSON.stringify(sender.props.Environment.Variables.FOLLOWUP_WEBHOOKS);
    expect(config).toContain('https://crm.example.com/hooks/followup');
    expect(config).toContain(':secret:followup/webhooks/crm');
    expect(sender.props.Environment.Variables.WEBHOOK_MAX_ATTEMPTS).toBe('6');
  });

  it('lets exactly the publishing functions put events on the bus, and only the sender read the endpoint secrets', () => {
    const { template } = templateOf({ engine: { webhooks: WEBHOOKS } });
    const resources = template.toJSON().Resources as Resources;
    for (const name of Object.keys(HANDLERS) as HandlerName[]) {
      if (name === 'sesInbound' && !Object.keys(resources).some((id) => id.startsWith('EngineSesInboundFunction'))) continue;
      const statements = JSON.stringify(statementsOf(resources, name));
      expect(statements.includes('events:PutEvents'), name).toBe(FUNCTION_ACCESS[name].publishesWebhooks);
      expect(statements.includes(':secret:followup/webhooks/crm'), name).toBe(name === 'webhookSender');
      const env = functionOf(resources, name).props.Environment.Variables as Record<string, unknown>;
      expect(env.WEBHOOK_BUS_NAME !== undefined, name).toBe(FUNCTION_ACCESS[name].publishesWebhooks);
      expect(JSON.stringify(env)).not.toMatch(/whsec|"secret":/);
    }
    // The DLQ is alarmed like the engine's others.
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const dlqAlarm = Object.entries(alarms).find(([id]) => id.includes('WebhookDeadLetterQueueNotEmpty'));
    expect(dlqAlarm?.[1].Properties.Threshold).toBe(0);
  });

  it('checks the endpoints up front, naming the prop', () => {
    const bad = (webhooks: unknown, message: RegExp) => expect(() => synthStack({ engine: { webhooks: webhooks as never } })).toThrow(message);
    bad([{ ...WEBHOOKS[0], url: 'http://crm.example.com' }], /prop "webhooks\.0\.url" must be an https:\/\/ URL/);
    bad([WEBHOOKS[0], { ...WEBHOOKS[1], id: 'crm' }], /prop "webhooks\.1\.id" is used by an earlier endpoint/);
    bad([{ ...WEBHOOKS[0], id: 'CRM Main' }], /prop "webhooks\.0\.id" must be 1–32 lower-case letters/);
    bad([{ ...WEBHOOKS[0], events: ['clicked'] }], /prop "webhooks\.0\.events" has an unknown event type/);
    expect(() => synthStack({ engine: { webhooks: WEBHOOKS, webhookMaxAttempts: 0 } })).toThrow(/prop "webhookMaxAttempts"/);
  });

  it('passes cdk-nag with the webhook resources', () => {
    const { app } = synthStack({ engine: { webhooks: WEBHOOKS }, nag: true });
    const errors = app.synth().getStackByName('Followup').messages.filter((m) => m.level === 'error');
    expect(errors.map((m) => `${m.id}: ${String(m.entry.data)}`)).toEqual([]);
  });
});
