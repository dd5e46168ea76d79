/**
 * The console's query API over HTTP against the embedded runtime: the inbox filled by real
 * inbound paths (signed SMS webhook, inbound email, SES bounce, one-click unsubscribe),
 * marked handled; prospects and a sequence's enrollments with filters and local times;
 * CSV exports; stats with replies, the 90 days and the funnel; versions; previews; and a
 * 400 naming the field for every bad parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxPage, enrollmentsPage, prospectsPage, prospectView, publishedVersion, sequenceStats, previewResponse, versionsList } from '../../functions/contract/queries.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { signIn } from '../support/sign-in.js';

const SEQUENCE = 'inbound-lead-follow-up';
const REPLY_DOMAIN = 'reply.followup.test';
const PEOPLE = {
  texter: { email: 'texter@example.com', phone: '+12025550143', firstName: 'Tess', lastName: 'Ober', company: 'Zoë Ltd', timezone: 'America/New_York' },
  writer: { email: 'writer@example.com', phone: '+12025550144', firstName: 'Wren', company: 'Acme', timezone: 'Europe/Berlin' },
  bouncer: { email: 'bouncer@example.com', firstName: 'Bo', company: 'Acme', timezone: 'America/New_York' },
  clicker: { email: 'clicker@example.com', firstName: 'Cleo', company: 'Beta', timezone: 'America/Chicago' },
  control: { email: 'control@example.com', firstName: 'Cody', company: 'Acme', timezone: 'America/New_York' },
} as const;
type Person = keyof typeof PEOPLE;

let t: TestRuntime;
let ids: Record<Person, { prospectId: string; enrollmentId: string }>;
let editor: string;
let viewer: string;

async function twilioSms(from: string, body: string) {
  const path = '/webhooks/twilio/sms';
  const params = { MessageSid: `SM${Math.random().toString(16).slice(2).padEnd(32, '0')}`, AccountSid: 'AC00000000000000000000000000000000', From: from, To: '+15005550006', Body: body, NumMedia: '0' };
  const signature = signTwilioRequest(`${t.runtime.publicUrl}${path}`, params, t.runtime.twilioAuthToken);
  return t.request('POST', path, { apiKey: null, body: new URLSearchParams(params).toString(), contentType: 'application/x-www-form-urlencoded', headers: { 'x-twilio-signature': signature } });
}

beforeAll(async () => {
  t = await startTestRuntime({ replyDomain: REPLY_DOMAIN });
  const enrolled = await t.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { prospects: Object.values(PEOPLE) } });
  expect(enrolled.body.summary).toEqual({ enrolled: 5, skipped: 0, invalid: 0 });
  const [texter, writer, bouncer, clicker, control] = enrolled.body.results;
  ids = { texter, writer, bouncer, clicker, control };
  const link = async (email: string, role: string) => (await t.request('POST', '/dev/users', { body: { email, role } })).body.signInUrl as string;
  editor = (await signIn(await link('ed@example.com', 'editor'))).access_token;
  viewer = (await signIn(await link('vi@example.com', 'viewer'))).access_token;

  await t.advance('2h'); // 10:00 in New York: the intro emails go out
  const sent = await t.outbox();
  const firstTo = (email: string) => sent.find((m) => m.to === email && m.channel === 'email');

  await twilioSms(PEOPLE.texter.phone, 'Sure, call me Wednesday');
  await t.advance('1m');
  const writerFirst = firstTo(PEOPLE.writer.email);
  const mime = [
    `From: Wren <${PEOPLE.writer.email}>`,
    `To: <${writerFirst?.headers?.['Reply-To']}>`,
    `Subject: Re: ${writerFirst?.subject}`,
    'Message-ID: <wren-1@mail.example.com>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Happy to chat. Does Thursday work?',
    '',
    'On Mon, Nov 23, 2026 at 10:00 AM Dana wrote:',
    '> the quoted intro',
    '',
  ].join('\r\n');
  expect((await t.request('POST', '/dev/inbound/email', { body: mime, contentType: 'message/rfc822' })).body).toMatchObject({ outcome: 'replied' });
  await t.advance('1m');
  const bounce = await t.request('POST', '/dev/email-events', { body: { type: 'Bounce', bounceType: 'Permanent', messageId: firstTo(PEOPLE.bouncer.email)?.providerMessageId } });
  expect(bounce.status).toBe(200);
  await t.advance('1m');
  const unsubscribe = /<(http[^>]+)>/.exec(firstTo(PEOPLE.clicker.email)?.headers?.['List-Unsubscribe'] ?? '')?.[1] as string;
  const oneClick = await t.request('POST', new URL(unsubscribe).pathname, { apiKey: null, body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' });
  expect(oneClick.status).toBe(200);
  // A second click and a replayed bounce add nothing.
  await t.request('POST', new URL(unsubscribe).pathname, { apiKey: null, body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' });
});
afterAll(() => t.close());

describe('GET /inbox and POST /inbox/{id}/handled', () => {
  it('lists each reply, opt-out and bounce once, newest first, with the text and the step it answers', async () => {
    const response = await t.request('GET', '/inbox', { apiKey: viewer });
    expect(response.status).toBe(200);
    const page = inboxPage.parse(response.body);
    expect(page.items.map((i) => [i.kind, i.prospectId])).toEqual([
      ['opt_out', ids.clicker.prospectId],
      ['bounce', ids.bouncer.prospectId],
      ['reply', ids.writer.prospectId],
      ['reply', ids.texter.prospectId],
    ]);
    const [optOut, bounced, email, sms] = page.items;
    expect(sms).toMatchObject({ channel: 'sms', text: 'Sure, call me Wednesday', stepId: 'intro', sequenceId: SEQUENCE, enrollmentId: ids.texter.enrollmentId, handled: false });
    expect(sms?.atLocal).toMatch(/-05:00$/);
    expect(email).toMatchObject({ channel: 'email', text: 'Happy to chat. Does Thursday work?', enrollmentId: ids.writer.enrollmentId, stepId: 'intro' });
    expect(email?.subject).toMatch(/^Re: /);
    expect(email?.atLocal).toMatch(/\+01:00$/);
    expect(bounced).toMatchObject({ channel: 'email', enrollmentId: ids.bouncer.enrollmentId, text: expect.stringMatching(/bounce/i) });
    expect(optOut).toMatchObject({ channel: 'email', enrollmentId: ids.clicker.enrollmentId });
  });

  it('filters by kind and since (combined), pages with cursors, and refuses bad parameters naming them', async () => {
    expect((await t.request('GET', '/inbox?kind=reply')).body.items.map((i: { prospectId: string }) => i.prospectId)).toEqual([ids.writer.prospectId, ids.texter.prospectId]);
    const all = (await t.request('GET', '/inbox')).body.items as { at: string; id: string }[];
    const since = all[2]?.at as string;
    expect((await t.request('GET', `/inbox?kind=reply&since=${encodeURIComponent(since)}`)).body.items).toHaveLength(1);
    const first = await t.request('GET', '/inbox?limit=3');
    expect(first.body.items).toHaveLength(3);
    const second = await t.request('GET', `/inbox?limit=3&cursor=${first.body.nextCursor}`);
    expect([...first.body.items, ...second.body.items].map((i: { id: string }) => i.id)).toEqual(all.map((i) => i.id));
    for (const [query, field] of [
      ['kind=spam', 'kind'],
      ['since=yesterday', 'since'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=bogus', 'cursor'],
      [`kind=bounce&cursor=${first.body.nextCursor}`, 'cursor'],
    ] as const) {
      const bad = await t.request('GET', `/inbox?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.field, query).toBe(field);
    }
  });

  it('an editor marks an item handled (recorded with who), a viewer cannot, an unknown item is 404', async () => {
    const [item] = (await t.request('GET', '/inbox?kind=reply')).body.items as { id: string }[];
    const marked = await t.request('POST', `/inbox/${item?.id}/handled`, { apiKey: editor, body: { handled: true } });
    expect(marked.status).toBe(200);
    expect(marked.body.item).toMatchObject({ id: item?.id, handled: true, handledBy: 'user:ed@example.com' });
    expect((await t.request('GET', '/inbox?kind=reply')).body.items[0]).toMatchObject({ handled: true, handledBy: 'user:ed@example.com' });
    expect((await t.request('POST', `/inbox/${item?.id}/handled`, { apiKey: viewer, body: { handled: false } })).status).toBe(403);
    expect((await t.request('POST', `/inbox/${item?.id}/handled`, { apiKey: editor, body: { handled: 'yes' } })).body).toMatchObject({ field: 'handled' });
    expect((await t.request('POST', `/inbox/${ids.control.prospectId}.0123456789abcdef/handled`, { body: { handled: true } })).status).toBe(404);
    expect((await t.request('POST', '/inbox/nope/handled', { body: { handled: true } })).body).toMatchObject({ field: 'id' });
    const unmarked = await t.request('POST', `/inbox/${item?.id}/handled`, { body: { handled: false } });
    expect(unmarked.body.item.handled).toBe(false);
    expect(unmarked.body.item).not.toHaveProperty('handledBy');
  });

  it('exports the inbox as CSV with a header row, prospect text as text', async () => {
    const csv = await t.request('GET', '/inbox.csv', { apiKey: viewer });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,kind,at,atLocal,prospectId,enrollmentId,sequenceId,stepId,channel,subject,text,handled,handledBy,handledAt');
    expect(lines).toHaveLength(5);
    expect(csv.text).toContain('Sure, call me Wednesday');
    expect((await t.request('GET', '/inbox.csv?kind=bounce')).text.trim().split('\r\n')).toHaveLength(2);
  });
});

describe('GET /prospects', () => {
  it('searches by name or company prefix (accents folded), email and phone, with the fields a list shows', async () => {
    const byCompany = prospectsPage.parse((await t.request('GET', '/prospects?q=acme', { apiKey: viewer })).body);
    expect(byCompany.items.map((p) => p.firstName).sort()).toEqual(['Bo', 'Cody', 'Wren']);
    expect((await t.request('GET', '/prospects?q=zoe')).body.items.map((p: { id: string }) => p.id)).toEqual([ids.texter.prospectId]);
    expect((await t.request('GET', `/prospects?q=${encodeURIComponent('TEXTER@example.com')}`)).body.items[0]).toMatchObject({ id: ids.texter.prospectId, phone: PEOPLE.texter.phone });
    expect((await t.request('GET', `/prospects?q=${encodeURIComponent('(202) 555-0143')}`)).body.items.map((p: { id: string }) => p.id)).toEqual([ids.texter.prospectId]);
  });

  it("lists a sequence's prospects in a status, with q narrowing them; refuses status alone", async () => {
    const active = (await t.request('GET', `/prospects?sequence=${SEQUENCE}&status=active`)).body;
    expect(active.items.map((p: { firstName: string }) => p.firstName)).toEqual(['Cody']);
    expect(active.items[0].enrollments).toEqual([{ sequenceId: SEQUENCE, status: 'active' }]);
    const replied = (await t.request('GET', `/prospects?sequence=${SEQUENCE}&status=replied&q=wr`)).body;
    expect(replied.items.map((p: { firstName: string }) => p.firstName)).toEqual(['Wren']);
    expect((await t.request('GET', '/prospects?status=active')).body).toMatchObject({ field: 'status' });
    expect((await t.request('GET', '/prospects')).body).toMatchObject({ field: 'q' });
    expect((await t.request('GET', '/prospects?q=a&limit=500')).body).toMatchObject({ field: 'limit' });
    expect((await t.request('GET', `/prospects?sequence=${SEQUENCE}&status=happy`)).body).toMatchObject({ field: 'status' });
  });
});

describe('GET /sequences/{id}/enrollments (+ .csv)', () => {
  it('lists enrollments with the prospect, step id, and next touch in UTC and in the prospect zone', async () => {
    const page = enrollmentsPage.parse((await t.request('GET', `/sequences/${SEQUENCE}/enrollments`, { apiKey: viewer })).body);
    expect(page.items).toHaveLength(5);
    const control = page.items.find((e) => e.prospectId === ids.control.prospectId);
    // Cody has no phone: the SMS check-in was skipped, the customer story is next.
    expect(control).toMatchObject({ status: 'active', stepIndex: 2, stepId: 'customer-story', version: 1, run: 1, timezone: 'America/New_York', prospect: { firstName: 'Cody', company: 'Acme' } });
    expect(Date.parse(control?.nextTouchLocal as string)).toBe(Date.parse(control?.nextTouchAt as string));
    expect(control?.nextTouchLocal).toMatch(/-05:00$/);
    const byStatus = (await t.request('GET', `/sequences/${SEQUENCE}/enrollments?status=opted_out`)).body.items;
    expect(byStatus.map((e: { prospectId: string }) => e.prospectId)).toEqual([ids.clicker.prospectId]);
    expect((await t.request('GET', `/sequences/${SEQUENCE}/enrollments?status=active&step=customer-story`)).body.items).toHaveLength(1);
    expect((await t.request('GET', `/sequences/${SEQUENCE}/enrollments?status=active&step=0`)).body.items).toHaveLength(0);
    for (const [query, field] of [['status=lost', 'status'], ['step=nope', 'step'], ['limit=-1', 'limit'], ['cursor=%%%', 'cursor']] as const) {
      const bad = await t.request('GET', `/sequences/${SEQUENCE}/enrollments?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.field, query).toBe(field);
    }
    expect((await t.request('GET', '/sequences/no-such/enrollments')).status).toBe(404);
  });

  it('exports every enrollment as CSV', async () => {
    const csv = await t.request('GET', `/sequences/${SEQUENCE}/enrollments.csv?status=active`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,prospectId,firstName,lastName,company,email,phone,status,stepIndex,stepId,version,run,nextTouchAt,nextTouchLocal,timezone,updatedAt,endedAt,endReason');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('control@example.com');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${SEQUENCE}-enrollments.csv"`);
  });
});

describe('stats, versions, preview', () => {
  it('stats: per-step replies and reply rate, opt-outs, bounces, 90 days, the funnel', async () => {
    const stats = sequenceStats.parse((await t.request('GET', `/sequences/${SEQUENCE}/stats`, { apiKey: viewer })).body);
    const intro = stats.steps.find((s) => s.stepId === 'intro');
    expect(intro).toMatchObject({ sent: 5, replied: 2, replies: 2, optedOut: 1, bounced: 1, replyRate: 0.4 });
    expect(stats.steps.find((s) => s.stepId === 'check-in')?.replyRate).toBeNull();
    expect(stats.daily).toHaveLength(90);
    expect(stats.daily.at(-1)).toMatchObject({ day: '2026-11-23', sent: 5, replied: 2, optedOut: 1, bounced: 1 });
    expect(stats.daily[0]?.day).toBe('2026-08-26');
    expect(stats.funnel).toEqual({ enrolled: 5, touched: 5, replied: 2, optedOut: 1, bounced: 1, completed: 0, converted: 0 });
  });

  it('versions: the list with enrollments per version, and one version as published', async () => {
    const versions = versionsList.parse((await t.request('GET', `/sequences/${SEQUENCE}/versions`, { apiKey: viewer })).body);
    expect(versions.items).toEqual([expect.objectContaining({ version: 1, enrollments: 5 })]);
    const one = await t.request('GET', `/sequences/${SEQUENCE}/versions/1`);
    publishedVersion.parse(one.body);
    expect(one.body.sequence).toMatchObject({ id: SEQUENCE, version: 1, definition: { steps: expect.any(Array) }, templates: { intro: expect.any(Object) } });
    expect((await t.request('GET', `/sequences/${SEQUENCE}/versions/9`)).status).toBe(404);
    expect((await t.request('GET', `/sequences/${SEQUENCE}/versions/x`)).body).toMatchObject({ field: 'version' });
  });

  it('preview: an email and an SMS (segments) for the sample, a stored and a given prospect', async () => {
    const sample = previewResponse.parse((await t.request('POST', `/sequences/${SEQUENCE}/preview`, { apiKey: viewer, body: { stepId: 'intro' } })).body);
    expect(sample).toMatchObject({ channel: 'email', prospect: 'sample' });
    expect(sample.subject).toBeTruthy();
    expect(sample.html).toContain('Alex');
    const stored = (await t.request('POST', `/sequences/${SEQUENCE}/preview`, { body: { stepId: 'intro', prospectId: ids.control.prospectId } })).body;
    expect(stored).toMatchObject({ channel: 'email', prospect: 'stored' });
    expect(stored.text).toContain('Cody');
    const sms = previewResponse.parse((await t.request('POST', `/sequences/${SEQUENCE}/preview`, { body: { stepId: 'check-in', prospect: { firstName: 'Zoë 🎉', phone: '+12025550100' } } })).body);
    expect(sms).toMatchObject({ channel: 'sms', prospect: 'given', segments: { encoding: 'UCS-2' } });
    expect(sms.text).toContain('Zoë 🎉');
    expect((await t.request('POST', `/sequences/${SEQUENCE}/preview`, { body: { stepId: 'nope' } })).body).toMatchObject({ field: 'stepId' });
    expect((await t.request('POST', `/sequences/${SEQUENCE}/preview`, { body: { stepId: 'intro', extra: 1 } })).body).toMatchObject({ field: 'extra' });
  });

  it("preview: a call's script and a voicemail's message, rendered as text for the prospect given", async () => {
    const call = previewResponse.parse((await t.request('POST', '/sequences/phone-first-follow-up/preview', { body: { stepId: 'first-call', prospect: { firstName: 'Zoë', company: 'Acme' } } })).body);
    expect(call).toMatchObject({ channel: 'call', prospect: 'given' });
    expect(call.text).toMatch(/^Hi Zoë, this is Dana Whitfield from Northwind Analytics\. The reason I'm calling is the demo you asked for for Acme/);
    const voicemail = previewResponse.parse((await t.request('POST', '/sequences/phone-first-follow-up/preview', { body: { stepId: 'voicemail' } })).body);
    expect(voicemail).toMatchObject({ channel: 'voicemail', prospect: 'sample' });
    expect(voicemail.text).toContain("The reason I'm calling is the demo you asked for");
  });

  it('the prospect view gives times in the prospect zone', async () => {
    const view = prospectView.parse((await t.request('GET', `/prospects/${ids.control.prospectId}`)).body);
    expect(view.prospect.timezoneSource).toBe('given');
    expect(view.enrollments[0]?.nextTouchLocal).toMatch(/-05:00$/);
    expect(view.timeline[0]?.atLocal).toMatch(/-05:00$/);
  });
});
