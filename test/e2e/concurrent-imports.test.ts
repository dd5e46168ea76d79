/**
 * Ten people upload the same 30-row CSV at once, over HTTP against the embedded runtime
 * (the DynamoDB adapter on dynalite): every prospect is enrolled once, gets one intro,
 * and the stats count 30.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';

let app: TestRuntime;
beforeAll(async () => {
  app = await startTestRuntime();
});
afterAll(async () => {
  await app?.close();
});

describe('ten concurrent imports of one CSV', () => {
  it('enroll each of the 30 rows once, send one intro each, and count enrolled: 30', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `concurrent${i}@example.com`);
    const csv = ['email,first name,company,time zone', ...emails.map((email, i) => `${email},Lead${i},Acme ${i},America/Chicago`)].join('\n');

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: csv, contentType: 'text/csv' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const enrolledRows = responses.flatMap((r) => r.body.results as { status: string; prospectId?: string }[]).filter((r) => r.status === 'enrolled');
    expect(enrolledRows).toHaveLength(30);
    expect(new Set(enrolledRows.map((r) => r.prospectId)).size).toBe(30);

    await app.advance('3d');
    const intros = (await app.outbox()).filter((m) => m.channel === 'email' && m.stepId === 'intro');
    for (const email of emails) expect(intros.filter((m) => m.to === email)).toHaveLength(1);

    const stats = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    expect(stats.body.enrolled).toBe(30);
    // Ten imports of the same rows wait on each other's lane leases and dynalite answers one
    // request at a time: ~7 s on an idle 2-core machine, up to ~30 s when it is loaded.
  }, 120_000);
});
