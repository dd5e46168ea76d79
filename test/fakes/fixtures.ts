/** Loads a fixture from test/fixtures with `{{NAME}}` placeholders filled in. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The fixture's text with every `{{NAME}}` replaced; unknown placeholders throw. */
export function fixtureText(path: string, values: Record<string, string> = {}, escapeValue: (v: string) => string = (v) => v): string {
  const text = readFileSync(`${FIXTURES}${path}`, 'utf8');
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`fixture ${path}: no value for {{${name}}}`);
    return escapeValue(value);
  });
}

/** A JSON fixture; values are JSON-escaped into the string they stand in. */
export function jsonFixture<T = unknown>(path: string, values: Record<string, string> = {}): T {
  return JSON.parse(fixtureText(path, values, (v) => JSON.stringify(v).slice(1, -1))) as T;
}
