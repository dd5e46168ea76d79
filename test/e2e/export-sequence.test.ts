/**
 * `npm run export:sequence`: a version published through the API (as the console does)
 * written back as files publishes as the very same content, so the next `npm start` on
 * those files is a no-op.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSequenceFromDirectory } from '../../functions/adapters/sequence-files.js';
import { sequenceFiles } from '../../functions/domain/sequence-export.js';
import { startTestRuntime, TEST_API_KEY, type TestRuntime } from '../support/local-runtime.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SEQUENCE = 'inbound-lead-follow-up';

let t: TestRuntime;
let base: string;
/** Named after the sequence, as a folder under templates/ is. */
let out: string;
beforeAll(async () => {
  t = await startTestRuntime();
  base = await mkdtemp(join(tmpdir(), 'followup-export-'));
  out = join(base, SEQUENCE);
});
afterAll(async () => {
  await t.close();
  await rm(base, { recursive: true, force: true });
});

const exportSequence = (...args: string[]) =>
  run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'functions/local/export-sequence.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FOLLOWUP_URL: t.url, FOLLOWUP_API_KEY: TEST_API_KEY },
  });

describe('export:sequence', () => {
  it('writes the current version as files that publish as the same content', async () => {
    const current = (await t.request('GET', `/sequences/${SEQUENCE}`)).body.sequence;
    const files = sequenceFiles(current);
    files.templates['02-check-in.sms.liquid'] = 'Hi {{ prospect.firstName | default: "there" }}, a new check-in from the console.\n';
    const published = await t.request('PUT', `/sequences/${SEQUENCE}`, { body: { definition: files.definition, templates: files.templates } });
    expect(published.status).toBe(201);
    expect(published.body.sequence.version).toBe(2);

    const { stdout } = await exportSequence(SEQUENCE, '--out', out);
    expect(stdout).toContain(`Wrote version 2 of ${SEQUENCE}`);
    expect(await readFile(join(out, '02-check-in.sms.liquid'), 'utf8')).toContain('a new check-in from the console');
    const reloaded = await loadSequenceFromDirectory(out);
    expect(reloaded.hash).toBe(published.body.sequence.hash);
    // Publishing the exported files is a no-op, as the next npm start on them is.
    const exported = {
      definition: parse(await readFile(join(out, 'sequence.yaml'), 'utf8')),
      templates: Object.fromEntries(await Promise.all(Object.keys(files.templates).map(async (name) => [name, await readFile(join(out, name), 'utf8')]))),
    };
    const again = await t.request('PUT', `/sequences/${SEQUENCE}`, { body: exported });
    expect(again.body).toMatchObject({ created: false, sequence: { version: 2 } });
  });

  it('overwrites nothing without --force, and names what is missing', async () => {
    await expect(exportSequence(SEQUENCE, '--out', out)).rejects.toMatchObject({ stderr: expect.stringContaining('exists; pass --force') });
    await expect(exportSequence('no-such-sequence', '--out', join(base, 'x'))).rejects.toMatchObject({ stderr: expect.stringContaining('404') });
    const { stdout } = await exportSequence(SEQUENCE, '--out', out, '--force');
    expect(stdout).toContain('Wrote version 2');
  });
});
