/** One Powertools logger per container: structured JSON, ids only. */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Logger } from '../../ports.js';

export const powertoolsLogger = new PowertoolsLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'followup',
});

/** The Powertools logger behind the use cases' Logger port. */
export const logger: Logger = {
  debug: (message, attributes) => powertoolsLogger.debug(message, (attributes ?? {}) as LogAttributes),
  info: (message, attributes) => powertoolsLogger.info(message, (attributes ?? {}) as LogAttributes),
  warn: (message, attributes) => powertoolsLogger.warn(message, (attributes ?? {}) as LogAttributes),
  error: (message, attributes) => powertoolsLogger.error(message, (attributes ?? {}) as LogAttributes),
};
