/**
 * Business metrics in CloudWatch embedded metric format (Powertools Metrics), computed by
 * the handlers from the outcomes the use cases return — never from inside a use case.
 * Names come from metric-names.ts, which the dashboard and alarms read too.
 *
 * A handler collects the points of one invocation and publishes them once at its end,
 * one EMF line per channel (a batch of ten touches costs one or two log lines, not ten).
 */
import type { Channel } from '../../domain/sequence.js';
import type { TouchMessage } from '../../ports.js';
import type { EmailEventInput, EmailEventOutcome } from '../../use-cases/handle-email-event.js';
import type { InboundEmailOutcome } from '../../use-cases/handle-inbound-email.js';
import type { SmsInboundResult } from '../../use-cases/handle-sms-inbound.js';
import type { TouchOutcome } from '../../use-cases/run-touch.js';
import type { UnsubscribeResult } from '../../use-cases/unsubscribe-prospect.js';
import { CHANNEL_DIMENSION, METRIC, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from './metric-names.js';

export interface MetricPoint {
  readonly name: MetricName;
  readonly channel?: Channel;
  readonly value: number;
  readonly unit: 'Count' | 'Milliseconds';
}

const count = (name: MetricName, channel?: Channel): MetricPoint => ({ name, ...(channel ? { channel } : {}), value: 1, unit: 'Count' });

/** Sent / failed / skipped per channel, and the due-to-sent latency of a sent touch. */
export function touchOutcomeMetrics(outcome: TouchOutcome, message: Pick<TouchMessage, 'dueAt'>, now: Date): MetricPoint[] {
  switch (outcome.kind) {
    case 'sent':
      return [
        count(METRIC.touchesSent, outcome.channel),
        { name: METRIC.dueToSentLatency, channel: outcome.channel, value: Math.max(0, now.getTime() - Date.parse(message.dueAt)), unit: 'Milliseconds' },
      ];
    case 'failed':
      return [count(METRIC.touchesFailed, outcome.channel)];
    case 'skipped':
      return [count(METRIC.touchesSkipped, outcome.channel)];
    case 'stale':
    case 'rescheduled':
    // A task is counted on the sequence (step counters), not as a touch: a rep does it later.
    case 'assigned':
      return [];
  }
}

/** A touch handed back to the queue (RetryableTouchError). */
export function touchRetryMetrics(channel: Channel | undefined): MetricPoint[] {
  return [count(METRIC.touchesRetried, channel)];
}

export function smsInboundMetrics(result: SmsInboundResult): MetricPoint[] {
  switch (result.intent) {
    case 'opt_out':
      return [count(METRIC.optOuts, 'sms')];
    case 'reply':
      return result.knownNumber ? [count(METRIC.replies, 'sms')] : [];
    case 'opt_in':
    case 'help':
      return [];
  }
}

export function inboundEmailMetrics(outcome: InboundEmailOutcome): MetricPoint[] {
  switch (outcome.outcome) {
    case 'replied':
      return [count(METRIC.replies, 'email')];
    case 'opted_out':
      return [count(METRIC.optOuts, 'email')];
    case 'auto_reply':
      return [count(METRIC.autoReplies, 'email')];
    case 'ignored':
    case 'unmatched':
      return [];
  }
}

export function emailEventMetrics(input: EmailEventInput, outcome: EmailEventOutcome): MetricPoint[] {
  if (outcome === 'duplicate' || outcome === 'ignored') return [];
  switch (input.event.type) {
    case 'bounce':
      return input.event.bounceType === 'Permanent' ? [count(METRIC.bounces, 'email')] : [];
    case 'complaint':
      return [count(METRIC.complaints, 'email')];
    case 'delivery':
    case 'open':
    case 'click':
    case 'reject':
    case 'other':
      return [];
  }
}

export function unsubscribeMetrics(result: UnsubscribeResult, channel: Channel): MetricPoint[] {
  return result.outcome === 'unsubscribed' && !result.alreadySuppressed ? [count(METRIC.optOuts, channel)] : [];
}

/** Where a handler's points go: Powertools in AWS, a list in tests. */
export interface MetricsRecorder {
  record(points: readonly MetricPoint[]): void;
}

export const noMetrics: MetricsRecorder = { record: () => {} };

/** Collects one invocation's points; `publish` writes them as EMF, one line per channel. */
export class InvocationMetrics implements MetricsRecorder {
  private points: MetricPoint[] = [];

  record(points: readonly MetricPoint[]): void {
    this.points.push(...points);
  }

  /** Powertools Metrics is imported by the first invocation that has something to publish. */
  async publish(): Promise<void> {
    if (this.points.length === 0) return;
    const { Metrics, MetricUnit } = await import('@aws-lambda-powertools/metrics');
    const byChannel = new Map<string, MetricPoint[]>();
    for (const point of this.points) {
      const key = point.channel ?? '';
      byChannel.set(key, [...(byChannel.get(key) ?? []), point]);
    }
    this.points = [];
    for (const [channel, points] of byChannel) {
      const metrics = new Metrics({
        namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
        serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? METRICS_SERVICE,
        ...(channel ? { defaultDimensions: { [CHANNEL_DIMENSION]: channel } } : {}),
      });
      for (const point of points) {
        metrics.addMetric(point.name, point.unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, point.value);
      }
      metrics.publishStoredMetrics();
    }
  }
}
