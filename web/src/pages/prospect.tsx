/**
 * One prospect: the profile, every enrollment (with its next touch in the prospect's zone
 * and the viewer's, and Stop / Pause / Resume behind a confirmation), and the timeline
 * with who did each change. Every value is the prospect's data: rendered as text.
 */
import { useState } from 'preact/hooks';
import { canApply, isEnded, type LifecycleEvent } from '../../../functions/domain/enrollment.js';
import type { EnrollmentStatus } from '../../../functions/domain/records.js';
import { useApp } from '../app-context.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorMessage, Loading, Notice } from '../components/messages.js';
import { useResource } from '../components/use-resource.js';
import { formatTime, fullName, viewerZone, words } from '../format.js';
import { href } from '../router.js';
import type { ManualControlResponse, ProspectDetail } from '../types.js';

type Action = 'stop' | 'pause' | 'resume';
const ACTIONS: Record<Action, { label: string; title: string; explain: string }> = {
  stop: { label: 'Stop', title: 'Stop this enrollment?', explain: 'No further touch of this sequence is sent to the prospect. This cannot be undone (a new import with reenroll starts a new run).' },
  pause: { label: 'Pause', title: 'Pause this enrollment?', explain: 'Nothing is sent until someone resumes it.' },
  resume: { label: 'Resume', title: 'Resume this enrollment?', explain: 'The next touch is planned again from now, inside the send window.' },
};

/** Which buttons an enrollment gets: what the lifecycle allows from its status (domain/enrollment.ts). */
const EVENT_OF: Record<Action, LifecycleEvent> = { pause: 'pause', resume: 'resume', stop: 'end' };
function actionsFor(status: EnrollmentStatus): Action[] {
  return (['pause', 'resume', 'stop'] as const).filter((action) => canApply(EVENT_OF[action], status));
}

