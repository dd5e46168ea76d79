/**
 * Today, for the signed-in rep (README "The console"): their due and overdue tasks and
 * calls in due order (`GET /tasks?assignee=me&due=today`), their daily goal and streak,
 * the team's progress; and the Follow-Up Hour, a session that shows one prospect at a
 * time: log the outcome, next.
 */
import { useState } from 'preact/hooks';
import type { Me, TeamProgress } from '../../../functions/contract/me.js';
import type { OutcomeResponse, TaskPage } from '../../../functions/contract/tasks.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, fieldError, Loading, Notice } from '../components/messages.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { TaskCard } from '../components/task-card.js';
import { useResource } from '../components/use-resource.js';
import { count, words } from '../format.js';

/** A running Follow-Up Hour: the tasks passed (logged or skipped) and how many were logged. */
interface Session {
  passed: string[];
  logged: number;
}

export function TodayPage() {
  const { api } = useApp();
  const pages = useCursorPages('today');
  const tasks = useResource((signal) => api<TaskPage>('GET', '/tasks', { signal, query: { assignee: 'me', due: 'today', cursor: pages.cursor } }), [pages.cursor]);
  const me = useResource((signal) => api<Me>('GET', '/me', { signal }), []);
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [lastLogged, setLastLogged] = useState<string | undefined>(undefined);
  // Outcomes logged on this page: the team's table is read again after each.
  const [loggedHere, setLoggedHere] = useState(0);

  const logged = (taskId: string, answer: OutcomeResponse) => {
    setLastLogged(`${words(answer.task.outcome ?? 'done')} logged; the enrollment is ${words(answer.enrollment.status)}.`);
    if (session) setSession({ passed: [...session.passed, taskId], logged: session.logged + 1 });
    setLoggedHere((n) => n + 1);
    tasks.reload();
    me.reload();
  };
  const items = tasks.data?.items ?? [];
  const queue = session ? items.filter((task) => !session.passed.includes(task.id)) : items;
  const current = session ? queue[0] : undefined;

  return (
    <section>
      <h1 tabIndex={-1}>Today</h1>
      <Goal me={me.data} error={me.error} onSaved={me.reload} />
      {lastLogged ? <Notice>{lastLogged}</Notice> : null}
      {tasks.error ? <ErrorMessage error={tasks.error} /> : null}
      {tasks.loading && !tasks.data ? <Loading what="your tasks" /> : null}
      {session ? (
        <section class="panel session" aria-labelledby="session-title" data-testid="session">
          <h2 id="session-title">Follow-Up Hour</h2>
          <p data-testid="session-progress">
            {current
              ? `Prospect ${session.passed.length + 1} of ${session.passed.length + queue.length}`
              : `That is everyone due today: ${session.logged} logged in this hour.`}
            {me.data ? ` · ${me.data.doneToday} of ${me.data.dailyGoal} done today` : ''}
          </p>
          <div class="actions">
            {current ? (
              <button type="button" onClick={() => setSession({ ...session, passed: [...session.passed, current.id] })}>
                Skip for now
              </button>
            ) : null}
            <button type="button" onClick={() => setSession(undefined)}>
              End the Follow-Up Hour
            </button>
          </div>
          {current ? <TaskCard key={current.id} task={current} onLogged={(answer) => logged(current.id, answer)} /> : null}
        </section>
      ) : tasks.data ? (
        <>
          <div class="actions">
            <p class="muted">
              {items.length === 0 ? 'Nothing due today.' : `${items.length} due today or overdue, soonest first.`} Times are the prospect's and yours.
            </p>
            {items.length > 0 ? (
              <button type="button" class="primary" onClick={() => setSession({ passed: [], logged: 0 })}>
                Start the Follow-Up Hour
              </button>
            ) : null}
          </div>
          <div class="task-list" data-testid="tasks">
            {items.map((task) => (
              <TaskCard key={task.id} task={task} onLogged={(answer) => logged(task.id, answer)} />
            ))}
          </div>
          <Pager page={pages.page} nextCursor={tasks.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      ) : null}
      <p>
        <button type="button" onClick={tasks.reload}>
          Refresh
        </button>
      </p>
      <Team refreshKey={loggedHere} />
    </section>
  );
}

/** "3 of 5 done today", the streak, and the user's phone (click to call rings it) and goal. */
function Goal({ me, error, onSaved }: { me: Me | undefined; error: Error | undefined; onSaved(): void }) {
  if (error) return <ErrorMessage error={error} />;
  if (!me) return <Loading what="your goal" />;
  return (
    <section class="panel goal" aria-labelledby="goal-title" data-testid="goal">
      <h2 id="goal-title" class="visually-hidden">
        Your day
      </h2>
      <p class="goal-count">
        <strong data-testid="done-today">
          {me.doneToday} of {me.dailyGoal}
        </strong>{' '}
        done today · streak {me.streakDays} {me.streakDays === 1 ? 'day' : 'days'}
      </p>
      <progress max={me.dailyGoal} value={Math.min(me.doneToday, me.dailyGoal)} aria-label="Done today against your daily goal" />
      <Settings me={me} onSaved={onSaved} />
    </section>
  );
}

function Settings({ me, onSaved }: { me: Me; onSaved(): void }) {
  const { api, canEdit } = useApp();
  const [phone, setPhone] = useState(me.phone ?? '');
  const [goal, setGoal] = useState(String(me.dailyGoal));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  if (!canEdit) return <p class="muted">{me.phone ? `Calls ring ${me.phone}.` : 'No phone set for click to call.'}</p>;
  const save = async () => {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      // A goal that is not a number goes as it is: the API names the field.
      const dailyGoal = /^\d+$/.test(goal.trim()) ? Number(goal.trim()) : goal;
      await api<Me>('PUT', '/me', { body: { phone: phone.trim() || null, dailyGoal } });
      setSaved(true);
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const phoneError = fieldError(error, 'phone');
  const goalError = fieldError(error, 'dailyGoal');
  return (
    <details class="settings" open={!me.phone}>
      <summary>Your phone and daily goal</summary>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <div class="field">
          <label for="my-phone">Phone (click to call rings it)</label>
          <input id="my-phone" type="tel" placeholder="+14155550100" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} aria-invalid={phoneError ? 'true' : undefined} />
          {phoneError ? <span class="field-error">{phoneError}</span> : null}
        </div>
        <div class="field">
          <label for="my-goal">Daily goal</label>
          <input id="my-goal" inputMode="numeric" value={goal} onInput={(e) => setGoal((e.target as HTMLInputElement).value)} aria-invalid={goalError ? 'true' : undefined} />
          {goalError ? <span class="field-error">{goalError}</span> : null}
        </div>
        <div class="field submit">
          <button type="submit" disabled={busy}>
            Save
          </button>
        </div>
      </form>
      {error && !phoneError && !goalError ? <ErrorMessage error={error} /> : null}
      {saved ? <Notice>Saved.</Notice> : null}
    </details>
  );
}

/** Everyone's day: done today, goal, streak (`GET /team/progress`). */
function Team({ refreshKey }: { refreshKey: number }) {
  const { api } = useApp();
  const team = useResource((signal) => api<TeamProgress>('GET', '/team/progress', { signal }), [refreshKey]);
  return (
    <section aria-labelledby="team-title">
      <h2 id="team-title">The team today</h2>
      {team.error ? <ErrorMessage error={team.error} /> : null}
      {team.data ? (
        team.data.items.length === 0 ? (
          <p class="muted">Nobody has logged an outcome yet.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="team">
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">Done today</th>
                  <th scope="col">Daily goal</th>
                  <th scope="col">Streak (days)</th>
                </tr>
              </thead>
              <tbody>
                {team.data.items.map((person) => (
                  <tr key={person.email} data-email={person.email}>
                    <td>{person.email}</td>
                    <td>{count(person.doneToday)}</td>
                    <td>{count(person.dailyGoal)}</td>
                    <td>{count(person.streakDays)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}
