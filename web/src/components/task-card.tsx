/**
 * One task of a rep's list (`GET /tasks`): who, why (the step's purpose), when in the
 * prospect's day, the rendered script, the last touches and replies; click to call for a
 * call the API says may be placed now; and the outcome form (editors). Every value is
 * the prospect's or the sequence's data: rendered as text.
 */
import { useState } from 'preact/hooks';
import { OUTCOMES, type Outcome } from '../../../functions/domain/people-steps.js';
import type { CallResponse, OutcomeResponse, TaskItem } from '../../../functions/contract/tasks.js';
import { useApp } from '../app-context.js';
import { formatTime, fullName, words } from '../format.js';
import { href } from '../router.js';
import { ErrorMessage, fieldError, Notice } from './messages.js';

const KIND_LABELS: Record<TaskItem['kind'], string> = { call: 'Call', voicemail: 'Voicemail', task: 'Task' };

/** `2026-11-23T10:00:00-05:00` → `10:00`: the wall-clock time the API computed in the prospect's zone. */
function wallClock(local: string): string {
  return /T(\d{2}:\d{2})/.exec(local)?.[1] ?? local;
}

/**
 * Overdue against the API's clock, not the browser's: `prospectNowLocal` is "now" where
 * the engine runs (a virtual clock locally), so the badge agrees with the list.
 */
export function isOverdue(task: Pick<TaskItem, 'dueAt' | 'prospectNowLocal'>): boolean {
  // By the minute: a call due at 10:00 is not overdue at 10:00:30.
  return Math.floor(Date.parse(task.prospectNowLocal) / 60_000) > Math.floor(Date.parse(task.dueAt) / 60_000);
}

/** An element id from a task id (which holds dots): unique per task on the page. */
const idOf = (task: TaskItem, part: string) => `task-${task.id.replace(/[^A-Za-z0-9_-]/g, '-')}-${part}`;

export function TaskCard({ task, onLogged }: { task: TaskItem; onLogged(answer: OutcomeResponse): void }) {
  const { canEdit } = useApp();
  const name = fullName(task.prospect) || task.prospect.email || task.prospect.phone || task.prospectId;
  return (
    <article class="card task-card" data-testid="task" data-task={task.id} data-kind={task.kind} aria-labelledby={idOf(task, 'title')}>
      <header class="task-head">
        <h2 id={idOf(task, 'title')}>
          <a href={href('prospect', { id: task.prospectId })}>{name}</a>
        </h2>
        <span class={`kind kind-${task.kind}`}>{KIND_LABELS[task.kind]}</span>
        {isOverdue(task) ? <span class="status status-overdue">overdue</span> : null}
        {task.attempt > 1 ? <span class="muted">attempt {task.attempt}</span> : null}
      </header>
      <p class="purpose" data-testid="task-purpose">
        <strong>Purpose:</strong> {task.purpose}
      </p>
      <dl class="task-facts">
        <div>
          <dt>Due</dt>
          <dd>
            {wallClock(task.dueLocal)} their time <span class="muted">({formatTime(task.dueAt)} yours)</span>
          </dd>
        </div>
        <div>
          <dt>Their time now</dt>
          <dd data-testid="prospect-time">
            {wallClock(task.prospectNowLocal)} ({task.timezone})
          </dd>
        </div>
        {task.prospect.company ? (
          <div>
            <dt>Company</dt>
            <dd>{task.prospect.company}</dd>
          </div>
        ) : null}
        {task.prospect.phone ? (
          <div>
            <dt>Phone</dt>
            <dd>{task.prospect.phone}</dd>
          </div>
        ) : null}
        <div>
          <dt>Sequence</dt>
          <dd>
            <a href={href('sequence', { id: task.sequenceId })}>{task.sequenceId}</a> · {task.stepId}
          </dd>
        </div>
      </dl>
      <h3>Script</h3>
      <pre class="text-part script" data-testid="task-script">
        {task.script}
      </pre>
      <History task={task} />
      {task.kind === 'call' ? <CallButton task={task} name={name} /> : null}
      {canEdit ? <OutcomeForm task={task} onLogged={onLogged} /> : <p class="muted">Viewers see the list; editors log outcomes.</p>}
    </article>
  );
}

