/**
 * Outbound webhooks: recent delivery attempts and failures, newest first
 * (`GET /webhooks/deliveries`), so a team sees when their CRM stopped taking events.
 * One row per attempt: a retried event shows its failed attempts and the one that got through.
 */
import type { DeliveriesPage as Page } from '../../../functions/contract/webhooks.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, Loading } from '../components/messages.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useResource } from '../components/use-resource.js';
import { formatTime, viewerZone } from '../format.js';

const OUTCOME_CLASS = { delivered: 'status-completed', retrying: 'status-paused', failed: 'status-failed' } as const;

export function DeliveriesPage() {
  const { api } = useApp();
  const pages = useCursorPages('deliveries');
  const list = useResource((signal) => api<Page>('GET', '/webhooks/deliveries', { signal, query: { limit: 50, cursor: pages.cursor } }), [pages.cursor]);
  return (
    <section>
      <h1 tabIndex={-1}>Webhook deliveries</h1>
      <p class="muted">
        Every attempt to deliver a signed event (replied, opted_out, bounced, converted, task.completed) to an endpoint, newest first; kept 30 days. Times in your
        zone ({viewerZone()}).
      </p>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.loading && !list.data ? <Loading what="the deliveries" /> : null}
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>No deliveries yet (or no webhook endpoint is configured: FOLLOWUP_WEBHOOKS).</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="deliveries">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Error</th>
                  <th scope="col">Time taken</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((d) => (
                  <tr key={`${d.eventId}-${d.endpointId}-${d.attempt}`} data-outcome={d.outcome} data-type={d.type}>
                    <td>
                      <time dateTime={d.at}>{formatTime(d.at)}</time>
                    </td>
                    <td>
                      <code>{d.type}</code> <span class="muted">{d.eventId}</span>
                    </td>
                    <td>{d.endpointId}</td>
                    <td>{d.attempt}</td>
                    <td>
                      <span class={`status ${OUTCOME_CLASS[d.outcome]}`}>{d.outcome}</span>
                    </td>
                    <td>{d.httpStatus ?? '—'}</td>
                    <td class="detail">{d.error ?? ''}</td>
                    <td>{d.durationMs === undefined ? '—' : `${d.durationMs} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <Pager page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
      <p>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </p>
    </section>
  );
}
