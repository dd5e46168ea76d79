/**
 * Outbound webhooks in AWS (README "Outbound webhooks"): the functions that record
 * replies, opt-outs, bounces, conversions and task outcomes publish them to a custom
 * EventBridge bus; one rule per endpoint sends the event types it wants to ONE delivery
 * queue (the target's own retries and dead-letter queue cover EventBridge → SQS), and the
 * webhook sender (handlers/webhook-sender.ts, wired in functions.ts) signs each event when
 * it sends it and retries through the queue's visibility timeout, up to
 * `webhookMaxAttempts`, before the queue's dead-letter queue.
 *
 * Why not API destinations straight from the rules: a receiver must be able to check the
 * body was ours and is fresh. API destinations add only static headers (their connection's
 * API key or basic auth), and an input transformer only copies values out of the event: it
 * computes nothing, so no HMAC of the body. A signature computed before PutEvents and
 * copied into a header would carry the publish time, and a retry hours later would fail the
 * receiver's replay window (5 minutes). So a small function signs at delivery time.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { WEBHOOK_EVENT_TYPES } from '../../functions/domain/webhook-events.js';
import { WEBHOOK_EVENT_SOURCE } from '../../functions/adapters/eventbridge-webhook-publisher.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import { HANDLERS } from '../handlers.js';
import type { EngineKeys } from './encryption.js';

export interface EngineWebhooks {
  readonly bus: events.EventBus;
  /** Deliveries waiting (or waiting for a retry): one message per event and endpoint. */
  readonly queue: sqs.Queue;
  /** Deliveries that could not be read or routed, and events EventBridge could not put on the queue. */
  readonly deadLetterQueue: sqs.Queue;
  /** One per endpoint, by endpoint id. */
  readonly rules: Readonly<Record<string, events.Rule>>;
  /** The endpoints' signing secrets, by endpoint id (created by the operator). */
  readonly secrets: Readonly<Record<string, secretsmanager.ISecret>>;
  /** FOLLOWUP_WEBHOOKS for the sender: ids, URLs, event types and secret ARNs, never a secret. */
  readonly endpointsConfig: string;
}

/** Undefined without `webhooks`: nothing is created and nothing is published. */
export function buildWebhooks(scope: Construct, props: ResolvedEngineProps, keys: EngineKeys): EngineWebhooks | undefined {
  if (props.webhooks.length === 0) return undefined;
  const queueDefaults: sqs.QueueProps = {
    ...(keys.dataKey ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: keys.dataKey } : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  };
  const bus = new events.EventBus(scope, 'WebhookBus', {});
  const deadLetterQueue = new sqs.Queue(scope, 'WebhookDeadLetterQueue', queueDefaults);
  const queue = new sqs.Queue(scope, 'WebhookQueue', {
    ...queueDefaults,
    // Six times the sender's timeout (AWS guidance for SQS event sources); a failed delivery is retried after it.
    visibilityTimeout: Duration.seconds(6 * HANDLERS.webhookSender.timeoutSeconds),
    // The sender records the last attempt as failed and acknowledges it; what still comes back is unreadable.
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.webhookMaxAttempts + 2 },
  });
  const rules: Record<string, events.Rule> = {};
  const secrets: Record<string, secretsmanager.ISecret> = {};
  for (const endpoint of props.webhooks) {
    const suffix = endpoint.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    secrets[endpoint.id] = secretsmanager.Secret.fromSecretNameV2(scope, `WebhookSecret${suffix}`, endpoint.secretName);
    const rule = new events.Rule(scope, `WebhookRule${suffix}`, {
      eventBus: bus,
      description: `Followup webhooks to ${endpoint.id}`,
      eventPattern: { source: [WEBHOOK_EVENT_SOURCE], detailType: [...(endpoint.events ?? WEBHOOK_EVENT_TYPES)] },
    });
    rule.addTarget(
      new targets.SqsQueue(queue, {
        message: events.RuleTargetInput.fromObject({ endpointId: endpoint.id, event: { detail: events.EventField.fromPath('$.detail') } }),
        deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    rules[endpoint.id] = rule;
  }
  const endpointsConfig = JSON.stringify(
    props.webhooks.map((endpoint) => ({
      id: endpoint.id,
      url: endpoint.url,
      ...(endpoint.events ? { events: endpoint.events } : {}),
      secretArn: (secrets[endpoint.id] as secretsmanager.ISecret).secretArn,
    })),
  );
  return { bus, queue, deadLetterQueue, rules, secrets, endpointsConfig };
}
