/**
 * Translates node:http requests into API Gateway HTTP API (payload 2.0) events and the
 * handlers' results back, so the embedded runtime serves the routes with the very
 * handlers the Lambdas run — authorizer included.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { RouteDefinition } from '../routes.js';

export interface MatchedRoute<T extends RouteDefinition = RouteDefinition> {
  route: T;
  pathParameters: Record<string, string>;
}

/** Finds the route for a method and path, as API Gateway would (`{name}` matches one segment). */
export function matchRoute<T extends RouteDefinition>(routes: readonly T[], method: string, path: string): MatchedRoute<T> | undefined {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    const [routeMethod, routePath = ''] = route.routeKey.split(' ');
    if (routeMethod !== method) continue;
    const pattern = routePath.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index] ?? '';
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (name) {
        pathParameters[name] = segment;
        return segment.length > 0;
      }
      return part === segment;
    });
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/** True when some route has this path under another method (405 rather than 404). */
export function pathExists(routes: readonly RouteDefinition[], path: string): boolean {
  return ['GET', 'POST', 'PUT', 'DELETE'].some((method) => matchRoute(routes, method, path));
}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  match: MatchedRoute,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] ? `${query[name]},${value}` : value;
  const now = new Date();
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: match.route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    // Bytes as they came (API Gateway base64-encodes bodies too): a handler decides the charset.
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

export function toAuthorizerEvent(event: APIGatewayProxyEventV2): APIGatewayRequestAuthorizerEventV2 {
  const authorization = event.headers.authorization;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:local:local/$default/${event.routeKey.replace(' ', '')}`,
    identitySource: authorization ? [authorization] : [],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: [],
    headers: event.headers as Record<string, string>,
    queryStringParameters: (event.queryStringParameters ?? {}) as Record<string, string>,
    requestContext: event.requestContext,
    pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
    stageVariables: {},
  } as APIGatewayRequestAuthorizerEventV2;
}

export function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string): void {
  if (typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
