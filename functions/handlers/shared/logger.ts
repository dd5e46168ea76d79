/**
 * One Powertools logger per container: structured JSON, ids only. Every line carries the
 * current `correlationId` (correlation.ts) and, through `injectLambdaContext` on every
 * handler (observability.ts), the Lambda context (request id, cold start, function).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Logger } from '../../ports.js';
import { currentCorrelationId } from './correlation.js';

export const powertoolsLogger = new PowertoolsLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'followup',
});

function withCorrelation(attributes: Record<string, unknown> | undefined): LogAttributes {
  const correlationId = currentCorrelationId();
  return (correlationId ? { correlationId, ...attributes } : (attributes ?? {})) as LogAttributes;
}

/** The Powertools logger behind the use cases' Logger port. */
export const logger: Logger = {
  debug: (message, attributes) => powertoolsLogger.debug(message, withCorrelation(attributes)),
  info: (message, attributes) => powertoolsLogger.info(message, withCorrelation(attributes)),
  warn: (message, attributes) => powertoolsLogger.warn(message, withCorrelation(attributes)),
  error: (message, attributes) => powertoolsLogger.error(message, withCorrelation(attributes)),
};
