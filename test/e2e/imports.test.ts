/**
 * Import jobs through the embedded runtime, over HTTP only, as the CLI and the console use
 * them: POST /imports, PUT the file to the upload URL, follow GET /imports/{id}, read
 * results.csv, cancel; a restart with --data-dir resumes a job half done; the encodings of
 * Excel exports; per-file errors; the small route's 413 naming /imports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';

async function startImport(app: TestRuntime, file: string | Uint8Array, body: Record<string, unknown> = {}) {
  const created = await app.request('POST', '/imports', { body: { sequenceId: SEQUENCE, ...body } });
  expect(created.status, created.text).toBe(201);
  const { importId, uploadUrl } = created.body as { importId: string; uploadUrl: string };
  const put = await fetch(uploadUrl, { method: 'PUT', body: file });
  expect(put.status, await put.clone().text()).toBe(200);
  return importId;
}

async function finished(app: TestRuntime, importId: string) {
  await app.runtime.imports.queue.idle();
  const status = await app.request('GET', `/imports/${importId}`);
  expect(status.status).toBe(200);
  return status.body;
}

/** Every page of results.csv (following X-Next-Cursor), as lines without the header. */
async function results(app: TestRuntime, importId: string): Promise<string[][]> {
  const lines: string[][] = [];
  let path: string | undefined = `/imports/${importId}/results.csv`;
  while (path) {
    const page = await app.request('GET', path);
    expect(page.status).toBe(200);
    const rows = page.text.split('\r\n').filter(Boolean).map((line) => line.split(','));
    lines.push(...(lines.length === 0 && !path.includes('cursor=') ? rows.slice(1) : rows));
    const next = page.headers.get('x-next-cursor');
    path = next ? `/imports/${importId}/results.csv?cursor=${next}` : undefined;
  }
  return lines;
}

function leads(count: number, domain = 'example.org'): string {
  const rows = Array.from({ length: count }, (_, i) => `lead${i + 1}@${domain},Lead ${i + 1},America/Chicago`);
  return `Work Email,First Name,Time Zone\n${rows.join('\n')}\n`;
}

