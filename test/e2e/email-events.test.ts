/**
 * The local SES emits the events SES would, through the same handler as EventBridge: a
 * delivery for every sent email, and `POST /dev/email-events` for a bounce, complaint,
 * open or click of a sent message. Over HTTP only, as a user of `npm start` would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';
const BOUNCER = { email: 'bouncer@example.com', phone: '+12025550181', firstName: 'Bo', timezone: 'America/New_York' };
const READER = { email: 'reader@example.com', phone: '+12025550182', firstName: 'Ria', timezone: 'America/New_York' };

let app: TestRuntime;
let ids: { bouncer: { prospectId: string; enrollmentId: string }; reader: { prospectId: string; enrollmentId: string } };

beforeAll(async () => {
  app = await startTestRuntime();
  const enrolled = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { prospects: [BOUNCER, READER] } });
  expect(enrolled.body.summary).toMatchObject({ enrolled: 2 });
  ids = { bouncer: enrolled.body.results[0], reader: enrolled.body.results[1] };
  await app.advance('2h'); // 10:00 in New York: both intros go out
});
afterAll(async () => {
  await app?.close();
});

async function introOf(email: string) {
  const intro = (await app.outbox()).find((m) => m.to === email && m.stepId === 'intro');
  if (!intro) throw new Error(`no intro to ${email}`);
  return intro;
}

const emailEvent = (body: unknown) => app.request('POST', '/dev/email-events', { body });

describe('SES events in the embedded runtime', () => {
  it('every sent email is reported delivered, as SES would, with the touch found from its tags', async () => {
    const intro = await introOf(READER.email);
    expect(intro.tags).toMatchObject({ prospectId: ids.reader.prospectId, sequenceId: SEQUENCE, run: '1', stepIndex: '0' });
    const prospect = await app.request('GET', `/prospects/${ids.reader.prospectId}`);
    // The delivery is the touch's status, told on the touch's own timeline entry (no row of its own).
    const introEntries = prospect.body.timeline.filter((e: { stepId?: string }) => e.stepId === 'intro');
    expect(introEntries.map((e: { type: string; detail?: string }) => [e.type, e.detail])).toEqual([['sent', 'email delivered']]);
    expect(prospect.body.enrollments[0].touches.intro.status).toBe('delivered');
    const stats = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    expect(stats.body.steps.find((s: { stepId: string }) => s.stepId === 'intro')).toMatchObject({ sent: 2, delivered: 2 });
  });

  it('a permanent bounce suppresses the address and stops the enrollment as bounced; a week later nothing more went there', async () => {
    const intro = await introOf(BOUNCER.email);
    const response = await emailEvent({ type: 'Bounce', messageId: intro.providerMessageId, bounceType: 'Permanent' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ outcome: 'suppressed' });
    const prospect = await app.request('GET', `/prospects/${ids.bouncer.prospectId}`);
    expect(prospect.body.enrollments[0]).toMatchObject({ status: 'bounced' });
    expect(prospect.body.timeline.map((e: { type: string }) => e.type)).toContain('bounced');

    const before = (await app.outbox()).length;
    await app.advance('7d');
    const later = (await app.outbox()).slice(before);
    expect(later.filter((m) => m.to === BOUNCER.email || m.to === BOUNCER.phone)).toEqual([]);
    // The prospect who did nothing carried on.
    expect(later.filter((m) => m.to === READER.phone).map((m) => m.stepId)).toEqual(['check-in']);

    // Re-importing the bounced address does not contact it again.
    const again = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, { body: { prospects: [{ email: BOUNCER.email }] } });
    expect(again.body.results[0].status).toBe('skipped');
  });

  it('opens and clicks are counted on the step; a transient bounce changes nothing but its counter', async () => {
    const intro = await introOf(READER.email);
    expect((await emailEvent({ type: 'Open', messageId: intro.providerMessageId })).body).toEqual({ outcome: 'counted' });
    expect((await emailEvent({ type: 'Click', messageId: intro.providerMessageId })).body).toEqual({ outcome: 'counted' });
    expect((await emailEvent({ type: 'Bounce', messageId: intro.providerMessageId, bounceType: 'Transient' })).body).toEqual({ outcome: 'counted' });
    const stats = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    expect(stats.body.steps.find((s: { stepId: string }) => s.stepId === 'intro')).toMatchObject({ opened: 1, clicked: 1 });
    const prospect = await app.request('GET', `/prospects/${ids.reader.prospectId}`);
    expect(prospect.body.enrollments[0]).toMatchObject({ status: 'active' });
  });

  it('a complaint suppresses like a bounce', async () => {
    const intro = await introOf(READER.email);
    expect((await emailEvent({ type: 'Complaint', messageId: intro.providerMessageId })).body).toEqual({ outcome: 'suppressed' });
    const prospect = await app.request('GET', `/prospects/${ids.reader.prospectId}`);
    expect(prospect.body.enrollments[0]).toMatchObject({ status: 'bounced' });
    expect(prospect.body.timeline.map((e: { type: string }) => e.type)).toContain('complained');
  });

  it('refuses what it cannot play, naming the field', async () => {
    const intro = await introOf(READER.email);
    expect(await emailEvent({ type: 'Bounce', messageId: 'ses-000000000' })).toMatchObject({ status: 404, body: { field: 'messageId' } });
    expect(await emailEvent({ type: 'Bounced', messageId: intro.providerMessageId })).toMatchObject({ status: 400, body: { field: 'type' } });
    expect(await emailEvent({ type: 'Open', messageId: intro.providerMessageId, bounceType: 'Permanent' })).toMatchObject({ status: 400, body: { field: 'bounceType' } });
    expect(await emailEvent({ type: 'Bounce', messageId: intro.providerMessageId, bounceType: 'Soft' })).toMatchObject({ status: 400, body: { field: 'bounceType' } });
    expect(await emailEvent({ type: 'Bounce', messageId: intro.providerMessageId, recipient: 'not an address' })).toMatchObject({ status: 400, body: { field: 'recipient' } });
    expect(await emailEvent({ type: 'Open', messageId: intro.providerMessageId, extra: 1 })).toMatchObject({ status: 400, body: { field: 'extra' } });
    expect(await emailEvent({ messageId: intro.providerMessageId })).toMatchObject({ status: 400, body: { field: 'type' } });
  });
});
