/**
 * A local SES v2 endpoint: aws-ses-v2-local, started in-process.
 *
 * The package exports its server factory (`default(config) → Promise<http.Server>`),
 * so no child process is needed. Point an `SESv2Client` at `url` with any credentials
 * (it only checks that a SigV4 Authorization header is present).
 *
 * What it keeps, per sent Simple email (`GET /store`): messageId (`ses-<9 digits>`),
 * from, replyTo[], destination {to, cc, bcc}, subject, body {html, text}, attachments,
 * the custom `headers` [{name, value}] as given (List-Unsubscribe, In-Reply-To…), and
 * `at` (epoch seconds). It ignores ConfigurationSetName and EmailTags.
 *
 * Its store is a module-level singleton: two servers in one process share one store.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSesEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
  /** Custom headers of Simple content, in the order sent; absent when none were sent. */
  headers?: { name: string; value: string }[];
  /** Epoch seconds. */
  at: number;
}

export interface LocalSesServer {
  /** e.g. `http://127.0.0.1:41234`: the SESv2Client `endpoint`. */
  url: string;
  port: number;
  /** Sent emails, oldest first; `since` (epoch seconds) keeps only later ones. */
  fetchStore(options?: { since?: number }): Promise<LocalSesEmail[]>;
  /** Empties the (process-wide) store. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class LocalSesError extends Error {
  override name = 'LocalSesError';
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

export async function startLocalSes(options: { port?: number; host?: string } = {}): Promise<LocalSesServer> {
  const module = (await import('aws-ses-v2-local')) as unknown as { default: StartServer | { default: StartServer } };
  // Node's CommonJS interop hands over `module.exports` as the default export, so the
  // compiled `exports.default` sits one level deeper than TypeScript's types suggest.
  const start = typeof module.default === 'function' ? module.default : module.default.default;
  const host = options.host ?? '127.0.0.1';
  const server = await start({ host, port: options.port ?? 0 });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    async fetchStore({ since } = {}) {
      const response = await fetch(`${url}/store${since !== undefined ? `?since=${since}` : ''}`);
      if (!response.ok) throw new LocalSesError(`GET /store answered ${response.status}`);
      const store = (await response.json()) as { emails: LocalSesEmail[] };
      return store.emails;
    },
    async clear() {
      const response = await fetch(`${url}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new LocalSesError(`POST /clear-store answered ${response.status}`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
