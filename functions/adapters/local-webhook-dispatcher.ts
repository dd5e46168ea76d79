/**
 * The embedded runtime's webhook delivery: the same use case as AWS's sender
 * (use-cases/deliver-webhook.ts), fed by an in-process queue instead of EventBridge and
 * SQS. Each event goes to every endpoint that wants it; a delivery that may succeed later
 * is retried with exponential backoff (1 s, 2 s, 4 s… by default, real time) up to
 * `maxAttempts`. The queue is bounded: past `maxPending` deliveries a new one is recorded
 * as failed ("the local queue is full") instead of growing memory without end.
 */
import { wants, type DeliveryOutcome, type WebhookEndpoint, type WebhookEvent } from '../domain/webhook-events.js';
import type { WebhookPublisher } from '../ports.js';
import { deliverWebhook, type DeliveryContext } from '../use-cases/deliver-webhook.js';

export interface LocalWebhookDispatcherOptions {
  endpoints: readonly (WebhookEndpoint & { secret: string })[];
  context: Omit<DeliveryContext, 'secrets'>;
  maxAttempts?: number;
  /** First retry delay; doubled per attempt (default 1,000 ms). */
  baseDelayMs?: number;
  maxPending?: number;
}

export class LocalWebhookDispatcher implements WebhookPublisher {
  private pending = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly ctx: DeliveryContext;

  constructor(private readonly options: LocalWebhookDispatcherOptions) {
    const secrets = new Map(options.endpoints.map((endpoint) => [endpoint.id, endpoint.secret]));
    this.ctx = { ...options.context, secrets: async (endpoint) => [secrets.get(endpoint.id) ?? ''] };
  }

  async publish(events: readonly WebhookEvent[]): Promise<void> {
    for (const event of events) {
      for (const endpoint of this.options.endpoints) {
        if (!wants(endpoint, event.type)) continue;
        if (this.closed) return;
        if (this.pending >= (this.options.maxPending ?? 1_000)) {
          await this.ctx.store.recordWebhookDelivery({
            eventId: event.id,
            type: event.type,
            endpointId: endpoint.id,
            attempt: 0,
            at: this.ctx.clock.now().toISOString(),
            outcome: 'failed',
            error: 'dropped: the local delivery queue is full',
          });
          continue;
        }
        this.pending++;
        this.track(this.attempt(endpoint, event, 1));
      }
    }
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending > 0) {
      await Promise.all([...this.inFlight]);
      if (this.pending > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(endpoint: WebhookEndpoint, event: WebhookEvent, attempt: number): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverWebhook(this.ctx, { endpoint, event, attempt, lastAttempt: attempt >= maxAttempts });
    } catch (error) {
      this.ctx.logger.error('webhook delivery crashed', { eventId: event.id, endpointId: endpoint.id, error: error instanceof Error ? error.name : 'unknown' });
      outcome = attempt >= maxAttempts ? 'failed' : 'retrying';
    }
    if (outcome !== 'retrying' || this.closed) {
      this.pending--;
      return;
    }
    const delay = (this.options.baseDelayMs ?? 1_000) * 2 ** (attempt - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(endpoint, event, attempt + 1));
    }, delay);
    this.timers.add(timer);
  }
}
