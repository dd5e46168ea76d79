/**
 * The console's entry: read `config.json` (where the API and the sign-in endpoints are),
 * finish or start a sign-in, then render the app. Whatever fails shows as a message.
 */
import { render } from 'preact';
import { consoleConfig, type ConsoleConfig } from '../../functions/contract/auth.js';
import { App } from './app.js';
import { resumeSignIn, SessionKeeper, type Session } from './auth.js';
import { SignInPage } from './pages/sign-in.js';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
// The static "Loading…" line is replaced, not diffed against.
root.textContent = '';

async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('./config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return consoleConfig.parse(await response.json());
}

function show(config: ConsoleConfig, session: Session | undefined, error?: string): void {
  if (!session) {
    render(<SignInPage config={config} {...(error ? { error } : {})} />, root);
    return;
  }
  const keeper = new SessionKeeper(config, session, (next, reason) => {
    if (!next) show(config, undefined, reason === 'expired' ? 'your session has ended; sign in again' : undefined);
  });
  render(<App config={config} keeper={keeper} session={session} />, root);
}

async function start(): Promise<void> {
  const config = await loadConfig();
  const step = await resumeSignIn(config);
  switch (step.kind) {
    case 'redirecting':
      return;
    case 'signed-out':
      return show(config, undefined, step.error);
    case 'signed-in':
      if (step.returnTo) history.replaceState(history.state, '', `${location.pathname}${step.returnTo}`);
      return show(config, step.session);
  }
}

start().catch((error: unknown) => {
  render(
    <main id="main" class="sign-in">
      <section class="panel" role="alert">
        <h1>The console could not start</h1>
        <p class="error">{error instanceof Error ? error.message : String(error)}</p>
      </section>
    </main>,
    root,
  );
});
