/**
 * The operator's dashboard: one screen, read top to bottom. Row 1 answers "are touches
 * going out?" (sent per channel, failures and retries, due-to-sent latency); row 2 "is
 * anything stuck?" (queue age and depth, dead-letter queues, throttles); row 3 "how are
 * prospects answering, and is the SES account healthy?" (replies, opt-outs, bounces,
 * complaint and bounce rates against the alarm thresholds); row 4 the alarms and errors.
 *
 * Plain aws-cloudwatch widgets rather than cdk-monitoring-constructs: the widgets are
 * about our own metrics (metric-names.ts), and a consumer of the construct should not need
 * another peer dependency pinned to their aws-cdk-lib version.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  CHANNEL_DIMENSION,
  CHANNELS,
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricChannel,
  type MetricName,
} from '../../functions/handlers/shared/metric-names.js';
import { TABLE_DEFINITION } from '../../functions/table-definition.js';
import type { RouteKey } from '../../functions/routes.js';
import { HANDLERS, type HandlerName } from '../handlers.js';
import { routeMetric, sesReputationMetric, throttleMetric } from './alarms.js';

export interface DashboardInputs {
  readonly touchQueues: Readonly<Record<'email' | 'sms', sqs.IQueue>>;
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly functions: Readonly<Partial<Record<HandlerName, lambda.IFunction>>>;
  readonly table: dynamodb.ITable;
  readonly httpApi: apigw.IHttpApi;
  readonly routesWithMetrics: readonly RouteKey[];
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly bounceRateThreshold: number;
  readonly complaintRateThreshold: number;
}

const PERIOD = Duration.minutes(5);

/** A custom metric as the handlers emit it (service + optional channel dimensions). */
export function followupMetric(name: MetricName, options: { channel?: MetricChannel; statistic?: string; label?: string } = {}) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE, ...(options.channel ? { [CHANNEL_DIMENSION]: options.channel } : {}) },
    statistic: options.statistic ?? 'Sum',
    period: PERIOD,
    ...(options.label ? { label: options.label } : {}),
  });
}

export function buildDashboard(scope: Construct, id: string, inputs: DashboardInputs): cloudwatch.Dashboard {
  const perChannel = (name: MetricName, label: string) =>
    CHANNELS.map((channel) => followupMetric(name, { channel, label: `${label} (${channel})` }));
  const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, period: PERIOD, ...extra });
  const functions = Object.entries(inputs.functions) as [HandlerName, lambda.IFunction][];

  const dashboard = new cloudwatch.Dashboard(scope, id, {
    defaultInterval: Duration.hours(24),
    periodOverride: cloudwatch.PeriodOverride.AUTO,
  });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown:
        '## Followup\nTouches going out (row 1), anything stuck (row 2), how prospects answer and SES health (row 3), alarms and errors (row 4). Metric names: `functions/handlers/shared/metric-names.ts`.',
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    graph('Touches sent per channel', perChannel(METRIC.touchesSent, 'sent'), { stacked: true }),
    graph('Failed, retried and skipped touches', [
      ...perChannel(METRIC.touchesFailed, 'failed'),
      ...perChannel(METRIC.touchesRetried, 'retried'),
      ...perChannel(METRIC.touchesSkipped, 'skipped'),
    ]),
    graph(
      'Due-to-sent latency (p50, p90, max)',
      CHANNELS.flatMap((channel) =>
        ['p50', 'p90', 'Maximum'].map((statistic) =>
          followupMetric(METRIC.dueToSentLatency, { channel, statistic, label: `${channel} ${statistic}` }),
        ),
      ),
      { leftYAxis: { label: 'ms', showUnits: false } },
    ),
  );
  dashboard.addWidgets(
    // Waiting = visible; given back until their send slot = in flight (not visible).
    graph(
      'Touch queues',
      (['email', 'sms'] as const).flatMap((channel) => [
        inputs.touchQueues[channel].metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `${channel} waiting` }),
        inputs.touchQueues[channel].metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum', label: `${channel} paced / in flight` }),
      ]),
      {
        right: (['email', 'sms'] as const).map((channel) =>
          inputs.touchQueues[channel].metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: `${channel} oldest (s)` }),
        ),
      },
    ),
    graph(
      'Dead-letter queues (messages)',
      Object.entries(inputs.deadLetterQueues).map(([name, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: name }),
      ),
    ),
    graph('Throttles', [
      throttleMetric(inputs.table),
      ...TABLE_DEFINITION.globalSecondaryIndexes.map((index) => throttleMetric(inputs.table, index.indexName)),
      ...functions.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${name} (Lambda)` })),
    ]),
  );
  dashboard.addWidgets(
    graph('Replies, opt-outs, bounces, complaints', [
      ...perChannel(METRIC.replies, 'replies'),
      followupMetric(METRIC.autoReplies, { channel: 'email', label: 'auto-replies (email)' }),
      ...perChannel(METRIC.optOuts, 'opt-outs'),
      followupMetric(METRIC.bounces, { channel: 'email', label: 'bounces (email)' }),
      followupMetric(METRIC.complaints, { channel: 'email', label: 'complaints (email)' }),
    ]),
    graph('SES bounce and complaint rate (account)', [sesReputationMetric('Reputation.BounceRate'), sesReputationMetric('Reputation.ComplaintRate')], {
      leftAnnotations: [
        { value: inputs.bounceRateThreshold, label: 'bounce alarm', color: cloudwatch.Color.ORANGE },
        { value: inputs.complaintRateThreshold, label: 'complaint alarm', color: cloudwatch.Color.RED },
      ],
    }),
    graph(
      'HTTP API: requests, 4xx, 5xx',
      [
        inputs.httpApi.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
        inputs.httpApi.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx (429 = throttled)' }),
        inputs.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
      ],
      { right: inputs.routesWithMetrics.map((routeKey) => routeMetric(inputs.httpApi, routeKey, '5xx').with({ label: `${routeKey} 5xx` })) },
    ),
  );
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...inputs.alarms], width: 12, height: 6 }),
    new cloudwatch.GraphWidget({
      title: 'Function errors',
      left: functions.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: HANDLERS[name].constructId })),
      width: 12,
      height: 6,
      period: PERIOD,
    }),
  );
  return dashboard;
}
