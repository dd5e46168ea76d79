/**
 * The names the embedded runtime answers to: 127.0.0.1:<port>, localhost:<port> and the
 * host of FOLLOWUP_PUBLIC_URL. A DNS-rebinding page reaches 127.0.0.1 under its own name,
 * so every route that is not for the outside world (the dev routes, the sign-in endpoints,
 * the console's configuration) refuses any other Host.
 */
import type { IncomingMessage } from 'node:http';

export interface OwnHosts {
  /** `host[:port]` values accepted in a Host header, lower-case. */
  readonly hosts: ReadonlySet<string>;
  /** Origins accepted in an Origin header. */
  readonly origins: ReadonlySet<string>;
  /** The request's Host, if it is one of ours (lower-case), else undefined. */
  hostOf(req: IncomingMessage): string | undefined;
  /** The origin the request was made to (`http://<host>`), if its Host is ours. */
  originOf(req: IncomingMessage): string | undefined;
}

export function ownHosts(ownOrigins: readonly string[]): OwnHosts {
  const hosts = new Set(ownOrigins.flatMap(hostsOf));
  const origins = new Set(ownOrigins.map((origin) => new URL(origin).origin));
  // Host (as sent) → the origin it belongs to, so an answer can name URLs the browser can reach.
  const originByHost = new Map<string, string>();
  for (const origin of ownOrigins) for (const host of hostsOf(origin)) if (!originByHost.has(host)) originByHost.set(host, new URL(origin).origin);
  const hostOf = (req: IncomingMessage) => {
    const host = (req.headers.host ?? '').trim().toLowerCase();
    return hosts.has(host) ? host : undefined;
  };
  return {
    hosts,
    origins,
    hostOf,
    originOf: (req) => {
      const host = hostOf(req);
      return host ? originByHost.get(host) : undefined;
    },
  };
}

/** `http://127.0.0.1:3000` → `127.0.0.1:3000`; `https://dev.example` → `dev.example` and `dev.example:443`. */
export function hostsOf(origin: string): string[] {
  const url = new URL(origin);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return [url.host.toLowerCase(), `${url.hostname.toLowerCase()}:${url.port || defaultPort}`];
}
