/**
 * End to end over HTTP against the embedded runtime: enroll (JSON and CSV), move the
 * virtual clock, read the outbox. Only HTTP, as a user of `npm start` would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';
const STEP_ORDER = ['intro', 'check-in', 'customer-story', 'quick-call', 'break-up'];

let app: TestRuntime;

beforeAll(async () => {
  app = await startTestRuntime();
});
afterAll(async () => {
  await app?.close();
});

function localTime(iso: string, zone: string): DateTime {
  return DateTime.fromISO(iso, { zone });
}

describe('the admin API', () => {
  it('answers /health without a key and refuses admin routes without the right key', async () => {
    expect((await app.request('GET', '/health', { apiKey: null })).status).toBe(200);
    expect((await app.request('GET', '/sequences', { apiKey: null })).status).toBe(401);
    expect((await app.request('GET', '/sequences', { apiKey: 'wrong-key-000000' })).status).toBe(403);
    const ok = await app.request('GET', '/sequences');
    expect(ok.status).toBe(200);
    expect(ok.body.sequences.map((s: { id: string }) => s.id)).toContain(SEQUENCE);
    expect(ok.body.sequences[0].steps.map((s: { id: string }) => s.id)).toEqual(STEP_ORDER);
  });

  it('rejects malformed bodies with 400, unknown sequences with 404, huge bodies with 413', async () => {
    const malformed = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: '{"prospects": [', contentType: 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/not valid JSON/);

    const noList = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { people: [] } });
    expect(noList.status).toBe(400);
    expect(noList.body.error).toMatch(/prospects/);

    const unknown = await app.request('POST', '/sequences/no-such-sequence/enrollments', { body: { prospects: [{ email: 'a@example.com' }] } });
    expect(unknown.status).toBe(404);

    const huge = `email\n${'someone@example.com\n'.repeat(300_000)}`;
    const tooLarge = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: huge, contentType: 'text/csv' });
    expect(tooLarge.status).toBe(413);
  });
});

describe('a sequence run end to end', () => {
  let ids: Record<string, { prospectId: string; enrollmentId: string }> = {};

  it('enrolls JSON rows one by one: good rows enrolled, bad rows invalid with the field named', async () => {
    const response = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: {
        prospects: [
          { email: 'Ada@Example.com', phone: '+1 (202) 555-0143', firstName: 'Ada', company: 'Analytical Engines', timezone: 'America/New_York' },
          { email: 'kenji@example.net', firstName: 'Kenji', company: 'Sakura Retail', timezone: 'Asia/Tokyo', attributes: { industry: 'retail' } },
          { phone: '(312) 555-0127', firstName: 'Marcus', timezone: 'America/Denver' },
          { email: 'not-an-email', firstName: 'Broken' },
          // A bad zone alone only warns (test/e2e/enrollment-rows.test.ts); without an address the row is invalid.
          { firstName: 'Zoe', timezone: 'Mars/Olympus_Mons' },
          'just a string',
        ],
      },
    });
    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((r: { status: string }) => r.status)).toEqual(['enrolled', 'enrolled', 'enrolled', 'invalid', 'invalid', 'invalid']);
    expect(results[3].reason).toMatch(/^email/);
    expect(results[4].reason).toMatch(/^email or phone is required; timezone: "Mars\/Olympus_Mons"/);
    expect(response.body.summary).toEqual({ enrolled: 3, skipped: 0, invalid: 3 });
    ids = { ada: results[0], kenji: results[1], marcus: results[2] };

    const again = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { prospects: [{ email: 'ada@example.com' }] } });
    expect(again.body.results[0]).toMatchObject({ status: 'skipped', prospectId: ids.ada!.prospectId, reason: expect.stringMatching(/already active/) });
  });

  it('enrolls CSV with a header row; a short row and a bad phone are invalid, the rest enrolled', async () => {
    const csv = [
      'email,phone,first_name,company,timezone,industry',
      'lena.vogel@example.com,,Lena,Vogel Maschinenbau GmbH,Europe/Berlin,manufacturing',
      'short@example.com,,Short',
      ',12,Pat,,America/New_York,',
      '"broken@example.com"x,,Bro,,,',
      'quinn@example.com,,Quinn,"Quotes, Inc.",America/Chicago,',
    ].join('\n');
    const response = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: csv, contentType: 'text/csv' });
    expect(response.status).toBe(200);
    const statuses = response.body.results.map((r: { row: number; status: string }) => [r.row, r.status]);
    expect(statuses).toEqual([
      [1, 'enrolled'],
      [2, 'invalid'],
      [3, 'invalid'],
      [4, 'invalid'],
      [5, 'enrolled'],
    ]);
    expect(response.body.results[3].reason).toMatch(/^email: "\\"broken@example.com\\"x" is not a valid email address/);
    expect(response.body.results[1].reason).toMatch(/^line 3: expected 6 cells/);
    expect(response.body.results[2].reason).toMatch(/^phone/);
    ids.lena = response.body.results[0];
  });

  it('sends the first email at 09:00 local on the next weekday morning, personalised, with unsubscribe headers', async () => {
    // Enrolled Monday 08:00 in New York: the window opens at 09:00.
    expect(await app.outbox()).toHaveLength(0);
    await app.advance('90m');
    const sent = (await app.outbox()).filter((m) => m.enrollmentId === ids.ada!.enrollmentId);
    expect(sent).toHaveLength(1);
    const intro = sent[0]!;
    expect(intro).toMatchObject({ channel: 'email', to: 'ada@example.com', from: 'dana@northwind.example', stepId: 'intro' });
    expect(localTime(intro.sentAt, 'America/New_York').toFormat('ccc HH:mm')).toBe('Mon 09:00');
    expect(intro.text).toContain('Hi Ada');
    // No industry given: the template's default fills in.
    expect(intro.text).toContain('Most operations teams');
    expect(intro.html).toContain('Ada');
    expect(intro.headers?.['List-Unsubscribe']).toMatch(new RegExp(`^<${app.url}/unsubscribe/[A-Za-z0-9_.-]+>`));
    expect(intro.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = /<([^>]+)>/.exec(intro.headers!['List-Unsubscribe']!)![1]!;
    expect(intro.text).toContain(unsubscribeUrl);

    // The email went through the real SES v2 adapter into the local SES server.
    const stored = await app.runtime.ses.fetchStore();
    expect(stored.some((mail) => mail.destination.to.includes('ada@example.com') && mail.subject === intro.subject)).toBe(true);
  });

  it('runs the whole sequence in order, each touch once, at allowed local times', async () => {
    await app.advance('20d');
    const outbox = await app.outbox();
    const forProspect = (key: string) => outbox.filter((m) => m.enrollmentId === ids[key]!.enrollmentId);

    // Ada has email and phone: all five steps, in order, exactly once.
    const ada = forProspect('ada');
    expect(ada.map((m) => m.stepId)).toEqual(STEP_ORDER);
    expect(ada.map((m) => m.channel)).toEqual(['email', 'sms', 'email', 'sms', 'email']);
    const [intro, checkIn, story, call, breakUp] = ada;
    expect(checkIn!.to).toBe('+12025550143');
    expect(checkIn!.text).toMatch(/^Hi Ada, it's Dana from Northwind Analytics/);
    expect(checkIn!.text).toMatch(/Reply STOP to opt out/);
    expect(call!.text).not.toMatch(/Reply STOP to opt out/);
    // Follow-up emails thread under the first one.
    expect(story!.subject).toBe(`Re: ${intro!.subject}`);
    expect(breakUp!.subject).toBe(`Re: ${intro!.subject}`);
    expect(story!.headers?.['In-Reply-To']).toMatch(/^<.+@.+>$/);
    expect(story!.headers?.['References']).toBe(story!.headers?.['In-Reply-To']);

    // Kenji (email only, Tokyo) gets the three emails; his SMS steps are skipped.
    const kenji = forProspect('kenji');
    expect(kenji.map((m) => m.stepId)).toEqual(['intro', 'customer-story', 'break-up']);
    expect(kenji[0]!.text).toContain('Most retail teams');
    // Marcus (phone only) gets the two SMS.
    expect(forProspect('marcus').map((m) => m.stepId)).toEqual(['check-in', 'quick-call']);

    const zones: Record<string, string> = { ada: 'America/New_York', kenji: 'Asia/Tokyo', marcus: 'America/Denver', lena: 'Europe/Berlin' };
    for (const [key, zone] of Object.entries(zones)) {
      for (const message of forProspect(key)) {
        const local = localTime(message.sentAt, zone);
        expect(local.weekday, `${key} ${message.stepId} on a weekday`).toBeLessThanOrEqual(5);
        const minutes = local.hour * 60 + local.minute;
        const [start, end] = message.channel === 'sms' ? [10 * 60, 18 * 60] : [9 * 60, 17 * 60];
        expect(minutes, `${key} ${message.stepId} at ${local.toISO()}`).toBeGreaterThanOrEqual(start);
        expect(minutes).toBeLessThan(end);
      }
    }
    // Nothing was sent twice.
    const keys = outbox.map((m) => `${m.enrollmentId}/${m.stepId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('shows the prospect with its timeline, and the sequence stats', async () => {
    const prospect = await app.request('GET', `/prospects/${ids.kenji!.prospectId}`);
    expect(prospect.status).toBe(200);
    expect(prospect.body.prospect).toMatchObject({ email: 'kenji@example.net', firstName: 'Kenji', timezone: 'Asia/Tokyo' });
    expect(prospect.body.enrollments[0]).toMatchObject({ sequenceId: SEQUENCE, status: 'completed' });
    const types = prospect.body.timeline.map((e: { type: string; stepId?: string }) => `${e.type}${e.stepId ? `:${e.stepId}` : ''}`);
    expect(types[0]).toBe('enrolled');
    expect(types).toContain('step_skipped:check-in');
    expect(types.filter((t: string) => t.startsWith('sent:'))).toEqual(['sent:intro', 'sent:customer-story', 'sent:break-up']);
    // The local SES reports each email delivered, as SES does, through the SES events handler:
    // the touch's status, which the timeline shows on the touch's own entry.
    const sentDetails = prospect.body.timeline.filter((e: { type: string }) => e.type === 'sent').map((e: { detail?: string }) => e.detail);
    expect(sentDetails).toEqual(['email delivered', 'email delivered', 'email delivered']);
    expect(types.at(-1)).toBe('completed');

    const stats = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.enrollments.completed).toBeGreaterThanOrEqual(4);
    expect(stats.body.enrollments.active).toBe(0);
    const intro = stats.body.steps.find((s: { stepId: string }) => s.stepId === 'intro');
    expect(intro.sent).toBeGreaterThanOrEqual(3);
    expect(intro.delivered).toBe(intro.sent);
  });
});

describe('manual control', () => {
  it('a stopped enrollment receives nothing more', async () => {
    const enrolled = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { prospects: [{ email: 'stop-me@example.com', phone: '+12025550111', firstName: 'Stella', timezone: 'America/New_York' }] },
    });
    const { enrollmentId } = enrolled.body.results[0];
    await app.advance('1d');
    const before = (await app.outbox()).filter((m) => m.enrollmentId === enrollmentId);
    expect(before.map((m) => m.stepId)).toEqual(['intro']);

    const stopped = await app.request('POST', `/enrollments/${encodeURIComponent(enrollmentId)}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.enrollment.status).toBe('stopped');
    await app.advance('20d');
    const after = (await app.outbox()).filter((m) => m.enrollmentId === enrollmentId);
    expect(after).toHaveLength(1);

    const again = await app.request('POST', `/enrollments/${encodeURIComponent(enrollmentId)}/stop`);
    expect(again.body.changed).toBe(false);
    expect((await app.request('POST', '/enrollments/p_nobody.nothing/stop')).status).toBe(404);
  });

  it('pause holds the sequence and resume continues with the pending step', async () => {
    const enrolled = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { prospects: [{ email: 'pause-me@example.com', firstName: 'Paula', timezone: 'America/New_York' }] },
    });
    const { enrollmentId } = enrolled.body.results[0];
    await app.advance('1d');
    const path = `/enrollments/${encodeURIComponent(enrollmentId)}`;
    expect((await app.request('POST', `${path}/pause`)).body.enrollment.status).toBe('paused');
    await app.advance('10d');
    expect((await app.outbox()).filter((m) => m.enrollmentId === enrollmentId).map((m) => m.stepId)).toEqual(['intro']);
    expect((await app.request('POST', `${path}/pause`)).status).toBe(409);

    expect((await app.request('POST', `${path}/resume`)).body.enrollment.status).toBe('active');
    await app.advance('3d');
    expect((await app.outbox()).filter((m) => m.enrollmentId === enrollmentId).map((m) => m.stepId)).toEqual(['intro', 'customer-story']);
  });
});

describe('publishing over HTTP', () => {
  async function exampleSources() {
    const { readFile, readdir } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const dir = new URL('../../templates/inbound-lead-follow-up/', import.meta.url);
    const definition = parse(await readFile(new URL('sequence.yaml', dir), 'utf8')) as Record<string, unknown>;
    const templates: Record<string, string> = {};
    for (const file of await readdir(dir)) if (file.endsWith('.liquid')) templates[file] = await readFile(new URL(file, dir), 'utf8');
    return { definition, templates };
  }

  it('rejects a template with an unknown variable, naming the file, the step and the variable', async () => {
    const { definition, templates } = await exampleSources();
    templates['02-check-in.sms.liquid'] = 'Hi {{ prospect.nickname }}, quick check-in.';
    const response = await app.request('PUT', '/sequences/copy-of-inbound', { body: { definition, templates } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/02-check-in\.sms\.liquid/);
    expect(response.body.error).toMatch(/check-in/);
    expect(response.body.error).toMatch(/prospect\.nickname/);
    expect((await app.request('GET', '/sequences/copy-of-inbound')).status).toBe(404);
  });

  it('publishes a new version; running enrollments keep the version they started with', async () => {
    const { definition, templates } = await exampleSources();
    const first = await app.request('PUT', '/sequences/versioned', { body: { definition, templates } });
    expect(first.status).toBe(201);
    expect(first.body.sequence.version).toBe(1);
    const same = await app.request('PUT', '/sequences/versioned', { body: { definition, templates } });
    expect(same.status).toBe(200);
    expect(same.body.created).toBe(false);

    const enrolled = await app.request('POST', '/sequences/versioned/enrollments', {
      body: { prospects: [{ email: 'versions@example.com', firstName: 'Vera', timezone: 'America/New_York' }] },
    });
    const { enrollmentId } = enrolled.body.results[0];

    templates['01-intro.email.liquid'] = templates['01-intro.email.liquid']!.replace('Thanks for reaching out', 'Version two says thanks');
    const second = await app.request('PUT', '/sequences/versioned', { body: { definition, templates } });
    expect(second.status).toBe(201);
    expect(second.body.sequence.version).toBe(2);
    expect((await app.request('GET', '/sequences/versioned')).body.sequence.version).toBe(2);

    await app.advance('1d');
    const intro = (await app.outbox()).find((m) => m.enrollmentId === enrollmentId);
    expect(intro?.text).toContain('Thanks for reaching out');
    expect(intro?.text).not.toContain('Version two');
  });
});
