/**
 * The enrollment rules and the profile merge (issue 8), over HTTP against the embedded
 * runtime, as a sales team would meet them: a second sequence keeps every attribute, a
 * blank cell erases nothing, and every change of a field is on the timeline.
 */
import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prospectIdFor } from '../../functions/domain/prospect-input.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';
let app: TestRuntime;

beforeAll(async () => {
  app = await startTestRuntime();
});
afterAll(async () => app?.close());

/** The example sequence's sources, to publish variants of it under other ids. */
async function exampleSources(): Promise<{ definition: Record<string, unknown>; templates: Record<string, string> }> {
  const dir = new URL('../../templates/inbound-lead-follow-up/', import.meta.url);
  const definition = parse(await readFile(new URL('sequence.yaml', dir), 'utf8')) as Record<string, unknown>;
  const templates: Record<string, string> = {};
  for (const file of await readdir(dir)) if (file.endsWith('.liquid')) templates[file] = await readFile(new URL(file, dir), 'utf8');
  return { definition, templates };
}

async function publishVariant(id: string, changes: Record<string, unknown> = {}): Promise<void> {
  const { definition, templates } = await exampleSources();
  const response = await app.request('PUT', `/sequences/${id}`, { body: { definition: { ...definition, ...changes }, templates } });
  expect(response.status, response.text).toBeLessThan(300);
}

async function enroll(sequenceId: string, body: unknown, options: { contentType?: string; query?: string } = {}) {
  const response = await app.request('POST', `/sequences/${sequenceId}/enrollments${options.query ?? ''}`, {
    body,
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });
  expect(response.status, response.text).toBe(200);
  return response.body.results as { row: number; status: string; reason?: string; prospectId?: string; enrollmentId?: string }[];
}

async function prospectView(prospectId: string) {
  const response = await app.request('GET', `/prospects/${prospectId}`);
  expect(response.status).toBe(200);
  return response.body as { prospect: Record<string, any>; enrollments: any[]; timeline: any[] };
}

describe('prospect data is merged, never wiped', () => {
  it('enrolling a prospect into a second sequence keeps his company and every attribute', async () => {
    await publishVariant('second-sequence', { name: 'Second sequence' });
    const email = 'merge.second@example.com';
    const [first] = await enroll(SEQUENCE, {
      prospects: [{ email, firstName: 'Max', company: 'Acme Corp', attributes: { industry: 'logistics', plan: 'pro' } }],
    });
    expect(first).toMatchObject({ status: 'enrolled' });

    const [second] = await enroll('second-sequence', { prospects: [{ email }] });
    expect(second).toMatchObject({ status: 'enrolled', prospectId: prospectIdFor({ email }) });

    const { prospect } = await prospectView(prospectIdFor({ email }));
    expect(prospect).toMatchObject({ email, firstName: 'Max', company: 'Acme Corp', attributes: { industry: 'logistics', plan: 'pro' } });
  });

  it('a CSV re-import: a blank cell erases nothing, "(clear)" clears, and the timeline says who changed what', async () => {
    const email = 'merge.csv@example.com';
    await enroll(SEQUENCE, `email,first name,company,plan,region\n${email},Ida,Initech,pro,EMEA\n`, { contentType: 'text/csv' });
    await enroll(SEQUENCE, `email,first name,company,plan,region\n${email},,Initrode,(clear),\n`, { contentType: 'text/csv' });

    const { prospect, timeline } = await prospectView(prospectIdFor({ email }));
    expect(prospect).toMatchObject({ firstName: 'Ida', company: 'Initrode', attributes: { region: 'EMEA' } });
    expect(prospect.attributes).not.toHaveProperty('plan');
    const update = timeline.find((entry) => entry.type === 'profile_updated');
    expect(update).toMatchObject({
      actor: 'apiKey',
      importId: expect.any(String),
      changes: [
        { field: 'company', from: 'Initech', to: 'Initrode' },
        { field: 'attributes.plan', from: 'pro' },
      ],
    });
  });
});
