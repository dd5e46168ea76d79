/**
 * The built console obeys the CSP the server sends (no inline script or style): every
 * script and stylesheet of index.html is a file, and no asset is inlined as a data: URL.
 * web/dist is built by the test run's global setup (test/browser/global-setup.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../../web/build.js';

describe('the console build', () => {
  it('has no inline script or style in index.html', async () => {
    const html = await readFile(join(CONSOLE_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toMatch(/<link rel="stylesheet"[^>]* href="\.\/assets\/[^"]+\.css"/);
  });

  it('is a production build: no preact/debug, no development JSX, no modulepreload polyfill', async () => {
    const assets = await readdir(join(CONSOLE_DIST, 'assets'));
    for (const file of assets.filter((name) => name.endsWith('.js'))) {
      const code = await readFile(join(CONSOLE_DIST, 'assets', file), 'utf8');
      expect(code, file).not.toContain('two or more children with the same key');
      expect(code, file).not.toContain('lineNumber:');
      expect(code, file).not.toContain('link[rel="modulepreload"]');
    }
  });
});