function History({ task }: { task: TaskItem }) {
  if (task.lastTouches.length === 0 && task.lastReplies.length === 0) return <p class="muted">No touches or replies yet.</p>;
  return (
    <div class="task-history">
      {task.lastTouches.length > 0 ? (
        <>
          <h3>Last touches</h3>
          <ul class="history-list" data-testid="last-touches">
            {task.lastTouches.map((touch) => (
              <li key={`${touch.at}-${touch.stepId}`}>
                {formatTime(touch.at)} · {touch.channel} · {touch.stepId}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {task.lastReplies.length > 0 ? (
        <>
          <h3>Last replies</h3>
          <ul class="history-list" data-testid="last-replies">
            {task.lastReplies.map((reply) => (
              <li key={reply.at}>
                {formatTime(reply.at)} · {reply.channel}: <span class="reply-text">{reply.text}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** Click to call: the API rings the signed-in user's phone, then bridges to the prospect. */
function CallButton({ task, name }: { task: TaskItem; name: string }) {
  const { api, canEdit } = useApp();
  const [busy, setBusy] = useState(false);
  const [placed, setPlaced] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  if (!task.callable) {
    return (
      <p class="muted" data-testid="not-callable">
        Not callable now: {task.notCallableReason ?? 'the API refuses calls to this prospect'}
      </p>
    );
  }
  if (!canEdit) return null;
  const call = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<CallResponse>('POST', `/tasks/${encodeURIComponent(task.id)}/call`);
      setPlaced(answer.callSid);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions call-actions">
      <button type="button" class="primary" onClick={() => void call()} disabled={busy}>
        Call {name}
      </button>
      {placed ? <Notice>Calling your phone: answer it and you are connected to {name}.</Notice> : null}
      {error ? <ErrorMessage error={error} /> : null}
    </div>
  );
}

function OutcomeForm({ task, onLogged }: { task: TaskItem; onLogged(answer: OutcomeResponse): void }) {
  const { api } = useApp();
  const [outcome, setOutcome] = useState<Outcome>(task.kind === 'task' ? 'done' : 'connected');
  const [note, setNote] = useState('');
  const [callBack, setCallBack] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value.trim() !== ''));
    // datetime-local is the viewer's wall clock; the API takes an instant.
    const at = callBack ? new Date(callBack) : undefined;
    try {
      const answer = await api<OutcomeResponse>('POST', `/tasks/${encodeURIComponent(task.id)}/outcome`, {
        body: {
          outcome,
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(Object.keys(given).length > 0 ? { fields: given } : {}),
          ...(outcome === 'call_back' && at && !Number.isNaN(at.getTime()) ? { callBackAt: at.toISOString() } : {}),
        },
      });
      onLogged(answer);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const callBackError = fieldError(error, 'callBackAt');
  return (
    <form
      class="outcome-form"
      aria-label={`Outcome for ${task.prospect.firstName ?? task.prospectId}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3>Outcome</h3>
      <div class="filters">
        <div class="field">
          <label for={idOf(task, 'outcome')}>What happened</label>
          <select id={idOf(task, 'outcome')} value={outcome} onChange={(event) => setOutcome((event.target as HTMLSelectElement).value as Outcome)}>
            {OUTCOMES.map((value) => (
              <option key={value} value={value}>
                {words(value)}
              </option>
            ))}
          </select>
        </div>
        {outcome === 'call_back' ? (
          <div class="field">
            <label for={idOf(task, 'call-back')}>Call back at (your time)</label>
            <input
              id={idOf(task, 'call-back')}
              type="datetime-local"
              value={callBack}
              onInput={(event) => setCallBack((event.target as HTMLInputElement).value)}
              aria-invalid={callBackError ? 'true' : undefined}
              aria-describedby={callBackError ? idOf(task, 'call-back-error') : undefined}
            />
            {callBackError ? (
              <span class="field-error" id={idOf(task, 'call-back-error')}>
                {callBackError}
              </span>
            ) : null}
          </div>
        ) : null}
        {task.collect.map((name) => (
          <div class="field" key={name}>
            <label for={idOf(task, `field-${name}`)}>{name}</label>
            <input id={idOf(task, `field-${name}`)} value={fields[name] ?? ''} onInput={(event) => setFields({ ...fields, [name]: (event.target as HTMLInputElement).value })} />
          </div>
        ))}
      </div>
      <div class="field note">
        <label for={idOf(task, 'note')}>Note</label>
        <textarea id={idOf(task, 'note')} rows={2} value={note} onInput={(event) => setNote((event.target as HTMLTextAreaElement).value)} />
      </div>
      {error && !callBackError ? <ErrorMessage error={error} /> : null}
      <p>
        <button type="submit" class="primary" disabled={busy}>
          Log the outcome
        </button>
      </p>
    </form>
  );
}
