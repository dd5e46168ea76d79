/**
 * What every command gets: the HTTP client configured from `--url` / FOLLOWUP_URL and
 * FOLLOWUP_API_KEY, and the output (`--json` or tables). Commands never read the
 * environment or the global options themselves, so all of them agree on both.
 */
import type { Command } from 'commander';
import { ApiClient, DEFAULT_URL } from './client.js';
import { processOutput, type Output } from './output.js';

export interface CliContext {
  readonly client: ApiClient;
  readonly output: Output;
}

export interface GlobalOptions {
  url?: string;
  json?: boolean;
}

export function contextOf(command: Command, env: NodeJS.ProcessEnv = process.env): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const baseUrl = options.url ?? (env.FOLLOWUP_URL?.trim() || DEFAULT_URL);
  return {
    client: new ApiClient({ baseUrl, ...(env.FOLLOWUP_API_KEY ? { apiKey: env.FOLLOWUP_API_KEY } : {}) }),
    output: processOutput(options.json === true),
  };
}

/** `/sequences/{id}` with the id percent-encoded: the server checks its shape. */
export function pathWith(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}
