/** Search prospects (exact email or phone, prefix of name or company) or list a sequence's by status; paged by cursor. */
import { useState } from 'preact/hooks';
import type { ProspectsPage as Page } from '../../../functions/contract/queries.js';
import { ENROLLMENT_STATUSES } from '../../../functions/domain/records.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, fieldError, Loading } from '../components/messages.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useResource } from '../components/use-resource.js';
import { formatTime, fullName, words } from '../format.js';
import { href, navigate } from '../router.js';
import type { SequenceListItem } from '../types.js';

export function ProspectsPage({ query }: { query: URLSearchParams }) {
  const { api } = useApp();
  const q = query.get('q') ?? '';
  const status = query.get('status') ?? '';
  const sequence = query.get('sequence') ?? '';
  const [form, setForm] = useState({ q, status, sequence });
  const pages = useCursorPages(`${q}|${status}|${sequence}`);
  const sequences = useResource((signal) => api<{ sequences: SequenceListItem[] }>('GET', '/sequences', { signal }), []);
  // The API lists a search or a sequence's prospects, not everybody: nothing to ask before either is given.
  const asked = Boolean(q || sequence || status);
  const list = useResource(
    async (signal) => (asked ? api<Page>('GET', '/prospects', { signal, query: { q, status, sequence, limit: 25, cursor: pages.cursor } }) : undefined),
    [q, status, sequence, pages.cursor],
  );
  const errorFor = (field: string) => fieldError(list.error, field);
  const fieldProps = (field: string) => (errorFor(field) ? { 'aria-invalid': true, 'aria-describedby': `${field}-error` } : {});
  return (
    <section>
      <h1 tabIndex={-1}>Prospects</h1>
      <form
        class="filters"
        aria-label="Search prospects"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(href('prospects', {}, form));
        }}
      >
        <div class="field">
          <label for="q">Email, phone, name or company</label>
          <input id="q" type="search" value={form.q} onInput={(e) => setForm({ ...form, q: (e.target as HTMLInputElement).value })} {...fieldProps('q')} />
          {errorFor('q') ? (
            <p class="field-error" id="q-error">
              {errorFor('q')}
            </p>
          ) : null}
        </div>
        <div class="field">
          <label for="sequence">Sequence</label>
          <select id="sequence" value={form.sequence} onChange={(e) => setForm({ ...form, sequence: (e.target as HTMLSelectElement).value })} {...fieldProps('sequence')}>
            <option value="">any</option>
            {sequences.data?.sequences.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          {errorFor('sequence') ? (
            <p class="field-error" id="sequence-error">
              {errorFor('sequence')}
            </p>
          ) : null}
        </div>
        <div class="field">
          <label for="status">Enrollment status</label>
          <select id="status" value={form.status} onChange={(e) => setForm({ ...form, status: (e.target as HTMLSelectElement).value })} {...fieldProps('status')}>
            <option value="">any</option>
            {ENROLLMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {words(s)}
              </option>
            ))}
          </select>
          {errorFor('status') ? (
            <p class="field-error" id="status-error">
              {errorFor('status')}
            </p>
          ) : null}
        </div>
        <div class="field submit">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      {list.error && !['q', 'status', 'sequence'].includes((list.error as { field?: string }).field ?? '') ? <ErrorMessage error={list.error} /> : null}
      {!asked ? <p class="muted">Search by an exact email or phone number, or the start of a name or company; or pick a sequence to list its prospects.</p> : null}
      {asked && list.loading && !list.data ? <Loading what="prospects" /> : null}
      {list.data && !list.error ? (
        <div class="table-wrap">
          <table data-testid="prospects">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Company</th>
                <th scope="col">Enrollments</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 ? (
                <tr>
                  <td colSpan={6}>No prospect matches.</td>
                </tr>
              ) : null}
              {list.data.items.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    <a href={href('prospect', { id: p.id })}>{fullName(p) || p.email || p.phone || p.id}</a>
                  </th>
                  <td>{p.email ?? ''}</td>
                  <td>{p.phone ?? ''}</td>
                  <td>{p.company ?? ''}</td>
                  <td>{p.enrollments?.map((e) => `${e.sequenceId}: ${words(e.status)}`).join(', ') ?? ''}</td>
                  <td>{formatTime(p.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
    </section>
  );
}
