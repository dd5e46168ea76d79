/**
 * The web console as the embedded runtime serves it: `GET /console/config.json` (where the
 * console finds the API and the sign-in endpoints), and the built app from `web/dist` at
 * `/console/` (any path without a file extension answers `index.html`, so the app's own
 * routes survive a reload). Without a build, a one-line page says how to make one.
 *
 * Every answer carries a strict Content-Security-Policy: no inline script or style, no
 * framing, connections to this origin only. The console keeps tokens in memory and
 * sessionStorage and sends them as `Authorization: Bearer`, never as cookies.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { ConsoleConfig } from '../contract/auth.js';

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export const NO_BUILD_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Followup console</title><p>The console is not built yet: run npm run build:console, then reload.</p>\n';

export interface ConsoleAssetsOptions {
  /** The built console (`web/dist`). */
  dir: string;
  /** The configuration for a browser that reached the runtime at `origin`. */
  config(origin: string): ConsoleConfig;
}

/** Answers `/console` and everything under `/console/`; false for any other path. */
export function createConsoleAssets(options: ConsoleAssetsOptions) {
  return async function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, origin: string): Promise<boolean> {
    if (path !== '/console' && !path.startsWith('/console/')) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' }).end('{"error":"Method Not Allowed"}');
      return true;
    }
    if (path === '/console') {
      res.writeHead(301, { location: '/console/', ...SECURITY_HEADERS }).end();
      return true;
    }
    if (path === '/console/config.json') {
      send(res, method, 200, 'application/json; charset=utf-8', JSON.stringify(options.config(origin)), 'no-store');
      return true;
    }
    const relative = safeRelative(path.slice('/console/'.length));
    if (relative === undefined) {
      send(res, method, 404, 'text/plain; charset=utf-8', 'Not Found\n', 'no-store');
      return true;
    }
    const wantsFile = extname(relative) !== '' && relative !== 'index.html';
    const file = join(options.dir, wantsFile ? relative : 'index.html');
    const body = await readIfFile(file);
    if (body === undefined) {
      if (wantsFile) send(res, method, 404, 'text/plain; charset=utf-8', 'Not Found\n', 'no-store');
      else send(res, method, 200, 'text/html; charset=utf-8', NO_BUILD_PAGE, 'no-store');
      return true;
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Vite names built assets by content hash; index.html must always be fetched again.
    const cache = relative.startsWith(`assets${sep}`) || relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    send(res, method, 200, type, body, cache);
    return true;
  };
}

/** A path inside the console folder, or undefined for anything that would leave it. */
function safeRelative(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = normalize(decoded === '' ? 'index.html' : decoded);
  if (relative.startsWith('..') || relative.startsWith(sep) || relative.split(sep).some((part) => part === '..' || part.startsWith('.'))) {
    return undefined;
  }
  return relative;
}

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, method: string, status: number, type: string, body: string | Buffer, cache: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS });
  res.end(method === 'HEAD' ? undefined : body);
}
