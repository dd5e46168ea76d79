/**
 * Starts the embedded runtime in-process on a free port for e2e tests, and a tiny HTTP
 * client that talks to it only over HTTP, as a user or a provider would. It sends the
 * admin key unless told not to (`apiKey: null`); the dev routes need it too.
 */
import { resolve } from 'node:path';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../functions/local/runtime.js';
import { createConsoleLogger } from '../../functions/local/console-logger.js';
import type { OutboxMessage } from '../../functions/local/outbox.js';

export const TEST_API_KEY = 'test-api-key-0123456789';
/** Monday 23 November 2026, 13:00 UTC = 08:00 in New York, 22:00 in Tokyo. */
export const MONDAY_1300_UTC = new Date('2026-11-23T13:00:00Z');

export interface TestRuntime {
  runtime: Runtime;
  url: string;
  request(method: string, path: string, options?: { body?: unknown; contentType?: string; apiKey?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  advance(duration: string): Promise<string>;
  outbox(): Promise<OutboxMessage[]>;
  close(): Promise<void>;
}

export async function startTestRuntime(overrides: Partial<RuntimeOptions> = {}): Promise<TestRuntime> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const runtime = await startRuntime({
    port: 0,
    startAt: MONDAY_1300_UTC,
    apiKey: TEST_API_KEY,
    unsubscribeSecret: 'e2e-unsubscribe-secret-0123456789',
    templatesDir: resolve(import.meta.dirname, '../../templates'),
    logger: createConsoleLogger('error'),
    ...overrides,
  });

  const request: TestRuntime['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const apiKey = options.apiKey === undefined ? TEST_API_KEY : options.apiKey;
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') body = options.body;
      else body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${runtime.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };

  return {
    runtime,
    url: runtime.url,
    request,
    async advance(duration) {
      const response = await request('POST', '/dev/clock', { body: { advance: duration } });
      if (response.status !== 200) throw new Error(`advance failed: ${response.status} ${response.text}`);
      return response.body.now as string;
    },
    async outbox() {
      const response = await request('GET', '/dev/outbox');
      return response.body.messages as OutboxMessage[];
    },
    close: () => runtime.close(),
  };
}
