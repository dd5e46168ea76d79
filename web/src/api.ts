/**
 * The console's one way to the API: JSON (or CSV) with the signed-in user's token as
 * `Authorization: Bearer`. Every non-2xx answer becomes an ApiError carrying the API's
 * `{error, field, details}`, so a page can show the message next to the field it names.
 */
import type { ErrorBody } from '../../functions/contract/common.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON unless `contentType` says otherwise (then sent as is). */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Answer `{text, headers}` (CSV exports), not parsed JSON. */
  raw?: boolean;
}

/** Where requests get the user's token (auth.ts's SessionKeeper): fresh, or refreshed after a 401. */
export interface TokenSource {
  token(forceRefresh?: boolean): Promise<string | undefined>;
}

export type Api = <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: RequestOptions) => Promise<T>;

function messageOf(status: number, body: Partial<ErrorBody> & { message?: string }): string {
  if (typeof body.error === 'string' && body.error) return body.error;
  if (typeof body.message === 'string' && body.message) return body.message;
  if (status === 401) return 'your session has ended; sign in again';
  if (status === 403) return 'you may not do this';
  if (status === 404) return 'not found';
  return `the API answered ${status}`;
}

export function createApi(baseUrl: string, keeper: TokenSource): Api {
  return async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), `${baseUrl.replace(/\/$/, '')}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    const send = async (forceRefresh: boolean) => {
      const token = await keeper.token(forceRefresh);
      if (!token) throw new ApiError(401, 'your session has ended; sign in again');
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        body = options.contentType && typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      }
      return fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    };
    let response: Response;
    try {
      response = await send(false);
      // An expired token: refresh once and try again.
      if (response.status === 401) response = await send(true);
    } catch (error) {
      if (error instanceof ApiError || (error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, `the API could not be reached (${(error as Error).message})`);
    }
    const text = await response.text();
    if (response.ok && options.raw) return { text, headers: response.headers } as T;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const body = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<ErrorBody> & { message?: string };
      throw new ApiError(response.status, messageOf(response.status, body), typeof body.field === 'string' ? body.field : undefined, body.details);
    }
    return parsed as T;
  };
}
