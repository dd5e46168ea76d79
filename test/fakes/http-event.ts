/** API Gateway HTTP API (payload 2.0) events and a Lambda context for handler tests. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Principal } from '../../functions/domain/roles.js';

/** What the authorizer answers for the admin API key: API Gateway passes it on to the API. */
export const API_KEY_PRINCIPAL: Principal = { principal: 'apiKey', role: 'editor' };

export function httpEvent(input: {
  routeKey: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
  pathParameters?: Record<string, string>;
  /** The Host API Gateway saw (differs from the public URL behind a custom domain). */
  host?: string;
  /** The authorizer's context (`requestContext.authorizer.lambda`); default the API key's, `null` for none. */
  principal?: Principal | null;
}): APIGatewayProxyEventV2 {
  const principal = input.principal === undefined ? API_KEY_PRINCIPAL : input.principal;
  const [method] = input.routeKey.split(' ');
  const host = input.host ?? 'abc123.execute-api.us-east-1.amazonaws.com';
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString: input.query ?? '',
    headers: { host, ...Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) },
    ...(input.query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(input.query)) } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: host,
      domainPrefix: 'abc123',
      http: { method: method ?? 'GET', path: input.path, protocol: 'HTTP/1.1', sourceIp: '54.172.60.1', userAgent: 'TwilioProxy/1.1' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(principal ? { authorizer: { lambda: principal } } : {}),
    },
    ...(input.body !== undefined
      ? { body: input.base64 ? Buffer.from(input.body, 'utf8').toString('base64') : input.body }
      : {}),
    isBase64Encoded: input.base64 ?? false,
  };
}

export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;
