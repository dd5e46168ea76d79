/**
 * POSTs a webhook delivery with Node's fetch: a bounded wait (10 s), no redirects
 * followed (a receiver that moved must be reconfigured; following would re-send the
 * signed body to wherever a redirect points), errors as short non-personal text.
 */
import type { WebhookEndpoint } from '../domain/webhook-events.js';
import type { WebhookTransport } from '../ports.js';

export class FetchWebhookTransport implements WebhookTransport {
  constructor(private readonly timeoutMs = 10_000) {}

  async post(endpoint: WebhookEndpoint, body: string, headers: Record<string, string>): Promise<{ status?: number; error?: string }> {
    try {
      const response = await fetch(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      // Drain the body: a kept-alive connection is reused only once its response was read.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 300 && response.status < 400) return { status: response.status, error: `HTTP ${response.status}: redirects are not followed` };
      return { status: response.status };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { error: `no answer within ${this.timeoutMs / 1000} s` };
      const code = (error as { cause?: { code?: string } }).cause?.code;
      return { error: code ?? (error instanceof Error ? error.message.slice(0, 200) : 'network error') };
    }
  }
}
