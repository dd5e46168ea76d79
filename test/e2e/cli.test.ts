/**
 * The `followup` command as a person or a script runs it: the file the package ships
 * (built by cli/build.ts), a child process (stdout and
 * stderr are pipes, not a terminal) against `npm start` (spawned), configured by
 * FOLLOWUP_URL and FOLLOWUP_API_KEY. Tables for people, `--json` for scripts, CSV on
 * stdout for exports, and every failure one line on stderr with a non-zero exit.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../cli/build.js';
import { buildOpenApiDocument } from '../../functions/contract/openapi.js';
import { enrollmentsPage, inboxPage, sequenceStats } from '../../functions/contract/queries.js';
import { enrollmentControlResponse, enrollmentResponse, sequencesList } from '../../functions/contract/sequences.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import { freePort, ROOT, startApp } from '../support/npm-start.js';

const KEY = 'cli-e2e-key-0123456789';
const SEQUENCE = 'inbound-lead-follow-up';
const TWILIO_TOKEN = 'dev-twilio-auth-token-not-secret';
const PEOPLE = [
  { email: 'ann@example.com', phone: '+12025550171', firstName: 'Ann', lastName: 'Archer', company: 'Acme', timezone: 'America/New_York' },
  { email: 'bob@example.com', phone: '+12025550172', firstName: 'Bob', company: 'Beta', timezone: 'America/New_York' },
  { email: 'cy@example.com', firstName: 'Cy', company: 'Acme', timezone: 'America/New_York' },
];

let url: string;
/** The command as the package ships it (cli/build.ts), built into the temp dir. */
let bin: string;
let work: string;
let enrollmentIds: string[];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `followup <args>` as a child process, with pipes for stdout and stderr. */
function followup(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, FOLLOWUP_URL: url, FOLLOWUP_API_KEY: KEY, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete fullEnv[name];
  return new Promise((resolve) => {
    // In a temp dir: relative paths are the user's, and nothing of the repository resolves.
    execFile(process.execPath, [bin, ...args], { cwd: work, env: fullEnv }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A failure as the CLI must report it: non-zero, nothing on stdout, ONE line on stderr. */
function expectOneLineError(run: Run, pattern: RegExp, code = 1) {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

/**
 * stderr of a long command in a pipe: plain progress lines (one per 2 s, so none when the
 * machine is quick, some when it is loaded), then the final line.
 */
function expectProgressThen(stderr: string, final: string) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toBe(final);
  for (const line of lines.slice(0, -1)) expect(line).toMatch(/^export [\w-]+: [\d,]+ rows \([\d,]+ rows\/s\)$/);
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'followup-cli-'));
  bin = join(work, 'followup.mjs');
  buildCli(bin);
  const app = startApp(['--port', '0'], { FOLLOWUP_API_KEY: KEY, TWILIO_AUTH_TOKEN: TWILIO_TOKEN });
  const banner = await app.waitFor(/Stop: Ctrl-C/);
  url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
  const enrolled = await api('POST', `/sequences/${SEQUENCE}/enrollments`, { prospects: PEOPLE });
  expect(enrollmentResponse.parse(enrolled.body).summary).toEqual({ enrolled: 3, skipped: 0, invalid: 0 });
  enrollmentIds = enrolled.body.results.map((r: { enrollmentId: string }) => r.enrollmentId);
}, 90_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('followup against npm start', () => {
  it('lists the sequences as a table, and as the API answer with --json', async () => {
    const table = await followup(['sequences']);
    expect(table.code, table.stderr).toBe(0);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+VERSION\s+STEPS\s+PUBLISHED$/);
    expect(row).toMatch(new RegExp(`^${SEQUENCE}\\s+Inbound lead follow-up\\s+1\\s+email → sms → email → sms → email\\s+\\d{4}-`));
    // Plain text in a pipe: no colours, no cursor moves.
    expect(table.stdout).not.toMatch(/\u001b/);

    const json = await followup(['sequences', 'list', '--json']);
    const parsed = sequencesList.parse(JSON.parse(json.stdout));
    expect(parsed.sequences.map((s) => s.id)).toContain(SEQUENCE);
  });

  it('shows a sequence with its steps and waits', async () => {
    const shown = await followup(['sequences', 'show', SEQUENCE]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Sequence:\s+inbound-lead-follow-up \(Inbound lead follow-up\)$/m);
    expect(shown.stdout).toMatch(/^2\s+check-in\s+sms\s+2 days\s+02-check-in\.sms\.liquid$/m);
    expect(shown.stdout).toMatch(/^3\s+customer-story\s+email\s+4 business days\s+/m);
  });

  it('publishes a folder, says when nothing changed, and names the file and variable of a broken template', async () => {
    const dir = join(work, 'cli-copy');
    await cp(join(ROOT, 'templates', SEQUENCE), dir, { recursive: true });
    const first = await followup(['sequences', 'publish', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('published cli-copy version 1 (5 steps)\n');
    const again = await followup(['sequences', 'publish', 'cli-copy']);
    expect(again.stdout).toBe('cli-copy is unchanged: version 1 already has this content\n');

    await writeFile(join(dir, '02-check-in.sms.liquid'), 'Hi {{ prospect.nickname }}');
    expectOneLineError(await followup(['sequences', 'publish', dir]), /02-check-in\.sms\.liquid \(step check-in\): unknown variable "prospect\.nickname".*\(400\)$/);
    expect((await api('GET', '/sequences/cli-copy')).body.sequence.version).toBe(1);

    expectOneLineError(await followup(['sequences', 'publish', join(work, 'no-such-folder')]), /no-such-folder\/sequence\.yaml: file not found/, 2);
  });

  it('finds a prospect by email with its enrollment ids, and stops one enrollment', async () => {
    const found = await followup(['prospects', 'find', 'ann@example.com']);
    expect(found.code, found.stderr).toBe(0);
    const [header, row, extra] = found.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^PROSPECT\s+NAME\s+EMAIL\s+PHONE\s+COMPANY\s+ENROLLMENT\s+STATUS\s+NEXT TOUCH$/);
    expect(row).toContain(`Ann Archer  ann@example.com  +12025550171  Acme     ${enrollmentIds[0]}  active`);
    expect(extra).toBeUndefined();

    const nobody = await followup(['prospects', 'find', 'nobody@example.com']);
    expect(nobody).toMatchObject({ code: 0, stdout: '', stderr: 'no prospect matches "nobody@example.com"\n' });

    const stopped = await followup(['stop', enrollmentIds[2]!, '--reason', 'asked by phone']);
    // Which step it stopped at depends on the real hour npm start began at (the intro goes out at once inside the window).
    expect(stopped.stdout).toMatch(new RegExp(`^stopped ${enrollmentIds[2]!.replace(/\./g, '\\.')} at step \\d\n$`));
    const again = await followup(['stop', enrollmentIds[2]!, '--json']);
    const answer = enrollmentControlResponse.parse(JSON.parse(again.stdout));
    expect(answer).toMatchObject({ changed: false, enrollment: { status: 'stopped', endReason: 'asked by phone' } });
    expect((await api('GET', `/prospects/${enrollmentIds[2]!.split('.')[0]}`)).body.enrollments[0].status).toBe('stopped');
  });

  it('exports every enrollment as CSV on stdout, the summary on stderr; --json pages the list', async () => {
    const exported = await followup(['export', SEQUENCE]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id,prospectId,firstName,/);
    expect(lines.slice(1).map((line) => line.split(',')[0]).sort()).toEqual([...enrollmentIds].sort());
    expectProgressThen(exported.stderr, `exported 3 enrollments of ${SEQUENCE} (1 part)`);

    const stoppedOnly = await followup(['export', SEQUENCE, '--status', 'stopped']);
    expect(stoppedOnly.stdout.trimEnd().split('\n').slice(1).map((line) => line.split(',')[0])).toEqual([enrollmentIds[2]]);

    const json = enrollmentsPage.parse(JSON.parse((await followup(['--json', 'export', SEQUENCE])).stdout));
    expect(json.items).toHaveLength(3);
  });

  it('prints stats per step once touches went out', async () => {
    // Three days reach a weekday 09:00 in New York from any real start time: every intro due has gone out.
    expect((await api('POST', '/dev/clock', { advance: '3d' })).status).toBe(200);
    const outbox = (await api('GET', '/dev/outbox')).body.messages as { stepId: string; channel: string }[];
    const intros = outbox.filter((m) => m.stepId === 'intro').length;
    expect(intros).toBeGreaterThanOrEqual(2);
    const stats = await followup(['stats', SEQUENCE]);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/^Enrolled:\s+3$/m);
    expect(stats.stdout).toMatch(/^By status:\s+.*active 2.*stopped 1|^By status:\s+.*stopped 1.*active 2/m);
    expect(stats.stdout).toMatch(new RegExp(`^intro\\s+email\\s+${intros}\\s+`, 'm'));
    const json = sequenceStats.parse(JSON.parse((await followup(['stats', SEQUENCE, '--json'])).stdout));
    expect(json.steps.find((s) => s.stepId === 'intro')?.sent).toBe(intros);
  });

  it("reads the inbox since a lookback counted from the server's (virtual) clock", async () => {
    const params = { MessageSid: `SM${'1'.repeat(32)}`, AccountSid: `AC${'0'.repeat(32)}`, From: PEOPLE[1]!.phone!, To: '+15005550006', Body: 'Sure, call me Wednesday', NumMedia: '0' };
    const path = '/webhooks/twilio/sms';
    const reply = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(`${url}${path}`, params, TWILIO_TOKEN) },
      body: new URLSearchParams(params).toString(),
    });
    expect(reply.status).toBe(200);

    const inbox = await followup(['inbox', '--since', '1d']);
    expect(inbox.code, inbox.stderr).toBe(0);
    const [header, row] = inbox.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^AT\s+KIND\s+CHANNEL\s+PROSPECT\s+SEQUENCE\s+STEP\s+HANDLED\s+TEXT$/);
    expect(row).toMatch(new RegExp(`\\sreply\\s+sms\\s+${enrollmentIds[1]!.split('.')[0]}\\s+${SEQUENCE}\\s+[a-z-]+\\s+no\\s+Sure, call me Wednesday$`));
    const json = inboxPage.parse(JSON.parse((await followup(['inbox', '--since', '1d', '--kind', 'reply', '--json'])).stdout));
    expect(json.items.map((item) => item.text)).toEqual(['Sure, call me Wednesday']);

    // Three days later on the server's clock, the last day holds nothing, the last four the reply.
    expect((await api('POST', '/dev/clock', { advance: '3d' })).status).toBe(200);
    const lastDay = await followup(['inbox', '--since', '1d']);
    expect(lastDay).toMatchObject({ code: 0, stdout: '' });
    expect(lastDay.stderr).toMatch(/^nothing in the inbox since \d{4}-\d\d-\d\dT/);
    expect((await followup(['inbox', '--since', '4d'])).stdout).toContain('Sure, call me Wednesday');
  });

  it('maintenance phone-holders: done at once on a table this version wrote; a foreign cursor is one line naming it', async () => {
    const run = await followup(['maintenance', 'phone-holders', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ done: true, steps: 1, prospects: 0, phones: 0 });
    expectOneLineError(await followup(['maintenance', 'phone-holders', '--cursor', 'not-ours']), /cursor is not valid .*cursor/);
  });

  it('serves the OpenAPI document publicly, as generated', async () => {
    const response = await fetch(`${url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(buildOpenApiDocument());
  });
});

describe('followup import', () => {
  const csv = ['Work Email,First Name,Mobile', 'imp.one@example.com,Ivy,+14155550171', 'not-an-email,Bad,', 'imp.two@example.com,Ike,'].join('\n');

  it('uploads a file as an import job, follows it, prints the summary and saves the per-row results', async () => {
    const file = join(work, 'leads.csv');
    await writeFile(file, `${csv}\n`);
    const run = await followup(['import', file, '--sequence', SEQUENCE, '--map', 'Work Email=email']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^status:\s+done$/m);
    expect(run.stdout).toMatch(/^enrolled:\s+2$/m);
    expect(run.stdout).toMatch(/^invalid:\s+1$/m);
    expect(run.stdout).toMatch(new RegExp(`^results:\\s+${join(work, 'leads.results.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    // In a pipe: plain lines only, the last of each phase its total.
    expect(run.stderr).not.toMatch(/\u001b|\r/);
    expect(run.stderr).toMatch(/uploaded [\d,]+ bytes/);
    const results = (await readFile(join(work, 'leads.results.csv'), 'utf8')).trimEnd().split(/\r?\n/);
    expect(results).toHaveLength(4);
    expect(results[2]).toMatch(/^2,invalid,/);
    expect(results[1]).toMatch(/^1,enrolled,/);
  });

  it('--dry-run --json: every row checked, nobody enrolled, the final job as JSON', async () => {
    const file = join(work, 'dry.csv');
    await writeFile(file, `${csv.replace(/imp\./g, 'dry.')}\n`);
    const run = await followup(['import', file, '--sequence', SEQUENCE, '--map', 'Work Email=email', '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout);
    expect(job).toMatchObject({ status: 'done', dryRun: true, enrolled: 0, skipped: 2, invalid: 1 });
    expect((await api('GET', '/prospects?q=dry.one@example.com')).body.items).toHaveLength(0);
  });

  it('a missing file, an unknown sequence and a bad --map are one line each', async () => {
    expectOneLineError(await followup(['import', join(work, 'nope.csv'), '--sequence', SEQUENCE]), /nope\.csv: no such file/);
    await writeFile(join(work, 'one.csv'), 'email\nx@example.com\n');
    expectOneLineError(await followup(['import', join(work, 'one.csv'), '--sequence', 'no-such-sequence']), /no-such-sequence.*\(404\)$/);
    expectOneLineError(await followup(['import', join(work, 'one.csv'), '--sequence', SEQUENCE, '--map', 'Work Email']), /--map "Work Email": expected/, 2);
  });
});

describe('followup errors: one line, non-zero', () => {
  it('an unreachable URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectOneLineError(await followup(['sequences'], { FOLLOWUP_URL: closed }), new RegExp(`cannot reach ${closed.replace(/\./g, '\\.')} \\(ECONNREFUSED\\).*FOLLOWUP_URL`));
    expectOneLineError(await followup(['--url', closed, 'sequences']), /cannot reach/);
    expectOneLineError(await followup(['--url', 'not a url', 'sequences']), /--url "not a url" is not a URL/, 2);
  });

  it('a wrong key, and no key', async () => {
    expectOneLineError(await followup(['sequences'], { FOLLOWUP_API_KEY: 'wrong-key-0123456789' }), /refused FOLLOWUP_API_KEY \(403 Forbidden\)/);
    expectOneLineError(await followup(['sequences'], { FOLLOWUP_API_KEY: undefined }), /^error: FOLLOWUP_API_KEY is not set/);
  });

  it('an unknown sequence, a malformed id, a bad parameter with its field, a bad option', async () => {
    expectOneLineError(await followup(['stats', 'no-such-sequence']), /Sequence "no-such-sequence" does not exist \(404\)$/);
    expectOneLineError(await followup(['export', 'Not_A_Slug']), /path parameter "id": "Not_A_Slug" is not a sequence id .*\(400\)$/);
    expectOneLineError(await followup(['inbox', '--kind', 'letters']), /^error: kind must be one of reply, opt_out, bounce, auto_reply \(400\)$/);
    expectOneLineError(await followup(['export', SEQUENCE, '--status', 'asleep']), /^error: status must be one of .* \(400\)$/);
    expectOneLineError(await followup(['stop', 'p_nobody.inbound-lead-follow-up']), /does not exist \(404\)$/);
    expectOneLineError(await followup(['inbox', '--since', 'yesterday']), /--since .*expected a lookback like 30m/, 2);
    expectOneLineError(await followup(['frobnicate']), /unknown command 'frobnicate'/, 2);
  });

  it('--help on every command', async () => {
    const commands = [[], ['sequences'], ['sequences', 'list'], ['sequences', 'show'], ['sequences', 'publish'], ['stats'], ['prospects'], ['prospects', 'find'], ['stop'], ['export'], ['inbox'], ['import'], ['maintenance'], ['maintenance', 'phone-holders']];
    const runs = await Promise.all(commands.map((command) => followup([...command, '--help'], { FOLLOWUP_URL: undefined, FOLLOWUP_API_KEY: undefined })));
    runs.forEach((run, i) => {
      expect(run.code, commands[i]!.join(' ')).toBe(0);
      expect(run.stdout, commands[i]!.join(' ')).toMatch(new RegExp(`^Usage: followup${commands[i]!.map((word) => ` ${word}`).join('')} `));
    });
    expect(runs[0]!.stdout).toMatch(/FOLLOWUP_API_KEY/);
  });
});

describe('followup export of a large list', () => {
  let server: Server;
  let stubUrl: string;
  const asked: string[] = [];

  beforeAll(async () => {
    // An API whose export comes in three parts, as the real one does past 2.5 MB.
    const parts: Record<string, { body: string; next?: string }> = {
      '': { body: 'id,status\nr1,active\nr2,active\n', next: 'c1' },
      c1: { body: 'r3,"a ""quoted""\nline"\n', next: 'c2' },
      c2: { body: 'r4,active\n' },
    };
    let busy = 1;
    server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      asked.push(`${req.headers.authorization} ${req.url}`);
      // The first ask finds it starting (as npm start answers then): the CLI asks again.
      if (busy-- > 0) return res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":"starting"}');
      const part = parts[query.get('cursor') ?? ''];
      if (!part) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"cursor is not valid","field":"cursor"}');
      res.writeHead(200, { 'content-type': 'text/csv', ...(part.next ? { 'x-next-cursor': part.next } : {}) }).end(part.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stubUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('follows X-Next-Cursor to the end and appends each part, with the filters every time (and asks again after a 503)', async () => {
    const run = await followup(['export', 'big-list', '--status', 'active'], { FOLLOWUP_URL: stubUrl });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('id,status\nr1,active\nr2,active\nr3,"a ""quoted""\nline"\nr4,active\n');
    expectProgressThen(run.stderr, 'exported 4 enrollments of big-list (3 parts)');
    expect(run.stderr).not.toMatch(/[\r\u001b]/);
    expect(asked).toEqual([
      `Bearer ${KEY} /sequences/big-list/enrollments.csv?status=active`,
      `Bearer ${KEY} /sequences/big-list/enrollments.csv?status=active`,
      `Bearer ${KEY} /sequences/big-list/enrollments.csv?status=active&cursor=c1`,
      `Bearer ${KEY} /sequences/big-list/enrollments.csv?status=active&cursor=c2`,
    ]);
  });
});
