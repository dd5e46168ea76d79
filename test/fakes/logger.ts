/** Loggers for use-case tests: one that discards, one that keeps entries for assertions. */
import type { Logger } from '../../functions/ports.js';

const noop = () => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes?: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(message: string, attributes?: Record<string, unknown>): void {
    this.entries.push({ level: 'debug', message, ...(attributes ? { attributes } : {}) });
  }
  info(message: string, attributes?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, ...(attributes ? { attributes } : {}) });
  }
  warn(message: string, attributes?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, ...(attributes ? { attributes } : {}) });
  }
  error(message: string, attributes?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, ...(attributes ? { attributes } : {}) });
  }
}
