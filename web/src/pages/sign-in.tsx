import type { ConsoleConfig } from '../../../functions/contract/auth.js';
import { beginSignIn } from '../auth.js';

/**
 * Nobody signed in. In AWS the button opens the user pool's login page; locally there is
 * no password: `npm start` prints a one-time sign-in link (and `POST /dev/users` makes more).
 */
export function SignInPage({ config, error }: { config: ConsoleConfig; error?: string }) {
  const local = new URL(config.auth.authorizeUrl, location.href).origin === location.origin;
  return (
    <main id="main" class="sign-in">
      <section class="panel">
        <h1>Followup console</h1>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {local ? (
          <p>
            Open the one-time sign-in link that <code>npm start</code> printed (it works once, for 10 minutes). Restart{' '}
            <code>npm start</code> for a new one, or create a user with <code>POST /dev/users</code>.
          </p>
        ) : (
          <p>
            <button type="button" class="primary" onClick={() => void beginSignIn(config)}>
              Sign in
            </button>
          </p>
        )}
      </section>
    </main>
  );
}
