/**
 * The cdk-nag AwsSolutions findings the engine accepts, each with its reason, as data.
 * `acknowledgeEngineFindings(engine)` records them with aws-cdk-lib's `Validations` API;
 * our app (`infra/app.ts`) and tests call it, and so can an app that runs cdk-nag on a
 * stack embedding the engine. Nothing here imports cdk-nag.
 */
import { Aspects } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ROUTE_LIST, type RouteTarget } from '../functions/routes.js';
import { acknowledge, ScopedWildcardAcknowledger, type ScopedWildcard } from './acknowledgements.js';
import type { FollowupEngine } from './followup-engine.js';

type RuleId = `AwsSolutions-${string}`;

export interface EngineAcknowledgement {
  readonly id: RuleId;
  readonly reason: string;
  /** The constructs (and their children) the finding is accepted on. */
  readonly on: (engine: FollowupEngine) => readonly (IConstruct | undefined)[];
}

const PUBLIC_ROUTE_REASONS: Record<RouteTarget, string> = {
  twilioWebhook: 'Called by Twilio, which cannot send an API key; the handler verifies the X-Twilio-Signature HMAC over the URL and body.',
  unsubscribe: 'Opened by prospects from an email; the path carries an HMAC-signed token that the handler verifies, and RFC 8058 forbids a login.',
  api: 'Unauthenticated liveness probe; it answers 200 and reveals nothing.',
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
];

/** IAM wildcards the engine intends, acknowledged finding by finding (any other is still reported). */
export function engineWildcards(engine: FollowupEngine): ScopedWildcard[] {
  return [
    {
      resource: engine.scheduleArn,
      reason:
        'Touch schedules are named at runtime (enrollment id + step), so access is limited to schedule/<Followup group>/*, never other groups.',
    },
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
  Aspects.of(engine).add(new ScopedWildcardAcknowledger(engineWildcards(engine)));
}
