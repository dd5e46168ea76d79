/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route table
 * (functions/routes.ts: paths, methods, access, summaries, path id kinds) and the
 * contract's zod schemas (route-schemas.ts) through zod's own JSON Schema output: no
 * second, hand-written description that could drift from what the handlers validate.
 * `GET /openapi.json` answers it; `npm run openapi` writes it to docs/openapi.json.
 * Deterministic (no time, no host), so the file in the repository can be compared with
 * what the code generates.
 */
import * as z from '../zod.js';
import { ID_RULES } from '../domain/ids.js';
import { needsAuthorizer, ROUTE_LIST, type RouteDefinition } from '../routes.js';
import { errorBody } from './common.js';
import { ROUTE_SCHEMAS, type BodySpec, type RouteSchemas } from './route-schemas.js';

type JsonSchema = Record<string, unknown>;

export const OPENAPI_VERSION = '3.1.0';
/**
 * The document's `info.version`: the package's version (a test keeps them equal). A
 * constant, not read from package.json, so the Lambda bundle and the file agree.
 */
export const API_VERSION = '0.1.0';

/**
 * A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Requests are described as the
 * handler reads them (`io: 'input'`: a defaulted field is optional), answers as written.
 */
export function jsonSchemaOf(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // zod closes every object of an answer (`additionalProperties: false`); answers gain
    // fields as the API grows, and a client that refused them would break on each release.
    ...(io === 'output'
      ? {
          override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
            if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
          },
        }
      : {}),
  }) as JsonSchema;
  return rest;
}

function content(body: BodySpec, io: 'input' | 'output'): Record<string, unknown> {
  return {
    [body.mediaType]: {
      ...(body.schema ? { schema: jsonSchemaOf(body.schema, io) } : {}),
      ...(body.example !== undefined ? { example: body.example } : {}),
    },
  };
}

const errorContent = { 'application/json': { schema: jsonSchemaOf(errorBody, 'output') } };
const error = (description: string) => ({ description, content: errorContent });

function parameters(route: RouteDefinition, schemas: RouteSchemas): unknown[] {
  const path = Object.entries(route.params ?? {}).map(([name, kind]) => ({
    name,
    in: 'path',
    required: true,
    description: ID_RULES[kind].expected,
    schema: { type: 'string' },
  }));
  if (!schemas.query) return path;
  const query = jsonSchemaOf(schemas.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return [
    ...path,
    ...Object.entries(query.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: query.required?.includes(name) ?? false,
      schema,
    })),
  ];
}

function responses(route: RouteDefinition, schemas: RouteSchemas, hasParams: boolean): Record<string, unknown> {
  const success = schemas.response;
  const csvHeaders =
    success.mediaType === 'text/csv'
      ? {
          headers: {
            'X-Next-Cursor': { description: 'Present when the export stopped at a page boundary: ask again with ?cursor= and append', schema: { type: 'string' } },
            Link: { description: '`<…?cursor=…>; rel="next"`, the same continuation as a URL', schema: { type: 'string' } },
          },
        }
      : {};
  const all: Record<string, unknown> = {
    [String(success.status)]: { description: success.description, ...csvHeaders, content: content(success, 'output') },
  };
  if (hasParams || schemas.query || schemas.request) all['400'] = error('A malformed parameter or body; `field` names it');
  if (needsAuthorizer(route.access)) {
    all['401'] = error('No or an invalid bearer token');
    all['403'] = error('The caller lacks the role this route needs');
  }
  if (route.access === 'signed') all['403'] = error('The X-Twilio-Signature does not verify');
  if (hasParams) all['404'] = error('No such resource');
  for (const [status, description] of Object.entries(schemas.errors ?? {})) all[status] = error(description);
  return all;
}

function operation(route: RouteDefinition): Record<string, unknown> {
  const schemas = ROUTE_SCHEMAS[route.routeKey];
  const params = parameters(route, schemas);
  const hasParams = params.some((param) => (param as { in: string }).in === 'path');
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.path.split('/')[1] ?? 'api'],
    'x-followup-access': route.access,
    ...(needsAuthorizer(route.access) ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(schemas.request
      ? {
          requestBody: {
            required: !schemas.requestOptional,
            content: Object.assign({}, ...schemas.request.map((body) => content(body, 'input'))),
          },
        }
      : {}),
    responses: responses(route, schemas, hasParams),
  };
}

/** `GET /sequences/{id}/enrollments.csv` → `getSequencesIdEnrollmentsCsv`. */
export function operationId(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  const words = route.path
    .split(/[/.{}-]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return route.method.toLowerCase() + words.join('');
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTE_LIST) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Followup',
      version: API_VERSION,
      description:
        'Multi-channel follow-up sequences. `viewer` routes read, `editor` routes change state (`x-followup-access`); both take `Authorization: Bearer <admin API key or a signed-in user access token>`. Errors are `{error, field?}`. Generated from the route table and the zod schemas the handlers validate with.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The admin API key (role editor), or a user access token (role from its groups)' },
      },
    },
  };
}

/** Route keys of the table that a document does not describe (empty for a complete one). */
export function routesMissingFrom(document: { paths?: Record<string, Record<string, unknown> | undefined> }): string[] {
  return ROUTE_LIST.filter((route) => !document.paths?.[route.path]?.[route.method.toLowerCase()]).map((route) => route.routeKey);
}

/** Every documented example its schema refuses, as `<route> <where>: <problem>` lines. */
export function exampleProblems(schemas: Readonly<Record<string, RouteSchemas>> = ROUTE_SCHEMAS): string[] {
  const problems: string[] = [];
  const check = (routeKey: string, where: string, body: BodySpec) => {
    if (body.example === undefined) return;
    if (!body.schema) {
      problems.push(`${routeKey} ${where}: an example without a schema to check it against`);
      return;
    }
    const parsed = z.safeParse(body.schema, body.example);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${routeKey} ${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  };
  for (const [routeKey, spec] of Object.entries(schemas)) {
    for (const body of spec.request ?? []) check(routeKey, `request ${body.mediaType}`, body);
    check(routeKey, `response ${spec.response.status}`, spec.response);
  }
  return problems;
}
