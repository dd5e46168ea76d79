/**
 * What every exported Lambda handler is wrapped in (middy): Powertools
 * `injectLambdaContext` (request id, cold start, function name on every log line, keys
 * reset between invocations), the invocation's correlation id, and the publication of the
 * metrics the handler recorded (metrics.ts), also when it failed.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { withCorrelation } from './correlation.js';
import { powertoolsLogger } from './logger.js';
import { InvocationMetrics } from './metrics.js';

export interface ObservabilityOptions<E> {
  /** The correlation id an event carries (the API Gateway request id, an SNS message id…). */
  correlationId?: (event: E) => string | undefined;
}

/** `build(metrics)` makes the handler; the wrapper publishes what it recorded after each invocation. */
export function observedHandler<E, R>(
  build: (metrics: InvocationMetrics) => (event: E, context: Context) => Promise<R>,
  options: ObservabilityOptions<E> = {},
) {
  const metrics = new InvocationMetrics();
  const handler = build(metrics);
  return middy<E, R>()
    .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
    .use({ after: async () => metrics.publish(), onError: async () => metrics.publish() })
    // Inside `withCorrelation`, so every await of the handler sees the id.
    .handler((event: E, context: Context) => withCorrelation(options.correlationId?.(event), () => handler(event, context)));
}

/** API Gateway HTTP API (payload 2.0): the request id. */
export const httpRequestId = (event: { requestContext?: { requestId?: string } }) => event.requestContext?.requestId;
