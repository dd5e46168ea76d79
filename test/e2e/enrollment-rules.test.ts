/**
 * The enrollment rules and the profile merge (issue 8), over HTTP against the embedded
 * runtime, as a sales team would meet them: a second sequence keeps every attribute, a
 * blank cell erases nothing, and every change of a field is on the timeline.
 */
import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prospectIdFor } from '../../functions/domain/prospect-input.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import type { OutboxMessage } from '../../functions/local/outbox.js';
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

/** A signed inbound SMS, as Twilio posts it. */
async function textFrom(from: string, body: string, messageSid = `SM${Math.random().toString(16).slice(2).padEnd(32, '0')}`) {
  const path = '/webhooks/twilio/sms';
  const params = { MessageSid: messageSid, AccountSid: 'AC00000000000000000000000000000000', From: from, To: '+15005550006', Body: body, NumMedia: '0' };
  const response = await app.request('POST', path, {
    body: new URLSearchParams(params).toString(),
    contentType: 'application/x-www-form-urlencoded',
    apiKey: null,
    headers: { 'x-twilio-signature': signTwilioRequest(`${app.runtime.publicUrl}${path}`, params, app.runtime.twilioAuthToken) },
  });
  expect(response.status, response.text).toBe(200);
}

const to = (messages: OutboxMessage[], ...addresses: string[]) => messages.filter((m) => addresses.includes(m.to));

async function prospectView(prospectId: string) {
  const response = await app.request('GET', `/prospects/${prospectId}`);
  expect(response.status).toBe(200);
  return response.body as { prospect: Record<string, any>; enrollments: any[]; timeline: any[] };
}

