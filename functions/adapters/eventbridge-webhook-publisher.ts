/**
 * WebhookPublisher over an EventBridge custom bus (AWS): one PutEvents per 10 events,
 * `source` followup, `detail-type` the event type, `detail` the event. The bus's rules
 * route each event to the endpoints that want it; the webhook sender signs and delivers
 * (handlers/webhook-sender.ts, infra/engine/webhooks.ts). The client is imported with the
 * first publish: most invocations publish nothing.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { WebhookEvent } from '../domain/webhook-events.js';
import type { WebhookPublisher } from '../ports.js';
import { SDK_CLIENT_OPTIONS } from './aws-sdk-options.js';

export const WEBHOOK_EVENT_SOURCE = 'followup';
const MAX_ENTRIES = 10;

export class EventBridgeWebhookPublisher implements WebhookPublisher {
  private client: Promise<{ client: EventBridgeClient; PutEventsCommand: typeof import('@aws-sdk/client-eventbridge').PutEventsCommand }> | undefined;

  constructor(
    private readonly busName: string,
    private readonly makeClient?: () => EventBridgeClient,
  ) {}

  async publish(events: readonly WebhookEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.client ??= import('@aws-sdk/client-eventbridge').then((sdk) => ({
      client: this.makeClient?.() ?? new sdk.EventBridgeClient({ ...SDK_CLIENT_OPTIONS }),
      PutEventsCommand: sdk.PutEventsCommand,
    }));
    const { client, PutEventsCommand } = await this.client;
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      const out = await client.send(
        new PutEventsCommand({
          Entries: chunk.map((event) => ({ EventBusName: this.busName, Source: WEBHOOK_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.at) })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? []).filter((entry) => entry.ErrorCode).map((entry) => entry.ErrorCode);
        throw new Error(`EventBridge refused ${out.FailedEntryCount} of ${chunk.length} webhook events (${[...new Set(failed)].join(', ')})`);
      }
    }
  }
}
