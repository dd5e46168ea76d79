/**
 * The official `twilio` client, created once per sender on its first use (the package is
 * large: every Twilio product, axios, its own agents; a Lambda that never calls Twilio
 * never loads it). Shared by the SMS sender and the voice caller.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type TwilioSDK from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Replaces `https://api.twilio.com` (the embedded runtime's local stub). */
  apiBaseUrl?: string;
}

/** In AWS the handler reads a Secrets Manager secret; locally it comes from config. */
export type TwilioCredentialsProvider = () => Promise<TwilioCredentials>;

export interface TwilioClientOptions {
  /** Per-request timeout. Twilio's default is 30 s, too long inside a queue worker. */
  requestTimeoutMs?: number;
}

export interface LoadedClient {
  client: TwilioSDK.Twilio;
}

/**
 * The headers of the HTTP response a request got, captured per request. Twilio's exceptions
 * carry status and body but not headers, and one client serves concurrent requests, so the
 * client's own `lastResponse` could belong to another one.
 */
export const responseContext = new AsyncLocalStorage<{ headers?: unknown }>();

export async function createTwilioClient(provider: TwilioCredentialsProvider, options: TwilioClientOptions): Promise<LoadedClient> {
  const [credentials, module] = await Promise.all([provider(), import('twilio')]);
  const twilio = module.default;

  class HeaderCapturingRequestClient extends twilio.RequestClient {
    override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const response = await super.request(opts);
      const context = responseContext.getStore();
      if (context) context.headers = response.headers;
      return response;
    }
  }

  const client = twilio(credentials.accountSid, credentials.authToken, {
    // The touch queue already retries with backoff and a DLQ; retrying 429s inside the
    // client as well would hold the worker for seconds and multiply attempts. Off is
    // also the client's default — stated here so nobody turns it on by accident.
    autoRetry: false,
    httpClient: new HeaderCapturingRequestClient({
      autoRetry: false,
      timeout: options.requestTimeoutMs ?? 10_000,
      keepAlive: true,
    }),
  });
  if (credentials.apiBaseUrl) {
    // Every Messages and Calls request resolves its URL against the `api` domain's baseUrl
    // at request time (Domain.absoluteUrl), so replacing it redirects the real client.
    client.api.baseUrl = credentials.apiBaseUrl;
  }
  return { client };
}
