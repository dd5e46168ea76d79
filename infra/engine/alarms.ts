/**
 * The alarms that tell an operator Followup needs a human: a function failing (every one,
 * the authorizer, webhooks and inbound mail included), a webhook route answering 5xx,
 * DynamoDB throttling (table or index), something in a dead-letter queue, the worker
 * falling behind, or the SES account heading for a review (bounce or complaint rate).
 * They publish to one SNS topic, encrypted with a key CloudWatch may use.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TouchQueue } from '../../functions/domain/touch-message.js';
import { TABLE_DEFINITION } from '../../functions/table-definition.js';
import type { RouteKey } from '../../functions/routes.js';
import { HANDLERS, type HandlerName } from '../handlers.js';

export interface FollowupAlarmsProps {
  /**
   * Subscribed to the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /** Encrypts the alarm topic; its policy must let CloudWatch use it (encryption.ts). */
  readonly topicKey: kms.IKey;
  /** The touch queue of each channel: its oldest message tells whether that channel's sends keep up. */
  readonly touchQueues: Readonly<Record<TouchQueue, sqs.IQueue>>;
  /** Dead-letter queues by name; any message in one raises an alarm. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Every function of the engine, by handler name. */
  readonly functions: Readonly<Partial<Record<HandlerName, lambda.IFunction>>>;
  readonly table: dynamodb.ITable;
  readonly httpApi: apigw.IHttpApi;
  /** Routes with route-level metrics whose 5xx raise an alarm. */
  readonly alarmedRoutes: readonly RouteKey[];
  /**
   * Functions answering on their own URL (Twilio status callbacks) whose 5xx raise an alarm.
   *
   * @default - none
   */
  readonly alarmedFunctionUrls?: Readonly<Partial<Record<HandlerName, lambda.IFunction>>>;
  /** Account bounce rate (0..1) that raises the alarm. */
  readonly bounceRateThreshold: number;
  /** Account complaint rate (0..1) that raises the alarm. */
  readonly complaintRateThreshold: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/** `AWS/ApiGateway` route-level metric of an HTTP API (detailed metrics on). */
export function routeMetric(httpApi: apigw.IHttpApi, routeKey: RouteKey, metricName: string, statistic = 'Sum'): cloudwatch.Metric {
  const [method, resource] = routeKey.split(' ') as [string, string];
  return new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiId: httpApi.apiId, Stage: '$default', Resource: resource, Method: method },
    statistic,
    period: FIVE_MINUTES,
  });
}

/** Read plus write throttle events of the table, or of one of its indexes. */
export function throttleMetric(table: dynamodb.ITable, indexName?: string): cloudwatch.MathExpression {
  const metric = (name: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: name,
      dimensionsMap: { TableName: table.tableName, ...(indexName ? { GlobalSecondaryIndexName: indexName } : {}) },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  // Ids unique per expression: a graph may hold the table's and every index's.
  const suffix = (indexName ?? 'table').replace(/[^A-Za-z0-9]/g, '');
  return new cloudwatch.MathExpression({
    expression: `FILL(r${suffix}, 0) + FILL(w${suffix}, 0)`,
    usingMetrics: { [`r${suffix}`]: metric('ReadThrottleEvents'), [`w${suffix}`]: metric('WriteThrottleEvents') },
    label: indexName ? `${indexName} throttles` : 'table throttles',
    period: FIVE_MINUTES,
  });
}

export function sesReputationMetric(name: 'Reputation.BounceRate' | 'Reputation.ComplaintRate'): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: name, statistic: 'Maximum', period: Duration.minutes(15) });
}

export class FollowupAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FollowupAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Followup alarms', enforceSSL: true, masterKey: props.topicKey });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const alarms: cloudwatch.Alarm[] = [];
    const add = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...alarmProps });
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
      alarms.push(alarm);
    };
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(`${name}NotEmpty`, {
        alarmDescription: `Followup: messages in ${name}. Inspect them, fix the cause, then redrive.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // Every function: a crash, a timeout, or (authorizer, inbound mail, SES events) an error thrown to be retried.
    for (const [name, fn] of Object.entries(props.functions) as [HandlerName, lambda.IFunction][]) {
      const spec = HANDLERS[name];
      add(`${spec.constructId.replace(/Function$/, '')}Errors`, {
        alarmDescription: `Followup: ${spec.description} failed invocations (errors, crashes or timeouts). See its log group.`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 1,
      });
    }

    // The webhook and unsubscribe handlers answer errors as HTTP 500 (no Lambda error): watch the routes.
    for (const routeKey of props.alarmedRoutes) {
      add(`${routeKey.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}-5xx`, {
        alarmDescription: `Followup: ${routeKey} answered 5xx (Twilio does not retry its webhooks; unsubscribes must work).`,
        metric: routeMetric(props.httpApi, routeKey, '5xx'),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 1,
      });
    }

    // The same for a function URL: its 5xx are the function's answers, not Lambda errors.
    for (const [name, fn] of Object.entries(props.alarmedFunctionUrls ?? {}) as [HandlerName, lambda.IFunction][]) {
      add(`${HANDLERS[name].constructId.replace(/Function$/, '')}Url-5xx`, {
        alarmDescription: `Followup: the function URL of ${HANDLERS[name].description} answered 5xx (Twilio does not retry status callbacks).`,
        metric: fn.metric('Url5xxCount', { period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 1,
      });
    }

    // On-demand tables throttle on sudden bursts above twice the previous peak.
    for (const indexName of [undefined, ...TABLE_DEFINITION.globalSecondaryIndexes.map((index) => index.indexName)]) {
      add(indexName ? `DynamoDbThrottles-${indexName}` : 'DynamoDbThrottles', {
        alarmDescription: `Followup: DynamoDB throttled ${indexName ? `the ${indexName} index` : 'the table'}; requests were retried or failed.`,
        metric: throttleMetric(props.table, indexName),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 1,
      });
    }

    // A backlog older than an hour means touches arrive late, after send windows close.
    // Per channel: the email queue keeps the id of the single queue it was.
    for (const [channel, queue] of Object.entries(props.touchQueues) as [TouchQueue, sqs.IQueue][]) {
      const rate = channel === 'email' ? 'sesMaxSendRate (SES quota)' : 'twilioMaxSendRate (more senders or a short code)';
      add(channel === 'email' ? 'TouchQueueBacklog' : 'SmsTouchQueueBacklog', {
        alarmDescription: `Followup: ${channel} touches wait over an hour in their queue; raise ${rate}.`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: 3600,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      });
    }

    add('ApiServerErrors', {
      alarmDescription: 'Followup: the HTTP API answered 5xx.',
      metric: props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
    });

    // SES enforces these per account (not per configuration set): warn before its limits.
    add('SesBounceRate', {
      alarmDescription: `Followup: SES account bounce rate at or above ${pct(props.bounceRateThreshold)} (SES reviews accounts at 5 %). Clean the lists.`,
      metric: sesReputationMetric('Reputation.BounceRate'),
      threshold: props.bounceRateThreshold,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
    });
    add('SesComplaintRate', {
      alarmDescription: `Followup: SES account complaint rate at or above ${pct(props.complaintRateThreshold)} (SES reviews accounts at 0.1 %). Check targeting and content.`,
      metric: sesReputationMetric('Reputation.ComplaintRate'),
      threshold: props.complaintRateThreshold,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
    });

    this.alarms = alarms;
  }
}

function pct(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))} %`;
}
