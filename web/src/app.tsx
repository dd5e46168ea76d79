/** The signed-in console: one navigation, the page the address names, an error boundary per page. */
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../functions/contract/auth.js';
import { createApi } from './api.js';
import { AppContext } from './app-context.js';
import type { Session, SessionKeeper } from './auth.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { Loading } from './components/messages.js';
import { DeliveriesPage } from './pages/deliveries.js';
import { InboxPage } from './pages/inbox.js';
import { ImportPage } from './pages/import.js';
import { ProspectPage } from './pages/prospect.js';
import { ProspectsPage } from './pages/prospects.js';
import { SequencePage } from './pages/sequence.js';
import { SequencesPage } from './pages/sequences.js';
import { TodayPage } from './pages/today.js';
import { href, parseRoute, useHash, type PageName, type Route } from './router.js';

/** The editor (and its YAML library) loads only when someone opens it. */
function LazyEditPage(props: { id: string }) {
  const [Page, setPage] = useState<ComponentType<{ id: string }> | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  useEffect(() => {
    import('./pages/edit.js').then((module) => setPage(() => module.EditPage), setError);
  }, []);
  if (error) throw error;
  return Page ? <Page {...props} /> : <Loading what="the editor" />;
}

const NAVIGATION: { page: PageName; label: string; also: PageName[] }[] = [
  { page: 'today', label: 'Today', also: [] },
  { page: 'sequences', label: 'Sequences', also: ['sequence', 'edit', 'import'] },
  { page: 'prospects', label: 'Prospects', also: ['prospect'] },
  { page: 'inbox', label: 'Inbox', also: [] },
  { page: 'deliveries', label: 'Webhooks', also: [] },
];

function PageFor({ route }: { route: Route }) {
  const id = route.params.id ?? '';
  switch (route.page) {
    case 'sequences':
      return <SequencesPage />;
    case 'sequence':
      return <SequencePage id={id} query={route.query} />;
    case 'edit':
      return <LazyEditPage id={id} />;
    case 'import':
      return <ImportPage id={id} />;
    case 'prospects':
      return <ProspectsPage query={route.query} />;
    case 'prospect':
      return <ProspectPage id={id} />;
    case 'inbox':
      return <InboxPage query={route.query} />;
    case 'today':
      return <TodayPage />;
    case 'deliveries':
      return <DeliveriesPage />;
  }
}

export function App({ config, keeper, session }: { config: ConsoleConfig; keeper: SessionKeeper; session: Session }) {
  const hash = useHash();
  const route = parseRoute(hash);
  const api = useMemo(() => createApi(config.apiUrl, keeper), [config, keeper]);
  const user = session.user;
  const context = useMemo(() => ({ api, user, canEdit: user.role === 'editor' }), [api, user]);
  useEffect(() => {
    // A page change moves focus to the page's heading, as a screen reader user expects.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [hash]);
  return (
    <AppContext.Provider value={context}>
      {/* A button, not a link: `#main` would be read as a route by the hash router. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={href('sequences')}>
          Followup
        </a>
        <nav aria-label="Main">
          <ul>
            {NAVIGATION.map((item) => {
              const current = route && (route.page === item.page || item.also.includes(route.page));
              return (
                <li key={item.page}>
                  <a href={href(item.page)} {...(current ? { 'aria-current': 'page' } : {})}>
                    {item.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="who">
          <span class="user" title={user.email}>
            {user.name ?? user.email}
          </span>{' '}
          <span class={`role role-${user.role}`}>{user.role}</span>{' '}
          <button type="button" class="link" onClick={() => keeper.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorBoundary key={hash}>
          {route ? (
            <PageFor route={route} />
          ) : (
            <section class="panel">
              <h1 tabIndex={-1}>Page not found</h1>
              <p>
                <a href={href('sequences')}>Go to the sequences</a>
              </p>
            </section>
          )}
        </ErrorBoundary>
      </main>
    </AppContext.Provider>
  );
}
