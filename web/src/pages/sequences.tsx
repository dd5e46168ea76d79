import type { SequenceStatsView } from '../../../functions/contract/queries.js';
import { useApp } from '../app-context.js';
import { FunnelView } from '../components/funnel.js';
import { ErrorMessage, Loading } from '../components/messages.js';
import { useResource } from '../components/use-resource.js';
import { formatTime } from '../format.js';
import { href } from '../router.js';
import type { SequenceListItem } from '../types.js';

function SequenceCard({ sequence }: { sequence: SequenceListItem }) {
  const { api, canEdit } = useApp();
  const stats = useResource((signal) => api<SequenceStatsView>('GET', `/sequences/${sequence.id}/stats`, { signal }), [sequence.id]);
  const channels = [...new Set(sequence.steps.map((s) => s.channel))].join(' + ');
  return (
    <article class="card" data-sequence={sequence.id}>
      <h2>
        <a href={href('sequence', { id: sequence.id })}>{sequence.name}</a>
      </h2>
      <p class="muted">
        <code>{sequence.id}</code> · version {sequence.version} · {sequence.steps.length} steps ({channels}) · published {formatTime(sequence.publishedAt)}
      </p>
      {stats.error ? <ErrorMessage error={stats.error} /> : null}
      {stats.data?.funnel ? (
        <FunnelView funnel={stats.data.funnel} replyRate={stats.data.replyRate} label={sequence.name} />
      ) : stats.loading ? (
        <Loading what="the funnel" />
      ) : null}
      <p class="actions">
        <a href={href('sequence', { id: sequence.id })}>Steps, stats and versions</a>
        {canEdit ? (
          <>
            <a href={href('import', { id: sequence.id })}>Import prospects</a>
            <a href={href('edit', { id: sequence.id })}>Edit and publish</a>
          </>
        ) : null}
      </p>
    </article>
  );
}

export function SequencesPage() {
  const { api } = useApp();
  const list = useResource((signal) => api<{ sequences: SequenceListItem[] }>('GET', '/sequences', { signal }), []);
  return (
    <section>
      <h1 tabIndex={-1}>Sequences</h1>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.loading && !list.data ? <Loading what="sequences" /> : null}
      {list.data && list.data.sequences.length === 0 ? <p>No sequences are published yet: add a folder under templates/ and restart, or publish one through the API.</p> : null}
      <div class="cards">
        {list.data?.sequences.map((sequence) => (
          <SequenceCard key={sequence.id} sequence={sequence} />
        ))}
      </div>
    </section>
  );
}
