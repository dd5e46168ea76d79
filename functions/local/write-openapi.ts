/**
 * `npm run openapi`: writes the OpenAPI document (functions/contract/openapi.ts) to
 * docs/openapi.json, the file README links. test/unit/contract/openapi.test.ts fails
 * while the file differs from what the code generates, so run this after changing a
 * route or a contract schema.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOpenApiDocument } from '../contract/openapi.js';

export const OPENAPI_FILE = resolve(import.meta.dirname, '../../docs/openapi.json');

/** The file's exact text: two-space JSON and a final newline. */
export function openApiFileText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(OPENAPI_FILE, openApiFileText());
  console.log(`wrote ${OPENAPI_FILE}`);
}
