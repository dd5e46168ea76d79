/** The embedded runtime's logger: one short line per entry, quiet by default. */
import type { Logger } from '../ports.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

export function createConsoleLogger(minimum: Level = 'warn'): Logger {
  const enabled = (level: Level) => LEVELS.indexOf(level) >= LEVELS.indexOf(minimum);
  const write = (level: Level) => (message: string, attributes?: Record<string, unknown>) => {
    if (!enabled(level)) return;
    const details = attributes && Object.keys(attributes).length > 0 ? ` ${JSON.stringify(attributes)}` : '';
    const line = `[${level}] ${message}${details}`;
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
