/**
 * The alarms that tell an operator Followup needs a human: something landed in a
 * dead-letter queue, the worker is failing or falling behind, or the SES account is
 * heading for a review (bounce or complaint rate).
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FollowupAlarmsProps {
  /**
   * Subscribed to the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /** The touch queue: its oldest message tells whether sends keep up. */
  readonly touchQueue: sqs.IQueue;
  /** Dead-letter queues by name; any message in one raises an alarm. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly touchWorker: lambda.IFunction;
  readonly httpApi: apigw.IHttpApi;
  /** Account bounce rate (0..1) that raises the alarm. */
  readonly bounceRateThreshold: number;
  /** Account complaint rate (0..1) that raises the alarm. */
  readonly complaintRateThreshold: number;
}

export class FollowupAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FollowupAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Followup alarms', enforceSSL: true });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const alarms: cloudwatch.Alarm[] = [];
    const add = (alarmId: string, props: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      });
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
      alarms.push(alarm);
    };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(`${name}NotEmpty`, {
        alarmDescription: `Followup: messages in ${name}. Inspect them, fix the cause, then redrive.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    add('TouchWorkerErrors', {
      alarmDescription: 'Followup: the touch worker failed whole invocations (crashes or timeouts).',
      metric: props.touchWorker.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // A backlog older than an hour means touches arrive late, after send windows close.
    add('TouchQueueBacklog', {
      alarmDescription: 'Followup: touches wait over an hour in the queue; raise the send rates or the worker concurrency.',
      metric: props.touchQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 3600,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });

    add('ApiServerErrors', {
      alarmDescription: 'Followup: the HTTP API answered 5xx.',
      metric: props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // SES enforces these per account (not per configuration set): warn before its limits.
    add('SesBounceRate', {
      alarmDescription: `Followup: SES account bounce rate at or above ${pct(props.bounceRateThreshold)} (SES reviews accounts at 5 %). Clean the lists.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName: 'Reputation.BounceRate',
        statistic: 'Maximum',
        period: Duration.minutes(15),
      }),
      threshold: props.bounceRateThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    add('SesComplaintRate', {
      alarmDescription: `Followup: SES account complaint rate at or above ${pct(props.complaintRateThreshold)} (SES reviews accounts at 0.1 %). Check targeting and content.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName: 'Reputation.ComplaintRate',
        statistic: 'Maximum',
        period: Duration.minutes(15),
      }),
      threshold: props.complaintRateThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.alarms = alarms;
  }
}

function pct(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))} %`;
}