describe('import jobs on npm start', () => {
  let app: TestRuntime;
  beforeAll(async () => {
    app = await startTestRuntime({ imports: { chunkRows: 7, concurrency: 2 } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('enrolls a file chunk by chunk with the results the small route gives for the same rows', async () => {
    const file = [
      'Email,First Name,Mobile',
      'ada@example.com,Ada,+14155550123',
      'bad-address,Bob,',
      '',
      'grace@example.org,Grace,',
      '"broken,quote,',
      'ada@example.com,Ada again,',
      ...Array.from({ length: 20 }, (_, i) => `p${i}@example.net,P${i},`),
    ].join('\n');
    const importId = await startImport(app, `${file}\n`);
    const status = await finished(app, importId);
    expect(status).toMatchObject({ id: importId, sequenceId: SEQUENCE, status: 'done', rowsRead: 26, enrolled: 22, skipped: 1, invalid: 2, totalChunks: 4, chunksDone: 4, etaSeconds: 0 });
    expect(status.rowsPerSecond).toBeGreaterThan(0);
    expect(status.topReasons.map((r: { reason: string }) => r.reason)).toContain('duplicate of row N in this import');

    const lines = await results(app, importId);
    expect(lines.map((l) => Number(l[0]))).toEqual([1, 2, 4, 5, 6, ...Array.from({ length: 20 }, (_, i) => i + 7)]);
    // The same rows through POST /sequences/{id}/enrollments (other addresses and phone, so nobody is enrolled yet).
    const other = file.replace(/@example/g, '@small.example').replace('+14155550123', '+14155550199');
    const small = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: other, contentType: 'text/csv' });
    expect(small.status).toBe(200);
    const expected = (small.body.results as { row: number; status: string; reason?: string }[]).map((r) => [r.row, r.status, r.status === 'invalid' ? r.reason : undefined]);
    const byRow = new Map(lines.map((l) => [Number(l[0]), l]));
    for (const [row, status, reason] of expected) {
      expect(byRow.get(row as number)?.[1], `row ${row}`).toBe(status === 'skipped' ? 'skipped' : status);
      if (reason) expect(byRow.get(row as number)?.join(','), `row ${row}`).toContain(String(reason).slice(0, 30).replace(/"/g, '""'));
    }
  });

  it('reads UTF-16 with a byte-order mark, UTF-8 with one, and Windows-1252 from Excel alike', async () => {
    const text = 'Email,First Name\nzoe@example.com,Zoë\nrene@example.com,René\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace('zoe', 'zoe16').replace('rene', 'rene16'), 'utf16le')]);
    const utf8Bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace('zoe', 'zoe8').replace('rene', 'rene8'), 'utf8')]);
    const cp1252 = Buffer.from(text.replace('zoe', 'zoe1252').replace('rene', 'rene1252'), 'latin1');
    for (const [file, encoding] of [[utf16, 'utf-16le'], [utf8Bom, 'utf-8'], [cp1252, 'windows-1252']] as const) {
      const importId = await startImport(app, file);
      const status = await finished(app, importId);
      expect(status, encoding).toMatchObject({ status: 'done', enrolled: 2, invalid: 0 });
      const [first] = await results(app, importId);
      const prospect = await app.request('GET', `/prospects/${first?.[3]}`);
      expect(prospect.body.prospect.firstName, encoding).toBe('Zoë');
    }
  });

  it('fails a file whose header names no address, or that is empty, with that reason and nobody enrolled', async () => {
    const noAddress = await startImport(app, 'Name,Company\nAda,Engines\n');
    expect(await finished(app, noAddress)).toMatchObject({ status: 'failed', rowsRead: 0, enrolled: 0, error: expect.stringMatching(/no email or phone column.*"Name", "Company"/) });
    const empty = await startImport(app, '\n\n');
    expect(await finished(app, empty)).toMatchObject({ status: 'failed', error: expect.stringMatching(/empty/) });
  });

  it('a dry run reads and checks every row and enrolls nobody', async () => {
    const importId = await startImport(app, 'email\ndry1@example.com\nnope\n', { dryRun: true });
    expect(await finished(app, importId)).toMatchObject({ status: 'done', dryRun: true, enrolled: 0, skipped: 1, invalid: 1 });
    const [valid] = await results(app, importId);
    const prospect = await app.request('GET', `/prospects/${valid?.[3]}`);
    expect(prospect.status).toBe(404);
  });

  it('answers clear errors: unknown sequence, bad mapping, unknown import, a viewer cannot start one, no key', async () => {
    expect((await app.request('POST', '/imports', { body: { sequenceId: 'no-such-sequence' } })).status).toBe(404);
    const mapping = await app.request('POST', '/imports', { body: { sequenceId: SEQUENCE, columns: { Mail: 'e-mail address' } } });
    expect(mapping.status).toBe(400);
    expect(mapping.body.error).toMatch(/columns/);
    const extra = await app.request('POST', '/imports', { body: { sequenceId: SEQUENCE, file: 'x' } });
    expect(extra).toMatchObject({ status: 400, body: { field: 'file' } });
    expect((await app.request('GET', `/imports/imp_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await app.request('GET', '/imports/123')).status).toBe(400);
    expect((await app.request('POST', '/imports', { body: { sequenceId: SEQUENCE }, apiKey: null })).status).toBe(401);
    const created = await app.request('POST', '/imports', { body: { sequenceId: SEQUENCE } });
    const tampered = created.body.uploadUrl.replace(/signature=./, 'signature=x');
    expect((await fetch(tampered, { method: 'PUT', body: 'email\na@example.com\n' })).status).toBe(403);
  });

  it('applies the mapping given at POST /imports', async () => {
    const importId = await startImport(app, 'Contact,Given\nmapped@example.com,Mia\n', { columns: { Contact: 'email', Given: 'firstName' } });
    expect(await finished(app, importId)).toMatchObject({ status: 'done', enrolled: 1 });
  });

  it('a cancelled import stops; what it enrolled stays and is listed', async () => {
    const slow = await startTestRuntime({ imports: { chunkRows: 5, concurrency: 1, capacity: 1 } });
    try {
      const importId = await startImport(slow, leads(400, 'cancel.example'));
      for (let i = 0; i < 200; i++) {
        if ((await slow.request('GET', `/imports/${importId}`)).body.chunksDone >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const cancelled = await slow.request('POST', `/imports/${importId}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      const after = await finished(slow, importId);
      expect(after.status).toBe('cancelled');
      expect(after.rowsRead).toBeLessThan(400);
      expect(after.enrolled).toBe(after.rowsRead);
      const lines = await results(slow, importId);
      expect(lines).toHaveLength(after.rowsRead);
      const enrolled = await slow.request('GET', `/prospects/${lines[0]?.[3]}`);
      expect(enrolled.body.enrollments[0].status).toBe('active');
      expect((await slow.request('POST', `/imports/${importId}/cancel`)).status).toBe(200);
      const done = await startImport(slow, 'email\nx@example.com\n');
      await finished(slow, done);
      expect((await slow.request('POST', `/imports/${done}/cancel`)).status).toBe(409);
    } finally {
      await slow.close();
    }
  });
});

describe('an import survives a restart with --data-dir', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'followup-import-restart-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stopped half way, started again: it resumes and every row gets exactly one result', async () => {
    const options = { dataDir, imports: { chunkRows: 10, concurrency: 1, capacity: 1 } };
    const first = await startTestRuntime(options);
    const importId = await startImport(first, leads(300, 'restart.example'));
    for (let i = 0; i < 200; i++) {
      if ((await first.request('GET', `/imports/${importId}`)).body.chunksDone >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await first.close();

    const second = await startTestRuntime(options);
    try {
      const before = (await second.request('GET', `/imports/${importId}`)).body;
      expect(before.chunksDone).toBeLessThan(30);
      const status = await finished(second, importId);
      expect(status).toMatchObject({ status: 'done', rowsRead: 300, enrolled: 300, totalChunks: 30, chunksDone: 30 });
      const lines = await results(second, importId);
      expect(lines.map((l) => Number(l[0]))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(new Set(lines.map((l) => l[1]))).toEqual(new Set(['enrolled']));
    } finally {
      await second.close();
    }
  });
});

describe('POST /sequences/{id}/enrollments stays for small lists', () => {
  let app: TestRuntime;
  beforeAll(async () => {
    app = await startTestRuntime();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 413 naming /imports for a body over 1 MB and for more than 10,000 rows, at once', async () => {
    const big = `email\n${'someone.with.a.long.address@example.com\n'.repeat(30_000)}`;
    const started = Date.now();
    const tooBig = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: big, contentType: 'text/csv' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatch(/POST \/imports/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const manyRows = `email\n${Array.from({ length: 10_001 }, (_, i) => `${i}@x.io`).join('\n')}\n`;
    const tooMany = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: manyRows, contentType: 'text/csv' });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatch(/10001 rows.*POST \/imports/);
  });
});
