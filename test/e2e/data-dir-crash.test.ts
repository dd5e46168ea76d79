/**
 * `npm start -- --data-dir` (the real npm script) survives a `kill -9` at any moment: a CSV import, a long
 * clock advance killed half-way, a restart on the same folder, the rest of the advance —
 * and every prospect got every touch exactly once. Read from the outbox, which persists.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portClosed, startApp, type StartedApp } from '../support/npm-start.js';

const KEY = 'crash-test-key-0123456789';
const SEQUENCE = 'inbound-lead-follow-up';
const STEPS = ['intro', 'check-in', 'customer-story', 'quick-call', 'break-up'];
const PROSPECTS = 24;
const ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney'];

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'followup-crash-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface OutboxMessage {
  to: string;
  enrollmentId?: string;
  stepId?: string;
}

async function boot(port: number): Promise<{ app: StartedApp; api: (method: string, path: string, body?: string, type?: string) => Promise<Response> }> {
  const app = startApp(['--port', String(port), '--data-dir', dataDir], { FOLLOWUP_API_KEY: KEY }, { viaNpm: true });
  await app.waitFor(/Stop: Ctrl-C/);
  const api = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
  return { app, api };
}

async function outbox(api: Awaited<ReturnType<typeof boot>>['api']): Promise<OutboxMessage[]> {
  return ((await (await api('GET', '/dev/outbox')).json()) as { messages: OutboxMessage[] }).messages;
}

describe('--data-dir across a kill -9', () => {
  it('loses no touch and sends none twice', async () => {
    const port = await freePort();
    const first = await boot(port);

    // Many rows at once: each enrollment appends its schedule to the same log concurrently.
    const rows = Array.from({ length: PROSPECTS }, (_, i) => `p${i}@example.com,+1202555${String(1000 + i)},P${i},${ZONES[i % ZONES.length]}`);
    const imported = await first.api('POST', `/sequences/${SEQUENCE}/enrollments`, ['email,phone,firstName,timezone', ...rows].join('\n'), 'text/csv');
    expect(imported.status).toBe(200);
    const { summary, results } = (await imported.json()) as { summary: Record<string, number>; results: { enrollmentId: string }[] };
    expect(summary).toEqual({ enrolled: PROSPECTS, skipped: 0, invalid: 0 });
    const stats = (await (await first.api('GET', `/sequences/${SEQUENCE}/stats`)).json()) as { enrollments: Record<string, number> };
    expect(stats.enrollments.active).toBe(PROSPECTS);

    // A long advance, killed half-way through.
    const advancing = first.api('POST', '/dev/clock', JSON.stringify({ advance: '20 days' })).catch(() => undefined);
    const total = PROSPECTS * STEPS.length;
    for (;;) {
      const sent = (await outbox(first.api)).length;
      if (sent >= total / 3) break;
      if (sent >= total) throw new Error('the advance finished before it could be killed');
      await new Promise((r) => setTimeout(r, 25));
    }
    // kill -9 of `npm start`: npm, its shell, tsx and the runtime, at once.
    first.app.signal('SIGKILL');
    await first.app.exited;
    await advancing;
    expect(first.app.child.signalCode).toBe('SIGKILL');
    await portClosed(port);

    const second = await boot(port);
    const before = await outbox(second.api);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(total);
    const moved = await second.api('POST', '/dev/clock', JSON.stringify({ advance: '20 days' }));
    expect(moved.status).toBe(200);

    const messages = (await outbox(second.api)).filter((m) => m.enrollmentId);
    for (const { enrollmentId } of results) {
      const steps = messages.filter((m) => m.enrollmentId === enrollmentId).map((m) => m.stepId);
      expect(steps, enrollmentId).toEqual(STEPS);
    }
    expect(messages).toHaveLength(total);
    const final = (await (await second.api('GET', `/sequences/${SEQUENCE}/stats`)).json()) as { enrollments: Record<string, number> };
    expect(final.enrollments).toMatchObject({ completed: PROSPECTS, active: 0 });

    // Ctrl-C: the runtime shuts down and saves its clock.
    second.app.signal('SIGINT');
    await second.app.exited;
    await portClosed(port);
    await expect.poll(async () => readdir(dataDir), { timeout: 10_000 }).toContain('clock.json');
    const files = await readdir(dataDir);
    expect(files).toEqual(expect.arrayContaining(['schedules.log', 'outbox.log', 'clock.json']));
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});