describe('prospect data is merged, never wiped', () => {
  it('enrolling a prospect into a second sequence keeps his company and every attribute', async () => {
    await publishVariant('second-sequence', { name: 'Second sequence', allowConcurrent: true });
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

describe('nobody who replied, opted out or bounced is contacted again by an import', () => {
  const people = {
    replier: { email: 'rule.replier@example.com', phone: '+12025550161', firstName: 'Rae', timezone: 'America/New_York' },
    stopper: { email: 'rule.stopper@example.com', phone: '+12025550162', firstName: 'Stu', timezone: 'America/New_York' },
    unsubscriber: { email: 'rule.unsub@example.com', phone: '+12025550163', firstName: 'Una', timezone: 'America/New_York' },
    bouncer: { email: 'rule.bounce@example.com', phone: '+12025550164', firstName: 'Bo', timezone: 'America/New_York' },
    control: { email: 'rule.control@example.com', phone: '+12025550165', firstName: 'Cy', timezone: 'America/New_York' },
  } as const;
  const all = Object.values(people);

  it('re-importing after an SMS reply, an SMS STOP, a one-click unsubscribe and a bounce: skipped, saying what and when; no message on any channel', async () => {
    await publishVariant('rules-other-sequence', { name: 'Rules: other sequence' });
    await enroll(SEQUENCE, { prospects: all });
    await app.advance('2 days');
    await app.advance('3h'); // Wednesday 11:00 in New York: the intro emails and the SMS check-in went out
    const sent = await app.outbox();
    const intro = (email: string) => to(sent, email).find((m) => m.channel === 'email');
    expect(to(sent, people.replier.phone).length).toBeGreaterThan(0);

    await textFrom(people.replier.phone, 'Thanks, call me on Friday');
    await textFrom(people.stopper.phone, 'STOP');
    const unsubscribeUrl = /<(http[^>]+\/unsubscribe\/[^>]+)>/.exec(intro(people.unsubscriber.email)?.headers?.['List-Unsubscribe'] ?? '')?.[1];
    expect(unsubscribeUrl).toBeDefined();
    const oneClick = await app.request('POST', new URL(unsubscribeUrl as string).pathname, {
      body: 'List-Unsubscribe=One-Click',
      contentType: 'application/x-www-form-urlencoded',
      apiKey: null,
    });
    expect(oneClick.status).toBeLessThan(300);
    const bounce = await app.request('POST', '/dev/email-events', {
      body: { type: 'Bounce', messageId: intro(people.bouncer.email)?.providerMessageId },
    });
    expect(bounce.body).toEqual({ outcome: 'suppressed' });
    const day = (await app.request('GET', '/dev/clock')).body.now.slice(0, 10);

    const before = (await app.outbox()).length;
    for (const sequenceId of [SEQUENCE, 'rules-other-sequence']) {
      const csv = `email,phone,first name\n${all.map((p) => `${p.email},${p.phone},${p.firstName}`).join('\n')}\n`;
      const results = await enroll(sequenceId, csv, { contentType: 'text/csv' });
      expect(results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
      // The control is still running in the first sequence: one sequence at a time.
      expect(results[4]?.reason).toMatch(
        sequenceId === SEQUENCE ? /^already active in this sequence$/ : /^already active in another sequence: "Inbound lead follow-up" \(inbound-lead-follow-up\)/,
      );
      expect(results[0]?.reason).toBe(`replied by SMS on ${day} (sequence ${SEQUENCE})`);
      expect(results[1]?.reason).toBe(`opted out of SMS on ${day} (texted STOP)`);
      expect(results[2]?.reason).toBe(`opted out of email on ${day} (one-click unsubscribe)`);
      expect(results[3]?.reason).toBe(`email bounced on ${day} (permanent bounce)`);
    }
    // The phone-only rows of the same people are the same people (one person per phone).
    const phoneOnly = await enroll('rules-other-sequence', { prospects: [{ phone: people.replier.phone }, { phone: people.stopper.phone }] });
    expect(phoneOnly.map((r) => r.status)).toEqual(['skipped', 'skipped']);

    await app.advance('7 days');
    const after = (await app.outbox()).slice(before);
    for (const person of [people.replier, people.stopper, people.unsubscriber, people.bouncer]) {
      expect(to(after, person.email, person.phone), person.email).toEqual([]);
    }
    expect(to(after, people.control.email, people.control.phone).length).toBeGreaterThan(0);
  });

  it('lifting takes an explicit, audited consent; an SMS STOP only the prospect\'s own START', async () => {
    const id = (person: { email: string }) => prospectIdFor({ email: person.email });
    const consent = (person: { email: string }, body: unknown) => app.request('POST', `/prospects/${id(person)}/consent`, { body });

    expect(await consent(people.unsubscriber, { channel: 'email' })).toMatchObject({ status: 400, body: { field: 'source' } });
    expect(await consent(people.unsubscriber, { channel: 'fax', source: 'x' })).toMatchObject({ status: 400, body: { field: 'channel' } });
    const refused = await consent(people.stopper, { channel: 'sms', source: 'said yes on the phone' });
    expect(refused).toMatchObject({ status: 409, body: { field: 'channel', error: expect.stringMatching(/texted STOP.*only a START from that number/) } });

    const source = 're-subscribed by phone 2026-11-26, ticket 123';
    const given = await consent(people.unsubscriber, { channel: 'email', source });
    expect(given).toMatchObject({ status: 200, body: { consent: { channel: 'email', source, actor: 'apiKey', lifted: ['unsubscribe'] } } });
    const { timeline } = await prospectView(id(people.unsubscriber));
    expect(timeline.find((entry) => entry.type === 'opted_in')).toMatchObject({ actor: 'apiKey', detail: expect.stringContaining(source) });
    expect((await consent(people.replier, { channel: 'sms', source: 'asked by phone to stay in touch' })).body).toMatchObject({ consent: { lifted: ['reply'] } });
    await textFrom(people.stopper.phone, 'START');

    const results = await enroll('rules-other-sequence', { prospects: [people.unsubscriber, people.stopper, people.replier, people.bouncer] });
    expect(results.map((r) => r.status)).toEqual(['enrolled', 'enrolled', 'enrolled', 'skipped']);
  });
});

describe('replies are credited to the step they answer', () => {
  it('an answer to the first email, after the third step went out, counts for the first step in /stats', async () => {
    await publishVariant('credit-sequence', { name: 'Credit' });
    const email = 'credit.reader@example.com';
    const [row] = await enroll('credit-sequence', { prospects: [{ email, phone: '+12025550171', timezone: 'America/New_York' }] });
    expect(row).toMatchObject({ status: 'enrolled' });
    const sent = async () => to(await app.outbox(), email, '+12025550171');
    for (let day = 0; day < 14 && (await sent()).length < 3; day++) await app.advance('1 day');
    const [intro, , story] = await sent();
    expect([intro?.stepId, story?.stepId]).toEqual(['intro', 'customer-story']);

    const messageId = `<${intro?.providerMessageId}@email.amazonses.com>`;
    const mime = [
      `From: Reader <${email}>`,
      'To: dana@northwind.example',
      `Subject: Re: ${intro?.subject}`,
      'Message-ID: <answer-to-intro@mail.example.com>',
      `In-Reply-To: ${messageId}`,
      `References: ${messageId}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Sorry for the delay, yes let us talk next week.',
      '',
    ].join('\r\n');
    const inbound = await app.request('POST', '/dev/inbound/email', { body: mime, contentType: 'message/rfc822' });
    expect(inbound.status, inbound.text).toBe(200);

    const stats = await app.request('GET', '/sequences/credit-sequence/stats');
    const step = (id: string) => stats.body.steps.find((s: { stepId: string }) => s.stepId === id);
    expect(step('intro')).toMatchObject({ sent: 1, replied: 1, replyRate: 1 });
    expect(step('customer-story')).toMatchObject({ sent: 1, replied: 0, replyRate: 0 });
    expect(step('break-up')).toMatchObject({ sent: 0, replyRate: null });
  });
});

describe('stopOnReplyFrom: account', () => {
  it('a reply from one person at a company stops their colleagues in that sequence, not people at gmail.com', async () => {
    await publishVariant('account-sequence', { name: 'Account', stopOnReplyFrom: 'account', allowConcurrent: true });
    const team = [
      { email: 'ann@initech.example', phone: '+12025550191', timezone: 'America/New_York' },
      { email: 'bill@initech.example', phone: '+12025550192', timezone: 'America/New_York' },
      { email: 'free.one@gmail.com', phone: '+12025550193', timezone: 'America/New_York' },
      { email: 'free.two@gmail.com', phone: '+12025550194', timezone: 'America/New_York' },
    ];
    expect((await enroll('account-sequence', { prospects: team })).map((r) => r.status)).toEqual(['enrolled', 'enrolled', 'enrolled', 'enrolled']);
    await app.advance('2 days');
    await app.advance('3h');
    await textFrom(team[0]!.phone, 'Bill and I will call you');
    await textFrom(team[2]!.phone, 'Maybe later');
    const before = (await app.outbox()).length;

    const bill = await prospectView(prospectIdFor({ email: team[1]!.email }));
    expect(bill.enrollments.find((e) => e.sequenceId === 'account-sequence')).toMatchObject({ status: 'stopped', endReason: 'a colleague (same domain) replied' });
    const other = await prospectView(prospectIdFor({ email: team[3]!.email }));
    expect(other.enrollments.find((e) => e.sequenceId === 'account-sequence')).toMatchObject({ status: 'active' });

    await app.advance('7 days');
    const after = (await app.outbox()).slice(before);
    expect(to(after, team[1]!.email, team[1]!.phone)).toEqual([]);
    expect(to(after, team[3]!.email, team[3]!.phone).length).toBeGreaterThan(0);
  });
});

describe('re-enrolling and concurrent sequences', () => {
  it('a stopped run starts again only with reenroll (JSON body, or ?reenroll=true for CSV)', async () => {
    const email = 'again@example.com';
    const [first] = await enroll(SEQUENCE, { prospects: [{ email }] });
    const stop = await app.request('POST', `/enrollments/${first?.enrollmentId}/stop`, { body: { reason: 'asked by sales' } });
    expect(stop.status).toBe(200);
    const day = (await app.request('GET', '/dev/clock')).body.now.slice(0, 10);

    const [refused] = await enroll(SEQUENCE, { prospects: [{ email }] });
    expect(refused).toMatchObject({ status: 'skipped', reason: expect.stringContaining(`already went through this sequence on ${day} (stopped)`) });
    expect((await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { prospects: [{ email }], reenroll: 'yes' } })).body).toMatchObject({ field: 'reenroll' });
    expect((await app.request('POST', `/sequences/${SEQUENCE}/enrollments?reenroll=maybe`, { body: 'email\nx@example.com\n', contentType: 'text/csv' })).body).toMatchObject({ field: 'reenroll' });

    const [viaCsv] = await enroll(SEQUENCE, `email\n${email}\n`, { contentType: 'text/csv', query: '?reenroll=true' });
    expect(viaCsv).toMatchObject({ status: 'enrolled', enrollmentId: first?.enrollmentId });
    await app.request('POST', `/enrollments/${first?.enrollmentId}/stop`, {});
    const [viaJson] = await enroll(SEQUENCE, { prospects: [{ email }], reenroll: true });
    expect(viaJson).toMatchObject({ status: 'enrolled' });
    const { enrollments } = await prospectView(prospectIdFor({ email }));
    expect(enrollments[0]).toMatchObject({ status: 'active', run: 3 });
  });

  it('one running sequence at a time; with allowConcurrent both run, and the person gets one email a day', async () => {
    await publishVariant('concurrent-a', { name: 'Concurrent A' });
    await publishVariant('concurrent-b', { name: 'Concurrent B', allowConcurrent: true });
    await publishVariant('concurrent-c', { name: 'Concurrent C' });
    const person = { email: 'busy@example.com', timezone: 'America/New_York' };
    expect((await enroll('concurrent-a', { prospects: [person] }))[0]).toMatchObject({ status: 'enrolled' });
    expect((await enroll('concurrent-c', { prospects: [person] }))[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^already active in another sequence: "Concurrent A" \(concurrent-a\)/),
    });
    expect((await enroll('concurrent-b', { prospects: [person] }))[0]).toMatchObject({ status: 'enrolled' });

    const before = (await app.outbox()).length;
    await app.advance('3 days');
    const emails = to((await app.outbox()).slice(before), person.email).filter((m) => m.channel === 'email');
    expect(emails.map((m) => m.stepId)).toEqual(['intro', 'intro']);
    const days = emails.map((m) => new Date(m.sentAt).toLocaleDateString('en-CA', { timeZone: 'America/New_York' }));
    expect(new Set(days).size).toBe(2);
  });
});
