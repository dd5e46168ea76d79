/**
 * A fuzz corpus kept as a test: several hundred malformed enrollment bodies, generated
 * deterministically from a seed (no committed file), sent over HTTP to the embedded
 * runtime. No answer is a 5xx, every 4xx says why in `error`, every invalid row's
 * reason names the field (or the line), and a rejected body changes nothing: the
 * sequence's stats stay the same and the prospect it would have created does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prospectIdFor } from '../../functions/domain/prospect-input.js';
import { startTestRuntime, TEST_API_KEY, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';
const SEED = 0x5eed_2026;

interface FuzzCase {
  name: string;
  contentType: string;
  body: Uint8Array;
  query?: string;
  /** An address the body carries: if the body is rejected, no prospect with it may exist. */
  canary: string;
}

/** mulberry32: small, seedable, good enough to pick shapes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus(): FuzzCase[] {
  const next = random(SEED);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const int = (max: number) => Math.floor(next() * max);
  const cases: FuzzCase[] = [];
  let n = 0;
  const canary = () => `fuzz-${++n}@example.com`;
  const json = (name: string, make: (email: string) => string | Uint8Array) => {
    const email = canary();
    const body = make(email);
    cases.push({ name, contentType: 'application/json', body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, canary: email });
  };
  const csv = (name: string, make: (email: string) => string | Uint8Array, contentType = 'text/csv', query?: string) => {
    const email = canary();
    const body = make(email);
    cases.push({ name, contentType, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, canary: email, ...(query ? { query } : {}) });
  };

  const prototypeNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];
  const weirdValues: unknown[] = [
    // biome-ignore lint/correctness/noPrecisionLoss: a number a JSON client may send, precision lost on purpose
    null, true, false, 0, -1, 1e308, 12345678901234567890, [], [1, 2], {}, { nested: { deeper: 1 } }, '', ' ', '\u0000',
    '\u202e', '💥'.repeat(50), 'x'.repeat(10_000), '\r\n', '=cmd|calc', '<script>alert(1)</script>', 'NaN', 'undefined',
  ];
  const fields = ['email', 'phone', 'firstName', 'lastName', 'company', 'timezone', 'country', 'attributes'];

  // --- JSON: the body's shape is wrong -----------------------------------------------------
  for (const value of ['', 'null', 'true', '42', '"text"', '[]', '{}', '{"prospects":null}', '{"prospects":{}}', '{"prospects":"a"}', '{"prospects":[]}', '{"prospects":42}']) {
    json(`json body ${value}`, (email) => (value === '' ? '' : value.replace('"text"', JSON.stringify(email))));
  }
  json('truncated JSON', (email) => `{"prospects":[{"email":"${email}"`);
  json('trailing garbage', (email) => `{"prospects":[{"email":"${email}"}]} trailing`);
  json('single quotes', (email) => `{'prospects':[{'email':'${email}'}]}`);
  json('invalid UTF-8 in JSON', (email) => Buffer.concat([Buffer.from(`{"prospects":[{"email":"${email}","firstName":"`), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}]}')]));
  json('lone surrogate escape', (email) => `{"prospects":[{"email":"x${email}","firstName":"\\ud800"}]}`);
  json('deep nesting in a row', (email) => `{"prospects":[{"email":"x${email}","attributes":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`);
  json('deep nesting of arrays', (email) => `{"prospects":${'['.repeat(10_000)}"${email}"${']'.repeat(10_000)}}`);
  json('columns not an object', (email) => JSON.stringify({ columns: 'email', prospects: [{ email }] }));
  json('columns names an unknown field', (email) => JSON.stringify({ columns: { mail: 'e-mail' }, prospects: [{ mail: email }] }));
  json('columns with a prototype name', (email) => `{"columns":{"__proto__":"email","constructor":"nope"},"prospects":[{"email":"${email}"}]}`);
  json('columns with a non-string target', (email) => JSON.stringify({ columns: { mail: 42 }, prospects: [{ mail: email }] }));

  // --- JSON: rows with wrong types, huge strings, prototype names, control characters -------
  for (let i = 0; i < 70; i++) {
    json(`json rows #${i}`, (email) => {
      const rows: unknown[] = [];
      for (let r = 0; r < 1 + int(4); r++) {
        const shape = int(8);
        if (shape === 0) rows.push(pick(weirdValues));
        else if (shape === 1) rows.push([email, 'Ada']);
        else {
          const row: Record<string, unknown> = {};
          for (let f = 0; f < 1 + int(5); f++) row[pick([...fields, ...prototypeNames])] = pick(weirdValues);
          if (shape === 2) Object.defineProperty(row, pick(prototypeNames), { value: pick(weirdValues), enumerable: true });
          if (shape === 3) row.attributes = Object.fromEntries(prototypeNames.map((name) => [name, pick(weirdValues)]));
          if (shape === 4) row.email = pick([123, 4.5, true, ['a@example.com'], { email }, `${'a'.repeat(10_000)}@example.com`, `${email}\u0000`, `${email}@`]);
          rows.push(row);
        }
      }
      // Each body also carries the canary in a field that cannot be valid on its own.
      rows.push({ email: `${email.replace('@', '@@')}`, phone: 'not a phone' });
      return `{"prospects":${JSON.stringify(rows)}}`;
    });
  }
  json('10,000 attributes', (email) => JSON.stringify({ prospects: [{ email: `x${email}`, attributes: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`a${i}`, i])) }] }));
  json('a number as the email, a huge name', (email) => JSON.stringify({ prospects: [{ email: 4155550123, firstName: 'n'.repeat(200_000), company: email }] }));
  json('prototype keys at every level', (email) => `{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"prospects":[{"__proto__":{"email":"${email}"},"constructor":"c"}]}`);
  json('control characters in every field', (email) => JSON.stringify({ prospects: [{ email: `\u0001${email}`, phone: '\u0007+14155550123\u0008', firstName: '\u001b[31mred', timezone: 'America/New_York\u0000', country: 'U\u0000S' }] }));

  // --- CSV: quotes, line ends, encodings, headers, sizes ----------------------------------
  csv('empty CSV', () => '');
  csv('only blank lines', () => '\n\n\r\n\r');
  csv('header only, no address column', (email) => `name,company\n${email},x\n`);
  csv('duplicate header', (email) => `email,email\n${email},${email}\n`);
  csv('two aliases of one field', (email) => `Email,E-mail,Work Email\n${email},${email},${email}\n`);
  csv('duplicate header names after trimming', (email) => `email, email \n${email},${email}\n`);
  csv('header with an unclosed quote', (email) => `"email,phone\n${email},+14155550123\n`);
  csv('header made of quotes', (email) => `"""","""""\n${email},x\n`);
  csv('unknown charset', (email) => `email\n${email}\n`, 'text/csv; charset=ebcdic-klingon');
  csv('charset with an empty value', (email) => `email\nx${email}\n`, 'text/csv; charset=');
  csv('utf-8 charset with 1252 bytes', (email) => Buffer.from(`email,name\n${email},Ren\xe9e\n`, 'latin1'), 'text/csv; charset=utf-8');
  csv('mapping is not JSON', (email) => `mail\n${email}\n`, 'text/csv', '?columns=%7Bnot-json');
  csv('mapping names an unknown field', (email) => `mail\n${email}\n`, 'text/csv', `?columns=${encodeURIComponent('{"mail":"emailaddress"}')}`);
  csv('mapping is an array', (email) => `mail\n${email}\n`, 'text/csv', `?columns=${encodeURIComponent('["email"]')}`);
  csv('unsupported content type', (email) => `email\n${email}\n`, 'text/tab-separated-values');
  csv('xml content type', (email) => `<prospects><email>${email}</email></prospects>`, 'application/xml');
  for (let i = 0; i < 80; i++) {
    csv(`csv rows #${i}`, (email) => {
      const header = ['email', 'phone', pick(['first name', 'Company', 'TZ', 'Country', ...prototypeNames]), pick(['notes', ...prototypeNames, 'x'.repeat(300)])];
      const uniqueHeader = [...new Set(header)];
      const lines = [uniqueHeader.join(pick([',', ',']))];
      for (let r = 0; r < 1 + int(6); r++) {
        const cells = uniqueHeader.map(() =>
          pick([
            '',
            'plain',
            '5" floppy',
            '"unclosed',
            '"quoted, with comma"',
            '"with ""escaped"" quotes"',
            '"multi\nline"',
            'a'.repeat(10_000),
            `${'b'.repeat(10_000)}@example.com`,
            '\u0000\u0001\u0002',
            '+1 415 555 0123',
            '07400 123456',
            'Mars/Olympus',
            '=HYPERLINK("x")',
            '\t',
            '😀',
          ]),
        );
        if (int(4) === 0) cells.push('extra');
        if (int(5) === 0) cells.pop();
        lines.push(cells.join(','));
      }
      lines.push(`"${email}`); // A never-closed quote holding the canary: it must not become a prospect.
      const text = lines.join(pick(['\n', '\r\n', '\r']));
      const encoding = int(6);
      if (encoding === 0) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      if (encoding === 1) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
      if (encoding === 2) return Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
      return text;
    });
  }
  csv('random bytes', (email) => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
    return Buffer.concat([Buffer.from('email\n'), bytes, Buffer.from(`\n"${email}`)]);
  });
  csv('NUL bytes everywhere', (email) => `e\u0000mail,phone\n${email.replace('@', '\u0000@')},\u0000\n`);
  csv('500 columns', (email) => `email,${Array.from({ length: 499 }, (_, i) => `c${i}`).join(',')}\n"${email}\n`);
  csv('a 10,000-character email', (email) => `email\n${'a'.repeat(10_000)}${email}\n`);
  csv('numbers as emails', (email) => `email,phone\n12345,${email}\n4.5e10,-1\n`);
  csv('a BOM in the middle', (email) => `email\n\uFEFF${email.replace('@', '\uFEFF@')}\n`);
  csv('UTF-16 BE without BOM', (email) => Buffer.from(`email\n${email}`, 'utf16le').swap16());
  csv('only a quote', () => '"');
  csv('every line an unclosed quote', (email) => `email,name\n${Array.from({ length: 200 }, (_, i) => `"u${i}${email.replace('@', '')},x`).join('\n')}\n`);
  return cases;
}

let app: TestRuntime;
beforeAll(async () => {
  app = await startTestRuntime();
});
afterAll(async () => app?.close());

async function post(c: FuzzCase) {
  const response = await fetch(`${app.url}/sequences/${SEQUENCE}/enrollments${c.query ?? ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': c.contentType },
    body: c.body,
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

describe('fuzzed enrollment bodies', () => {
  const cases = corpus();

  it('has at least 200 cases, each with its own canary', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.canary)).size).toBe(cases.length);
  });

  it('never answers 5xx; every 4xx explains itself and changes nothing; every invalid row names the field', { timeout: 240_000 }, async () => {
    const failures: string[] = [];
    let rejected = 0;
    let stats = (await app.request('GET', `/sequences/${SEQUENCE}/stats`)).text;
    for (const c of cases) {
      const response = await post(c);
      if (response.status >= 500) {
        failures.push(`${c.name}: ${response.status} ${response.text.slice(0, 200)}`);
        continue;
      }
      if (response.status >= 400) {
        rejected += 1;
        if (typeof response.body?.error !== 'string' || response.body.error.trim() === '') {
          failures.push(`${c.name}: ${response.status} without an error message: ${response.text.slice(0, 200)}`);
        }
        const after = (await app.request('GET', `/sequences/${SEQUENCE}/stats`)).text;
        if (after !== stats) failures.push(`${c.name}: rejected with ${response.status} but the stats changed`);
        const lookup = await app.request('GET', `/prospects/${prospectIdFor({ email: c.canary })}`);
        if (lookup.status !== 404) failures.push(`${c.name}: rejected with ${response.status} but its prospect exists`);
        continue;
      }
      expect(response.status, c.name).toBe(200);
      for (const result of response.body.results as any[]) {
        if (!Number.isInteger(result.row) || result.row < 1) failures.push(`${c.name}: result without a row number`);
        if (result.status === 'invalid' && !/(email|phone|prospects\[\d+\]|line \d+)/.test(String(result.reason))) {
          failures.push(`${c.name}: row ${result.row} invalid without naming the field: ${String(result.reason).slice(0, 120)}`);
        }
      }
      // The canary is always in an unusable place: it never becomes a prospect.
      const lookup = await app.request('GET', `/prospects/${prospectIdFor({ email: c.canary })}`);
      if (lookup.status !== 404) failures.push(`${c.name}: the canary ${c.canary} became a prospect`);
      stats = (await app.request('GET', `/sequences/${SEQUENCE}/stats`)).text;
    }
    expect(failures).toEqual([]);
    // The corpus exercises both sides: bodies refused whole, and bodies read row by row.
    expect(rejected).toBeGreaterThan(20);
    expect(cases.length - rejected).toBeGreaterThan(100);
  });
});
