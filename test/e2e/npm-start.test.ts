/**
 * `npm start` as a person runs it: a child process, its banner, its curl, its errors.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, ROOT, startApp } from '../support/npm-start.js';

const root = ROOT;
const start = startApp;

describe('npm start', () => {
  it('prints a banner whose curl enrolls a prospect whose first touch reaches the outbox; Ctrl-C stops it', async () => {
    const app = start(['--port', '0'], { FOLLOWUP_API_KEY: 'cli-test-key-123456' });
    const banner = await app.waitFor(/Stop: Ctrl-C/);
    expect(banner).toMatch(/Admin API key\s+cli-test-key-123456/);
    expect(banner).toMatch(/inbound-lead-follow-up v1 \(5 steps\)/);
    const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    const curl = /(curl -s -X POST \S+\/enrollments \\\n.*\\\n.*'\n)/.exec(banner)![1]!;

    const { stdout } = await promisify(execFile)('sh', ['-c', curl.replace(/\\\n/g, ' ')]);
    expect(JSON.parse(stdout).summary).toEqual({ enrolled: 1, skipped: 0, invalid: 0 });

    // Whatever the real day and hour, a few days later the first touch has gone out: the
    // banner's own clock curl, run twice.
    const clockCurl = /Move time on:\s+(curl .*)$/m.exec(banner)![1]!;
    expect(clockCurl).toContain('Authorization: Bearer cli-test-key-123456');
    for (let i = 0; i < 2; i++) {
      const { stdout: moved } = await promisify(execFile)('sh', ['-c', clockCurl]);
      expect(JSON.parse(moved).now).toMatch(/^\d{4}-/);
    }
    const key = { authorization: 'Bearer cli-test-key-123456' };
    expect((await fetch(`${url}/dev/outbox`)).status).toBe(401);
    const outbox = (await (await fetch(`${url}/dev/outbox`, { headers: key })).json()) as { messages: { to: string; stepId: string }[] };
    expect(outbox.messages[0]).toMatchObject({ to: 'ada@example.com', stepId: 'intro' });
    // As the banner says: in a browser, the key is the Basic auth password.
    expect(banner).toMatch(new RegExp(`Outbox in a browser: ${url}/dev/outbox .*password: the admin API key`));
    const basic = `Basic ${Buffer.from('me:cli-test-key-123456').toString('base64')}`;
    const page = await fetch(`${url}/dev/outbox`, { headers: { accept: 'text/html', authorization: basic } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('ada@example.com');

    app.child.kill('SIGINT');
    expect(await app.exited).toBe(0);
    expect(app.output().stdout).toMatch(/shutting down/);
  });

  it('answers every request made during start-up: 503 {"error":"starting"} until the handlers are attached', async () => {
    const port = await freePort();
    const app = start(['--port', String(port)], { FOLLOWUP_API_KEY: 'cli-test-key-123456' });
    const answers: { status: number; body: string }[] = [];
    let ready = false;
    void app.waitFor(/Stop: Ctrl-C/).then(() => (ready = true), () => undefined);
    while (!ready && app.child.exitCode === null) {
      try {
        // A request the server accepted but never answers would hang here until the timeout.
        const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
        answers.push({ status: response.status, body: await response.text() });
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== 'ECONNREFUSED') throw error;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(answers.length).toBeGreaterThan(0);
    expect(answers[0]).toEqual({ status: 503, body: '{"error":"starting"}' });
    expect(answers.every((a) => a.status === 503 || a.status === 200)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    app.child.kill('SIGINT');
    expect(await app.exited).toBe(0);
  });

  it('says clearly when the port is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const app = start(['--port', String(port)]);
      expect(await app.exited).toBe(1);
      expect(app.output().stderr).toMatch(new RegExp(`port ${port} .*already in use.*--port`));
      expect(app.output().stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('rejects an unknown flag with the usage, a missing templates folder, and a broken sequence with the file and step named', async () => {
    const unknown = start(['--colour']);
    expect(await unknown.exited).toBe(1);
    expect(unknown.output().stderr).toMatch(/Unknown option '--colour'/);
    expect(unknown.output().stderr).toMatch(/Usage: npm start/);

    const missing = start(['--port', '0', '--templates', '/no/such/folder']);
    expect(await missing.exited).toBe(1);
    expect(missing.output().stderr).toMatch(/templates folder \/no\/such\/folder does not exist/);

    const dir = await mkdtemp(join(tmpdir(), 'followup-templates-'));
    try {
      await cp(join(root, 'templates/inbound-lead-follow-up'), join(dir, 'broken'), { recursive: true });
      await writeFile(join(dir, 'broken/02-check-in.sms.liquid'), 'Hi {{ prospect.nickname }}!');
      const broken = start(['--port', '0', '--templates', dir]);
      expect(await broken.exited).toBe(1);
      const { stderr } = broken.output();
      expect(stderr).toMatch(/02-check-in\.sms\.liquid/);
      expect(stderr).toMatch(/check-in/);
      expect(stderr).toMatch(/nickname/);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
