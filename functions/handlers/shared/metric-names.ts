/**
 * The custom metrics, as data: the handlers emit them (metrics.ts, Powertools embedded
 * metric format) and the CDK construct graphs and alarms on them, so neither can rename
 * one alone. Plain data: importing it pulls in nothing.
 */
export const METRICS_NAMESPACE = 'Followup';
/** Powertools adds `service` to every metric; the engine's functions all say this. */
export const METRICS_SERVICE = 'followup';
export const CHANNEL_DIMENSION = 'channel';

export const METRIC = {
  /** A touch the provider accepted. */
  touchesSent: 'TouchesSent',
  /** A send the provider refused for now (throttling, 5xx) or a claim held elsewhere: the queue redelivers. */
  touchesRetried: 'TouchesRetried',
  /** A permanent send failure (invalid number, rejected message, template error). */
  touchesFailed: 'TouchesFailed',
  /** A step skipped (no address for its channel, or the address is suppressed). */
  touchesSkipped: 'TouchesSkipped',
  /** From the touch's due time to the provider accepting it, in milliseconds. */
  dueToSentLatency: 'DueToSentLatency',
  replies: 'Replies',
  autoReplies: 'AutoReplies',
  optOuts: 'OptOuts',
  bounces: 'Bounces',
  complaints: 'Complaints',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
export const CHANNELS = ['email', 'sms'] as const;
export type MetricChannel = (typeof CHANNELS)[number];
