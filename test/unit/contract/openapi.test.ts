/**
 * The OpenAPI document (functions/contract/openapi.ts): it describes every route of the
 * table and nothing else, docs/openapi.json is what the code generates today, and every
 * example it shows is accepted by the schema the handler validates with.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import * as z from '../../../functions/zod.js';
import { API_VERSION, buildOpenApiDocument, exampleProblems, routesMissingFrom } from '../../../functions/contract/openapi.js';
import { ROUTE_SCHEMAS } from '../../../functions/contract/route-schemas.js';
import { OPENAPI_FILE, openApiFileText } from '../../../functions/local/write-openapi.js';
import { ROUTE_LIST } from '../../../functions/routes.js';

type Operation = { summary: string; 'x-followup-access': string; parameters?: { name: string; in: string }[]; operationId: string; requestBody?: unknown; security: unknown[] };
const document = buildOpenApiDocument() as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the package version', () => {
    expect(document.openapi).toBe('3.1.0');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(API_VERSION).toBe(pkg.version);
  });

  it('is a valid OpenAPI 3.1 document (the specification\'s own JSON Schema)', async () => {
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result.errors ?? []).slice(0, 2000)).toBe(true);
    // The validator does check: a parameter in no place OpenAPI knows is refused.
    const broken = structuredClone(document) as any;
    broken.paths['/inbox'].get.parameters[0].in = 'body';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("shows examples that the document's own JSON Schemas accept too, not only zod", () => {
    // What a client generator sees: the JSON Schema in the document, not the zod schema.
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    let checked = 0;
    for (const methods of Object.values(document.paths)) {
      for (const [method, op] of Object.entries(methods) as [string, any][]) {
        const bodies = [op.requestBody?.content, op.responses?.['200']?.content, op.responses?.['201']?.content];
        for (const content of bodies) {
          for (const [mediaType, media] of Object.entries((content ?? {}) as Record<string, { schema?: object; example?: unknown }>)) {
            if (media.example === undefined || !media.schema) continue;
            const validate = ajv.compile(media.schema);
            expect(validate(media.example), `${method} ${op.operationId} ${mediaType}: ${ajv.errorsText(validate.errors)}`).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('describes every route of the table, with its summary, access and path parameters', () => {
    expect(routesMissingFrom(document)).toEqual([]);
    for (const route of ROUTE_LIST) {
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      expect(operation.summary).toBe(route.summary);
      expect(operation['x-followup-access']).toBe(route.access);
      expect(operation.security.length > 0).toBe(route.admin);
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect((operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath);
    }
  });

  it('describes nothing the table does not have, and operation ids are unique', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(ROUTE_LIST.map((route) => route.routeKey).sort());
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('leaves answers open to new fields, and keeps strict request bodies closed', () => {
    const answers = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op: any) => op.responses));
    expect(JSON.stringify(answers)).not.toContain('"additionalProperties":false');
    const handled = (document.paths['/inbox/{id}/handled']!.post as any).requestBody.content['application/json'].schema;
    expect(handled.additionalProperties).toBe(false);
  });

  it('notices a route missing from a document', () => {
    const { ['/inbox']: _inbox, ...others } = document.paths;
    expect(routesMissingFrom({ paths: others })).toEqual(['GET /inbox']);
  });

  it('documents query parameters from the same schema the handler parses', () => {
    const names = (document.paths['/inbox']!.get!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(['kind', 'since', 'limit', 'cursor']);
  });

  it('shows only examples their schemas accept', () => {
    expect(exampleProblems()).toEqual([]);
    const examples = Object.values(ROUTE_SCHEMAS).flatMap((spec) => [...(spec.request ?? []), spec.response]).filter((body) => body.example !== undefined);
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it('refuses an example its schema would refuse, naming the route and the field', () => {
    const broken = {
      'POST /inbox/{id}/handled': { ...ROUTE_SCHEMAS['POST /inbox/{id}/handled'], request: [{ mediaType: 'application/json', schema: z.strictObject({ handled: z.boolean() }), example: { handled: 'yes' } }] },
    };
    expect(exampleProblems(broken)).toEqual([expect.stringMatching(/^POST \/inbox\/\{id\}\/handled request application\/json: handled: /)]);
  });

  it('is what docs/openapi.json holds (run `npm run openapi` after changing a route or a schema)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8') === openApiFileText(), 'docs/openapi.json is stale: run npm run openapi').toBe(true);
  });
});
