/** Replies, opt-outs, bounces and out-of-office answers, newest first, with the text received; editors mark them handled. */
import { useState } from 'preact/hooks';
import { INBOX_KINDS, type InboxItemView, type InboxPage as Page } from '../../../functions/contract/queries.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, Loading } from '../components/messages.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useResource } from '../components/use-resource.js';
import { formatTime, viewerZone } from '../format.js';
import { href, navigate } from '../router.js';
import { DownloadLink } from '../components/download.js';

const KIND_LABELS: Record<(typeof INBOX_KINDS)[number], string> = {
  reply: 'Reply',
  opt_out: 'Opt-out',
  bounce: 'Bounce',
  auto_reply: 'Out of office',
};

function InboxEntry({ item, onChanged }: { item: InboxItemView; onChanged(item: InboxItemView): void }) {
  const { api, canEdit } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<{ item: InboxItemView }>('POST', `/inbox/${item.id}/handled`, { body: { handled: !item.handled } });
      onChanged(answer.item);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class={`inbox-item kind-${item.kind}${item.handled ? ' handled' : ''}`} data-kind={item.kind} data-channel={item.channel}>
      <div class="inbox-head">
        <span class={`kind kind-${item.kind}`}>{KIND_LABELS[item.kind]}</span>
        <span class="channel">{item.channel}</span>
        <a href={href('prospect', { id: item.prospectId })}>Prospect</a>
        {item.sequenceId ? (
          <span class="muted">
            {item.sequenceId}
            {item.stepId ? ` · ${item.stepId}` : ''}
          </span>
        ) : null}
        <time dateTime={item.at} title={`${formatTime(item.at, item.timezone)} for the prospect`}>
          {formatTime(item.at)}
        </time>
      </div>
      {item.subject ? (
        <p class="subject">
          <strong>{item.subject}</strong>
        </p>
      ) : null}
      {item.text ? (
        <p class="inbox-text" data-testid="inbox-text">
          {item.text}
        </p>
      ) : null}
      <div class="inbox-foot">
        {item.handled ? (
          <span class="muted">
            Handled{item.handledBy ? ` by ${item.handledBy.replace(/^user:/, '')}` : ''}
            {item.handledAt ? `, ${formatTime(item.handledAt)}` : ''}
          </span>
        ) : (
          <span class="muted">Not handled</span>
        )}
        {canEdit ? (
          <button type="button" onClick={() => void toggle()} disabled={busy}>
            {item.handled ? 'Mark not handled' : 'Mark handled'}
          </button>
        ) : null}
      </div>
      {error ? <ErrorMessage error={error} /> : null}
    </li>
  );
}

export function InboxPage({ query }: { query: URLSearchParams }) {
  const { api } = useApp();
  const kind = query.get('kind') ?? '';
  const pages = useCursorPages(kind);
  const list = useResource((signal) => api<Page>('GET', '/inbox', { signal, query: { kind, limit: 25, cursor: pages.cursor } }), [kind, pages.cursor]);
  const [changed, setChanged] = useState<Record<string, InboxItemView>>({});
  return (
    <section>
      <h1 tabIndex={-1}>Inbox</h1>
      <p class="muted">Newest first. Times in your zone ({viewerZone()}); hover a time for the prospect's.</p>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="kind">Show</label>
          <select id="kind" value={kind} onChange={(e) => navigate(href('inbox', {}, { kind: (e.target as HTMLSelectElement).value }))}>
            <option value="">everything</option>
            {INBOX_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        <div class="field submit">
          <DownloadLink path="/inbox.csv" query={kind ? { kind } : {}} filename="inbox.csv" label="Download as CSV" />
        </div>
      </form>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.loading && !list.data ? <Loading what="the inbox" /> : null}
      {list.data ? (
        list.data.items.length === 0 ? (
          <p>Nothing here yet.</p>
        ) : (
          <ul class="inbox" data-testid="inbox">
            {list.data.items.map((item) => (
              <InboxEntry key={item.id} item={changed[item.id] ?? item} onChanged={(next) => setChanged({ ...changed, [next.id]: next })} />
            ))}
          </ul>
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
