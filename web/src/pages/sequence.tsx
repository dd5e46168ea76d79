/** One sequence: its steps (with previews), per-step stats and the daily chart, versions, and who runs which version. */
import type { EnrollmentsPage, SequenceStatsView, VersionsList } from '../../../functions/contract/queries.js';
import { ENROLLMENT_STATUSES } from '../../../functions/domain/records.js';
import type { SendWindow, StepDefinition } from '../../../functions/domain/sequence.js';
import { formatWait } from '../../../functions/domain/sequence-export.js';
import { useApp } from '../app-context.js';
import { DailyChart } from '../components/daily-chart.js';
import { DownloadLink } from '../components/download.js';
import { FunnelView } from '../components/funnel.js';
import { ErrorMessage, Loading } from '../components/messages.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useResource } from '../components/use-resource.js';
import { count, formatTime, fullName, percent, words } from '../format.js';
import { href, navigate } from '../router.js';
import type { SequenceView } from '../types.js';
import { StepPreview } from './step-preview.js';

function windowText(window: SendWindow): string {
  const days = window.days.join(', ');
  return `${days} ${window.start}–${window.end}`;
}

function StepsTable({ sequence, selected, onSelect }: { sequence: SequenceView; selected: string; onSelect(id: string): void }) {
  const steps = sequence.definition.steps;
  return (
    <div class="table-wrap">
      <table class="steps">
        <caption>Steps in order (waits count from the previous touch; windows are in the prospect's zone)</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Step</th>
            <th scope="col">Channel</th>
            <th scope="col">Wait</th>
            <th scope="col">Window</th>
            <th scope="col">Template</th>
            <th scope="col">Preview</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((step: StepDefinition, index) => (
            <tr key={step.id} data-step={step.id} class={selected === step.id ? 'selected' : undefined}>
              <td>{index + 1}</td>
              <th scope="row">{step.id}</th>
              <td>
                <span class={`channel channel-${step.channel}`}>{step.channel}</span>
              </td>
              <td>{formatWait(step.wait)}</td>
              <td>
                {windowText(step.window ?? sequence.definition.window)}
                {step.window ? ' (own window)' : ''}
              </td>
              <td>
                <code>{step.template}</code>
              </td>
              <td>
                <button type="button" class="link" aria-pressed={selected === step.id} onClick={() => onSelect(step.id)}>
                  Show
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StepStats({ stats }: { stats: SequenceStatsView }) {
  return (
    <div class="table-wrap">
      <table class="numbers" data-testid="step-stats">
        <caption>Per step</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Sent</th>
            <th scope="col">Delivered</th>
            <th scope="col">Opened</th>
            <th scope="col">Clicked</th>
            <th scope="col">Replied</th>
            <th scope="col">Opted out</th>
            <th scope="col">Bounced</th>
            <th scope="col">Failed</th>
            <th scope="col">Skipped</th>
            <th scope="col">Reply rate</th>
            <th scope="col">Tasks done</th>
            <th scope="col">Converted</th>
          </tr>
        </thead>
        <tbody>
          {stats.steps.map((step) => (
            <tr key={step.stepId} data-step={step.stepId}>
              <th scope="row">
                {step.stepId} <span class="muted">({step.channel})</span>
              </th>
              <td>{count(step.sent)}</td>
              <td>{count(step.delivered)}</td>
              <td>{step.channel === 'email' ? count(step.opened) : '—'}</td>
              <td>{step.channel === 'email' ? count(step.clicked) : '—'}</td>
              <td>{count(step.replied ?? step.replies)}</td>
              <td>{count(step.optedOut)}</td>
              <td>{count(step.bounced)}</td>
              <td>{count(step.failed)}</td>
              <td>{count(step.skipped)}</td>
              <td>{percent(step.replyRate)}</td>
              <td>{step.channel === 'call' || step.channel === 'task' ? `${count(step.done)} of ${count(step.tasks)}` : '—'}</td>
              <td>{count(step.converted)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Versions({ sequence }: { sequence: SequenceView }) {
  const { api } = useApp();
  const versions = useResource((signal) => api<VersionsList>('GET', `/sequences/${sequence.id}/versions`, { signal }), [sequence.id, sequence.version]);
  if (versions.error) return <ErrorMessage error={versions.error} />;
  if (!versions.data) return <Loading what="versions" />;
  return (
    <div class="table-wrap">
      <table data-testid="versions">
        <caption>Published versions (each enrollment stays on the version it started with)</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Published</th>
            <th scope="col">Content hash</th>
            <th scope="col">Enrollments started on it</th>
            <th scope="col">Export to files</th>
          </tr>
        </thead>
        <tbody>
          {versions.data.items.map((version) => (
            <tr key={version.version}>
              <th scope="row">
                v{version.version}
                {version.version === sequence.version ? ' (current)' : ''}
              </th>
              <td>{formatTime(version.publishedAt)}</td>
              <td>
                <code>{version.hash.slice(0, 12)}</code>
              </td>
              <td>{count(version.enrollments)}</td>
              <td>
                <code class="command">
                  npm run export:sequence -- {sequence.id} --version {version.version}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Enrollments({ sequence, status }: { sequence: SequenceView; status: string }) {
  const { api } = useApp();
  const pages = useCursorPages(`${sequence.id}|${status}`);
  const list = useResource(
    (signal) => api<EnrollmentsPage>('GET', `/sequences/${sequence.id}/enrollments`, { signal, query: { status, limit: 25, cursor: pages.cursor } }),
    [sequence.id, status, pages.cursor],
  );
  const stepName = (index: number, id?: string) => id ?? sequence.definition.steps[index]?.id ?? (index >= sequence.definition.steps.length ? 'done' : `#${index + 1}`);
  return (
    <>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(event) => navigate(href('sequence', { id: sequence.id }, { status: (event.target as HTMLSelectElement).value }))}
          >
            <option value="">any</option>
            {ENROLLMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {words(s)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.loading && !list.data ? <Loading what="enrollments" /> : null}
      {list.data ? (
        <div class="table-wrap">
          <table data-testid="enrollments">
            <thead>
              <tr>
                <th scope="col">Prospect</th>
                <th scope="col">Status</th>
                <th scope="col">Next step</th>
                <th scope="col">Version</th>
                <th scope="col">Next touch (prospect's zone)</th>
                <th scope="col">Next touch (yours)</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 ? (
                <tr>
                  <td colSpan={6}>No enrollments{status ? ` with status ${words(status)}` : ''}.</td>
                </tr>
              ) : null}
              {list.data.items.map((item) => (
                <tr key={item.id}>
                  <th scope="row">
                    <a href={href('prospect', { id: item.prospectId })}>{fullName(item.prospect) || item.prospect?.email || item.prospect?.phone || item.prospectId}</a>
                    {item.prospect?.company ? <span class="muted"> · {item.prospect.company}</span> : null}
                  </th>
                  <td>
                    <span class={`status status-${item.status}`}>{words(item.status)}</span>
                  </td>
                  <td>{stepName(item.stepIndex, item.stepId)}</td>
                  <td>v{item.version}</td>
                  <td>{item.nextTouchAt ? formatTime(item.nextTouchAt, item.timezone ?? sequence.definition.defaultTimezone) : '—'}</td>
                  <td>{formatTime(item.nextTouchAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
      <p>
        <DownloadLink path={`/sequences/${sequence.id}/enrollments.csv`} query={status ? { status } : {}} filename={`${sequence.id}-enrollments.csv`} label="Download every enrollment as CSV" />
      </p>
    </>
  );
}

export function SequencePage({ id, query }: { id: string; query: URLSearchParams }) {
  const { api, canEdit } = useApp();
  const sequence = useResource((signal) => api<{ sequence: SequenceView }>('GET', `/sequences/${id}`, { signal }), [id]);
  const stats = useResource((signal) => api<SequenceStatsView>('GET', `/sequences/${id}/stats`, { signal }), [id]);
  const selected = query.get('step') ?? sequence.data?.sequence.definition.steps[0]?.id ?? '';
  const status = query.get('status') ?? '';
  if (sequence.error) {
    return (
      <section>
        <h1 tabIndex={-1}>Sequence {id}</h1>
        <ErrorMessage error={sequence.error} />
      </section>
    );
  }
  if (!sequence.data) return <Loading what="the sequence" />;
  const seq = sequence.data.sequence;
  return (
    <section>
      <p class="crumbs">
        <a href={href('sequences')}>Sequences</a> /
      </p>
      <h1 tabIndex={-1}>{seq.definition.name}</h1>
      <p class="muted">
        <code>{seq.id}</code> · version {seq.version}, published {formatTime(seq.publishedAt)} · owner {seq.definition.owner} · default zone{' '}
        {seq.definition.defaultTimezone}
      </p>
      {canEdit ? (
        <p class="actions">
          <a class="button" href={href('import', { id })}>
            Import prospects
          </a>
          <a class="button" href={href('edit', { id })}>
            Edit and publish
          </a>
        </p>
      ) : null}
      {seq.warnings.length > 0 ? (
        <ul class="warnings">
          {seq.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}

      <h2>Steps</h2>
      <StepsTable sequence={seq} selected={selected} onSelect={(step) => navigate(href('sequence', { id }, { step, status }))} />
      {selected ? <StepPreview sequence={seq} stepId={selected} /> : null}

      <h2>Results</h2>
      {stats.error ? <ErrorMessage error={stats.error} /> : null}
      {stats.data ? (
        <>
          {stats.data.funnel ? <FunnelView funnel={stats.data.funnel} replyRate={stats.data.replyRate} label={seq.definition.name} /> : null}
          <StepStats stats={stats.data} />
          <h3>Last {stats.data.daily?.length ?? 0} days (UTC)</h3>
          {stats.data.daily ? <DailyChart daily={stats.data.daily} /> : <p class="muted">The daily series is not available from this API.</p>}
        </>
      ) : stats.loading ? (
        <Loading what="stats" />
      ) : null}

      <h2>Versions</h2>
      <Versions sequence={seq} />

      <h2>Enrollments</h2>
      <Enrollments sequence={seq} status={status} />
    </section>
  );
}
