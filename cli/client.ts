/**
 * The CLI's HTTP client: one request at a time to `--url` / FOLLOWUP_URL with
 * `Authorization: Bearer $FOLLOWUP_API_KEY`, answers checked against the contract's zod
 * schemas (functions/contract), and every failure turned into ONE line a person can act
 * on (README "The followup CLI"): the server cannot be reached, the key is missing or
 * refused, the thing does not exist, a parameter is wrong (with its `field`).
 *
 * The same against `npm start` and a deployed stack: API Gateway and the embedded runtime
 * answer `{message}` for what the gateway refuses (no key: 401, a key the authorizer
 * denies: 403) and the API answers `{error, field?}`.
 */
import * as z from '../functions/zod.js';

/** A failure the CLI reports in one line and exits non-zero on. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** 1: the request failed; 2: the command line is wrong. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** An export of a large sequence takes a few seconds per part; nothing should take this long. */
const REQUEST_TIMEOUT_MS = 120_000;
/** Repeats of a request answered 429 or 503 (see retryDelayMs). */
const MAX_RETRIES = 3;

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Public routes need no key. */
  anonymous?: boolean;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = checkBaseUrl(options.baseUrl);
    this.apiKey = options.apiKey?.trim() || undefined;
  }

  /** A JSON answer, checked against its contract schema. */
  async json<T extends z.ZodMiniType>(method: string, path: string, schema: T, options: RequestOptions = {}): Promise<z.infer<T>> {
    const { response, text } = await this.send(method, path, options);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`${method} ${path}: the answer is not JSON (${response.headers.get('content-type') ?? 'no content type'}): is ${this.baseUrl} a Followup API?`);
    }
    const parsed = z.safeParse(schema, value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(`${method} ${path}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message}); is the server a different version of Followup?`);
    }
    // The answer as sent, not as parsed: parsing drops the fields a schema does not name,
    // and `--json` prints every field the API gave (answer schemas have no transforms).
    return value as z.infer<T>;
  }

  /** A text answer (CSV) with its headers. */
  async text(method: string, path: string, options: RequestOptions = {}): Promise<{ text: string; headers: Headers }> {
    const { response, text } = await this.send(method, path, options);
    return { text, headers: response.headers };
  }

  /**
   * The server's clock, from the Date header of `GET /health`: relative times (`--since 1d`)
   * count from it, so they mean the same against the embedded runtime's virtual clock.
   */
  async serverTime(): Promise<Date> {
    const { response } = await this.send('GET', '/health', { anonymous: true });
    const date = new Date(response.headers.get('date') ?? Number.NaN);
    return Number.isNaN(date.getTime()) ? new Date() : date;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<{ response: Response; text: string }> {
    if (!options.anonymous && !this.apiKey) {
      throw new CliError('FOLLOWUP_API_KEY is not set: export it with the admin API key (npm start prints it) or a user access token');
    }
    const url = new URL(path.replace(/^\//, ''), `${this.baseUrl}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json, text/csv;q=0.9' };
    if (!options.anonymous && this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        text = await response.text();
      } catch (error) {
        throw new CliError(this.unreachable(error));
      }
      const wait = retryDelayMs(response, attempt);
      if (wait !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      if (response.status >= 400) throw new CliError(this.failure(method, path, response, text));
      return { response, text };
    }
  }

  private unreachable(error: unknown): string {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return `cannot reach ${this.baseUrl} (${why}): is it running (npm start)? Set --url or FOLLOWUP_URL to the API's URL`;
  }

  private failure(method: string, path: string, response: Response, text: string): string {
    const { status } = response;
    const body = parseErrorBody(text);
    if (status === 401) {
      return `${this.baseUrl} refused the request (401 ${body.message ?? 'Unauthorized'}): set FOLLOWUP_API_KEY to the admin API key or a user access token`;
    }
    if (status === 403 && !body.error) {
      return `${this.baseUrl} refused FOLLOWUP_API_KEY (403 ${body.message ?? 'Forbidden'}): it is not this deployment's API key nor a valid user token`;
    }
    const message = oneLine(body.error ?? body.message ?? (text.trim() || response.statusText));
    const field = body.field && !message.includes(body.field) ? ` (field: ${body.field})` : '';
    if (status >= 500) return `${method} ${path} failed on the server (${status}): ${message}`;
    return `${message}${field} (${status})`;
  }
}

/**
 * How long to wait before asking again, or undefined to answer now. Only for answers that
 * say the request was not carried out and may be repeated: 429 (a route's throttle) and
 * 503 (the embedded runtime still starting), as their Retry-After says, a few times. Every
 * change the CLI makes is idempotent (publishing the same content, stopping, enrolling the
 * same rows), so a repeat never doubles anything.
 */
function retryDelayMs(response: Response, attempt: number): number | undefined {
  if ((response.status !== 429 && response.status !== 503) || attempt > MAX_RETRIES) return undefined;
  const header = response.headers.get('retry-after');
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 10) * 1000 : 1000 * attempt;
}

function parseErrorBody(text: string): { error?: string; message?: string; field?: string } {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') {
      const { error, message, field } = value as Record<string, unknown>;
      return {
        ...(typeof error === 'string' ? { error } : {}),
        ...(typeof message === 'string' ? { message } : {}),
        ...(typeof field === 'string' ? { field } : {}),
      };
    }
  } catch {
    // not JSON: the text itself is the message
  }
  return {};
}

/** Errors are one line: a multi-line server message (a sequence's problems) is joined. */
export function oneLine(text: string, max = 2000): string {
  const joined = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
  return joined.length > max ? `${joined.slice(0, max)}…` : joined;
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`--url ${JSON.stringify(value)} is not a URL; expected e.g. ${DEFAULT_URL}`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url ${JSON.stringify(value)} is not an http(s) URL`, 2);
  return url.toString().replace(/\/+$/, '');
}