function Profile({ detail }: { detail: ProspectDetail }) {
  const p = detail.prospect;
  const attributes = Object.entries(p.attributes ?? {});
  return (
    <dl class="profile">
      <div>
        <dt>Name</dt>
        <dd data-testid="prospect-name">{fullName(p) || '—'}</dd>
      </div>
      <div>
        <dt>Email</dt>
        <dd>{p.email ?? '—'}</dd>
      </div>
      <div>
        <dt>Phone</dt>
        <dd>{p.phone ?? '—'}</dd>
      </div>
      <div>
        <dt>Company</dt>
        <dd>{p.company ?? '—'}</dd>
      </div>
      <div>
        <dt>Time zone</dt>
        <dd>
          {p.timezone ?? 'unknown (each sequence uses its default zone)'}
          {p.timezoneSource ? <span class="muted"> · {p.timezoneSource === 'phone' ? 'from the phone number' : p.timezoneSource}</span> : null}
          {p.timezoneCandidates && p.timezoneCandidates.length > 1 ? <span class="muted"> · candidates {p.timezoneCandidates.join(', ')}</span> : null}
        </dd>
      </div>
      {p.country ? (
        <div>
          <dt>Country</dt>
          <dd>{p.country}</dd>
        </div>
      ) : null}
      <div>
        <dt>Attributes</dt>
        <dd>
          {attributes.length === 0 ? (
            '—'
          ) : (
            <table class="attributes" data-testid="attributes">
              <tbody>
                {attributes.map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </dd>
      </div>
      <div>
        <dt>Id</dt>
        <dd>
          <code>{p.id}</code>
        </dd>
      </div>
    </dl>
  );
}

export function ProspectPage({ id }: { id: string }) {
  const { api, canEdit } = useApp();
  const detail = useResource((signal) => api<ProspectDetail>('GET', `/prospects/${id}`, { signal }), [id]);
  const [pending, setPending] = useState<{ action: Action; enrollmentId: string; sequenceId: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  if (detail.error) {
    return (
      <section>
        <h1 tabIndex={-1}>Prospect</h1>
        <ErrorMessage error={detail.error} />
      </section>
    );
  }
  if (!detail.data) return <Loading what="the prospect" />;
  const data = detail.data;
  const zone = data.prospect.timezone;
  const yours = viewerZone();

  const run = async () => {
    if (!pending) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const result = await api<ManualControlResponse>('POST', `/enrollments/${pending.enrollmentId}/${pending.action}`);
      setDone(`${pending.sequenceId}: ${words(result.enrollment.status)}${result.changed === false ? ' (it already was)' : ''}`);
      setPending(undefined);
      detail.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p class="crumbs">
        <a href={href('prospects')}>Prospects</a> /
      </p>
      <h1 tabIndex={-1}>{fullName(data.prospect) || data.prospect.email || data.prospect.phone || data.prospect.id}</h1>
      <Profile detail={data} />

      <h2>Enrollments</h2>
      {done ? <Notice>{done}</Notice> : null}
      {actionError && !pending ? <ErrorMessage error={actionError} /> : null}
      <div class="table-wrap">
        <table data-testid="prospect-enrollments">
          <thead>
            <tr>
              <th scope="col">Sequence</th>
              <th scope="col">Status</th>
              <th scope="col">Step</th>
              <th scope="col">Version · run</th>
              <th scope="col">Next touch ({zone ?? 'sequence zone'})</th>
              <th scope="col">Next touch (yours, {yours})</th>
              <th scope="col">Ended</th>
              {canEdit ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {data.enrollments.length === 0 ? (
              <tr>
                <td colSpan={canEdit ? 8 : 7}>Not enrolled in any sequence.</td>
              </tr>
            ) : null}
            {data.enrollments.map((enrollment) => (
              <tr key={enrollment.id} data-enrollment={enrollment.id}>
                <th scope="row">
                  <a href={href('sequence', { id: enrollment.sequenceId })}>{enrollment.sequenceId}</a>
                </th>
                <td>
                  <span class={`status status-${enrollment.status}`} data-testid="enrollment-status">
                    {words(enrollment.status)}
                  </span>
                </td>
                <td>{isEnded(enrollment.status) ? '—' : `#${enrollment.stepIndex + 1}`}</td>
                <td>
                  v{enrollment.version} · run {enrollment.run}
                </td>
                <td>{enrollment.nextTouchAt ? formatTime(enrollment.nextTouchAt, enrollment.timezone ?? zone) : '—'}</td>
                <td>{formatTime(enrollment.nextTouchAt)}</td>
                <td>{enrollment.endedAt ? `${formatTime(enrollment.endedAt)}${enrollment.endReason ? ` · ${enrollment.endReason}` : ''}` : '—'}</td>
                {canEdit ? (
                  <td class="row-actions">
                    {actionsFor(enrollment.status).map((action) => (
                      <button
                        type="button"
                        key={action}
                        class={action === 'stop' ? 'danger' : undefined}
                        onClick={() => {
                          setActionError(undefined);
                          setDone(undefined);
                          setPending({ action, enrollmentId: enrollment.id, sequenceId: enrollment.sequenceId });
                        }}
                      >
                        {ACTIONS[action].label}
                      </button>
                    ))}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Timeline</h2>
      <div class="table-wrap">
        <table class="timeline" data-testid="timeline">
          <thead>
            <tr>
              <th scope="col">When ({zone ?? 'UTC'})</th>
              <th scope="col">When (yours)</th>
              <th scope="col">What</th>
              <th scope="col">Sequence · step</th>
              <th scope="col">Detail</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {[...data.timeline].reverse().map((event, index) => (
              <tr key={`${event.at}-${event.type}-${index}`} data-type={event.type}>
                <td>{formatTime(event.at, zone ?? 'UTC')}</td>
                <td>{formatTime(event.at)}</td>
                <td>
                  <span class={`event event-${event.type}`}>{words(event.type)}</span>
                </td>
                <td>
                  {event.sequenceId ?? ''}
                  {event.stepId ? ` · ${event.stepId}` : ''}
                </td>
                <td class="detail">{event.detail ?? ''}</td>
                <td>{event.actor ? event.actor.replace(/^user:/, '') : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <ConfirmDialog
        open={pending !== undefined}
        title={pending ? ACTIONS[pending.action].title : ''}
        confirmLabel={pending ? ACTIONS[pending.action].label : ''}
        busy={busy}
        onCancel={() => setPending(undefined)}
        onConfirm={() => void run()}
      >
        <p>
          {pending ? (
            <>
              Sequence <strong>{pending.sequenceId}</strong> for <strong>{fullName(data.prospect) || data.prospect.email || data.prospect.id}</strong>.{' '}
              {ACTIONS[pending.action].explain}
            </>
          ) : null}
        </p>
        {actionError ? <ErrorMessage error={actionError} /> : null}
      </ConfirmDialog>
    </section>
  );
}
