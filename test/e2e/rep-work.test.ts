/**
 * The rep's side over HTTP against the embedded runtime, as `npm start` users (and their
 * CRM) see it: a call step puts a task on the list; `call_back` takes it off until its
 * date, when it comes back; `meeting_booked` converts; an outside event converts the
 * sequences that exit on it; a voicemail drop is answered by a machine through
 * `POST /dev/calls/{sid}`; a webhook receiver (a local HTTP server) gets every event once,
 * signed, and a failed delivery is retried and listed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayGuard, verifyWebhookSignature } from '../../functions/domain/webhook-signature.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'phone-first-follow-up';
const OWNER = 'sales@northwind.example';
const SECRET = 'whsec_e2e_0123456789abcdef';

let app: TestRuntime;
let closeReceiver: () => Promise<void>;
/** Every delivery the receiver accepted (id, type, data), and how many arrived in all. */
const received: { id: string; type: string; data: Record<string, unknown> }[] = [];
let arrivals = 0;
let failNextDeliveries = 0;

beforeAll(async () => {
  const guard = createReplayGuard();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    arrivals++;
    if (failNextDeliveries > 0) {
      failNextDeliveries--;
      return res.writeHead(503).end();
    }
    const check = verifyWebhookSignature({ header: req.headers['followup-signature'] as string, body, secret: SECRET });
    if (!check.ok) return res.writeHead(400).end(check.reason);
    const event = JSON.parse(body) as { id: string; type: string; data: Record<string, unknown> };
    if (guard.accept(event.id)) received.push(event);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeReceiver = () => new Promise<void>((resolve) => server.close(() => resolve()));
  app = await startTestRuntime({
    webhooks: [{ id: 'crm', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, secret: SECRET }],
    webhookRetryBaseMs: 20,
  });
});
afterAll(async () => {
  await app?.close();
  await closeReceiver?.();
});

const delivered = async () => {
  await app.runtime.webhooks?.idle();
  return received;
};

async function tasksOf(query = `assignee=${OWNER}&due=all`) {
  const response = await app.request('GET', `/tasks?${query}`);
  expect(response.status, response.text).toBe(200);
  return response.body.items as { id: string; prospectId: string; attempt: number; dueAt: string; script: string; purpose: string; callable: boolean; prospect: { firstName?: string } }[];
}

describe("the rep's work", () => {
  const ids: Record<string, { prospectId: string; enrollmentId: string }> = {};

  it('a call step puts ONE task on the owner\'s list, with the script and the prospect\'s local time', async () => {
    const response = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: {
        prospects: [
          { email: 'ada@example.com', phone: '+14155550123', firstName: 'Ada', company: 'Analytical Engines', timezone: 'America/New_York' },
          { email: 'grace@example.com', phone: '+14155550124', firstName: 'Grace', timezone: 'America/Chicago' },
          { email: 'linus@example.com', phone: '+14155550125', firstName: 'Linus', timezone: 'America/New_York' },
        ],
      },
    });
    expect(response.status).toBe(200);
    const [ada, grace, linus] = response.body.results as { prospectId: string; enrollmentId: string }[];
    Object.assign(ids, { ada, grace, linus });

    // Monday 08:00 New York: the welcome email at 09:00 local, the call an hour later.
    await app.advance('1h');
    expect(await tasksOf()).toEqual([]);
    await app.advance('1h');
    expect((await tasksOf()).map((t) => t.prospect.firstName).sort()).toEqual(['Ada', 'Linus']);
    await app.advance('2h'); // 10:00 in Chicago
    const tasks = await tasksOf();
    expect(tasks.map((t) => t.prospect.firstName)).toEqual(['Ada', 'Linus', 'Grace'].sort((a, b) => (a === 'Grace' ? 1 : b === 'Grace' ? -1 : tasks.findIndex((t) => t.prospect.firstName === a) - tasks.findIndex((t) => t.prospect.firstName === b))));
    expect(tasks[2]).toMatchObject({ dueAt: expect.stringMatching(/^2026-11-23T16:00:00/), dueLocal: expect.stringMatching(/^2026-11-23T10:00:00(\.\d{3})?-06:00$/) });
    expect(tasks.find((t) => t.prospectId === ada!.prospectId)).toMatchObject({
      prospectId: ada!.prospectId,
      purpose: 'Find out what prompted the demo request, and book a 30-minute demo',
      // The step's own time: an hour after the welcome email went out at 09:00 local.
      dueAt: expect.stringMatching(/^2026-11-23T15:00:00\.\d{3}Z$/),
      dueLocal: expect.stringMatching(/^2026-11-23T10:00:00(\.\d{3})?-05:00$/),
      callable: true,
      attempt: 1,
    });
    expect(tasks.find((t) => t.prospectId === ada!.prospectId)?.script).toContain("Hi Ada, this is Dana Whitfield from Northwind Analytics. The reason I'm calling is the demo you asked for for Analytical Engines");
    expect((await tasksOf('assignee=all&due=overdue')).length).toBe(3);
    expect(await tasksOf('assignee=nobody@example.com&due=all')).toEqual([]);
    const outbox = await app.outbox();
    expect(outbox.filter((m) => m.channel === 'email')).toHaveLength(3);
    expect(outbox.filter((m) => m.channel === 'call' || m.channel === 'voicemail')).toHaveLength(0);
  });

  it('refuses bad list queries and outcomes with the field named', async () => {
    expect((await app.request('GET', '/tasks?due=tomorrow&assignee=all')).body).toMatchObject({ field: 'due' });
    expect((await app.request('GET', '/tasks?assignee=me')).body).toMatchObject({ field: 'assignee' });
    expect((await app.request('GET', '/tasks?assignee=all&limit=500')).body).toMatchObject({ field: 'limit' });
    const [task] = await tasksOf();
    const bad = await app.request('POST', `/tasks/${task!.id}/outcome`, { body: { outcome: 'call_back' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'callBackAt' });
    expect((await app.request('POST', `/tasks/${task!.id}/outcome`, { body: { outcome: 'done', extra: 1 } })).body).toMatchObject({ field: 'extra' });
    expect((await app.request('POST', '/tasks/p_nobody.phone-first-follow-up.1.first-call/outcome', { body: { outcome: 'done' } })).status).toBe(404);
    expect((await app.request('POST', '/tasks/not-a-task/outcome', { body: { outcome: 'done' } })).body).toMatchObject({ field: 'id' });
  });

  it('call_back takes the task off the list until its date, when it comes back; the fields become attributes', async () => {
    const ada = ids['ada']!;
    const [task] = (await tasksOf()).filter((t) => t.prospectId === ada.prospectId);
    const callBackAt = '2026-11-25T16:00:00.000Z'; // Wednesday 11:00 New York
    const answer = await app.request('POST', `/tasks/${task!.id}/outcome`, { body: { outcome: 'call_back', callBackAt, note: 'driving, call Wednesday', fields: { currentTool: 'Excel' } } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ changed: true, task: { status: 'done', outcome: 'call_back', callBackAt }, enrollment: { status: 'paused', nextTouchAt: callBackAt } });
    // A double submit answers the same and changes nothing.
    expect((await app.request('POST', `/tasks/${task!.id}/outcome`, { body: { outcome: 'call_back', callBackAt } })).body).toMatchObject({ changed: false });
    expect((await tasksOf()).map((t) => t.prospectId)).not.toContain(ada.prospectId);
    const prospect = await app.request('GET', `/prospects/${ada.prospectId}`);
    expect(prospect.body.prospect.attributes).toMatchObject({ currentTool: 'Excel' });
    expect(prospect.body.timeline.find((e: { type: string }) => e.type === 'task_completed')).toMatchObject({ actor: 'apiKey', data: { outcome: 'call_back', 'field.currentTool': 'Excel' } });

    await app.advance('1d'); // Tuesday 11:00
    expect((await tasksOf()).map((t) => t.prospectId)).not.toContain(ada.prospectId);
    await app.advance('1d'); // Wednesday 11:00
    const back = (await tasksOf()).find((t) => t.prospectId === ada.prospectId);
    expect(back).toMatchObject({ id: task!.id, attempt: 2, dueAt: callBackAt });
  });

  it('meeting_booked converts: the enrollment ends, the schedule is gone, the stats count it on the step', async () => {
    const linus = ids['linus']!;
    const task = (await tasksOf('assignee=all&due=all')).find((t) => t.prospectId === linus.prospectId);
    // Linus's call was skipped after 1 business day: nothing is open for him now.
    expect(task).toBeUndefined();
    const grace = ids['grace']!;
    const graceTask = (await tasksOf('assignee=all&due=all')).find((t) => t.prospectId === grace.prospectId);
    expect(graceTask).toBeUndefined();

    // The second call step: advance until Grace's comes up, then book the meeting.
    let open = (await tasksOf()).find((t) => t.prospectId === grace.prospectId);
    for (let day = 0; !open && day < 10; day++) {
      await app.advance('1d');
      open = (await tasksOf()).find((t) => t.prospectId === grace.prospectId);
    }
    expect(open).toBeDefined();
    const answer = await app.request('POST', `/tasks/${open!.id}/outcome`, { body: { outcome: 'meeting_booked', fields: { nextPurchase: 'Q1' } } });
    expect(answer.body).toMatchObject({ changed: true, enrollment: { status: 'converted' } });
    const stats = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    expect(stats.body.enrollments.converted).toBe(1);
    expect(stats.body.steps.find((s: { stepId: string }) => s.stepId === 'second-call')).toMatchObject({ converted: 1 });
  });

  it('an outside event converts the enrollments whose sequence exits on it; others only go on the timeline', async () => {
    const linus = ids['linus']!;
    const other = await app.request('POST', `/prospects/${linus.prospectId}/events`, { body: { name: 'webinar_attended', data: { webinar: 'Q4 roadmap' } } });
    expect(other.body).toEqual({ converted: [] });
    const booked = await app.request('POST', `/prospects/${linus.prospectId}/events`, { body: { name: 'meeting_booked', at: '2026-11-24T10:00:00Z' } });
    expect(booked.body).toEqual({ converted: [linus.enrollmentId] });
    const prospect = await app.request('GET', `/prospects/${linus.prospectId}`);
    expect(prospect.body.enrollments[0]).toMatchObject({ status: 'converted', endReason: 'meeting_booked' });
    expect(prospect.body.timeline.filter((e: { type: string }) => e.type === 'event').map((e: { detail: string }) => e.detail)).toEqual(['meeting_booked', 'webinar_attended']);
    expect((await app.request('POST', `/prospects/${linus.prospectId}/events`, { body: { name: 'no spaces allowed' } })).body).toMatchObject({ field: 'name' });
    expect((await app.request('POST', '/prospects/p_nobody/events', { body: { name: 'meeting_booked' } })).status).toBe(404);
  });

  it('the webhook receiver got every event once, signed; a failed delivery was retried and is listed', async () => {
    const events = await delivered();
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(byType('task.completed').map((e) => e.data['outcome']).sort()).toEqual(['call_back', 'meeting_booked']);
    expect(byType('converted').map((e) => e.data['enrollmentId']).sort()).toEqual([ids['grace']!.enrollmentId, ids['linus']!.enrollmentId].sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(arrivals).toBe(events.length);

    failNextDeliveries = 1;
    const ada = ids['ada']!;
    await app.request('POST', `/prospects/${ada.prospectId}/events`, { body: { name: 'meeting_booked' } });
    const after = await delivered();
    expect(after.filter((e) => e.type === 'converted' && e.data['enrollmentId'] === ada.enrollmentId)).toHaveLength(1);
    const deliveries = await app.request('GET', '/webhooks/deliveries?limit=3');
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.items.slice(0, 2).map((d: { outcome: string; attempt: number }) => `${d.outcome}#${d.attempt}`)).toEqual(['delivered#2', 'retrying#1']);
    expect(deliveries.body.items[1]).toMatchObject({ endpointId: 'crm', type: 'converted', httpStatus: 503, error: 'HTTP 503' });
    expect((await app.request('GET', '/webhooks/deliveries?limit=0')).body).toMatchObject({ field: 'limit' });
  });
});

describe('a voicemail drop over HTTP', () => {
  it('is placed after an unanswered call, answered by a machine through /dev/calls, recorded on the touch and the timeline', async () => {
    const enrolled = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { prospects: [{ email: 'barbara@example.com', phone: '+14155550126', firstName: 'Barbara', timezone: 'America/New_York' }] },
    });
    const { prospectId, enrollmentId } = enrolled.body.results[0];
    let task: Awaited<ReturnType<typeof tasksOf>>[number] | undefined;
    for (let hour = 0; !task && hour < 30; hour++) {
      await app.advance('1h');
      task = (await tasksOf()).find((t) => t.prospectId === prospectId);
    }
    expect(task).toBeDefined();
    await app.request('POST', `/tasks/${task!.id}/outcome`, { body: { outcome: 'no_answer' } });
    await app.advance('15m');
    const call = (await app.outbox()).find((m) => m.channel === 'voicemail' && m.enrollmentId === enrollmentId);
    expect(call).toMatchObject({ to: '+14155550126', from: '+15005550006', status: 'queued', stepId: 'voicemail' });

    const forged = await app.request('POST', `/dev/calls/CA${'0'.repeat(32)}`, { body: { answeredBy: 'machine' } });
    expect(forged.status).toBe(404);
    expect((await app.request('POST', `/dev/calls/${call!.providerMessageId}`, { body: { answeredBy: 'robot' } })).body).toMatchObject({ field: 'answeredBy' });
    const played = await app.request('POST', `/dev/calls/${call!.providerMessageId}`, { body: { answeredBy: 'machine', durationSeconds: 24 } });
    expect(played.status, played.text).toBe(200);
    expect(played.body).toMatchObject({ status: 'completed', answeredBy: 'machine_end_beep' });
    expect(played.body.played[0]).toMatch(/^Hi Barbara, this is Dana Whitfield from Northwind Analytics\. The reason I'm calling is the demo you asked for/);
    expect(played.body.callbacks.every((c: { httpStatus: number }) => c.httpStatus === 200)).toBe(true);
    expect((await app.outbox()).find((m) => m.providerMessageId === call!.providerMessageId)).toMatchObject({ status: 'completed', answeredBy: 'machine_end_beep' });

    const prospect = await app.request('GET', `/prospects/${prospectId}`);
    expect(prospect.body.enrollments[0].touches.voicemail).toMatchObject({ status: 'delivered', answeredBy: 'machine_end_beep', durationSeconds: 24 });
    expect(prospect.body.timeline.filter((e: { type: string }) => e.type === 'call').map((e: { detail: string }) => e.detail)).toEqual([
      'voicemail left (machine_end_beep)',
      'voicemail call completed (answered by machine_end_beep), 24 s',
    ]);
  });
});

describe('a signed-in rep: their list, click to call, their goal and streak', () => {
  let rep: string;
  const request = (method: string, path: string, body?: unknown) => app.request(method, path, { apiKey: rep, ...(body !== undefined ? { body } : {}) });

  it('signs in as the owner, sets a phone and a goal, and sees their own tasks (assignee=me)', async () => {
    const { signIn } = await import('../support/sign-in.js');
    const link = await app.request('POST', '/dev/users', { body: { email: OWNER, role: 'editor' } });
    rep = (await signIn(link.body.signInUrl)).access_token;
    expect((await request('GET', '/me')).body).toMatchObject({ email: OWNER, role: 'editor', dailyGoal: 5, doneToday: 0, streakDays: 0 });
    expect((await request('PUT', '/me', { phone: '555-0100' })).body).toMatchObject({ field: 'phone' });
    expect((await request('PUT', '/me', { dailyGoal: 0 })).body).toMatchObject({ field: 'dailyGoal' });
    const saved = await request('PUT', '/me', { phone: '+14155550100', dailyGoal: 1, timezone: 'America/New_York' });
    expect(saved.body).toMatchObject({ email: OWNER, phone: '+14155550100', dailyGoal: 1, timezone: 'America/New_York' });
    // The API key has no settings of its own.
    expect((await app.request('GET', '/me')).status).toBe(403);

    await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { prospects: [{ email: 'edsger@example.com', phone: '+14155550127', firstName: 'Edsger', lastName: 'Dijkstra', timezone: 'America/New_York' }] },
    });
    let mine: { id: string; prospect: { firstName?: string } }[] = [];
    for (let hour = 0; !mine.some((t) => t.prospect.firstName === 'Edsger') && hour < 30; hour++) {
      await app.advance('1h');
      mine = (await request('GET', '/tasks?due=all')).body.items;
    }
    expect(mine.some((t) => t.prospect.firstName === 'Edsger')).toBe(true);
  });

  it("click to call rings the rep's phone, then bridges to the prospect with the sequence's caller ID", async () => {
    const task = ((await request('GET', '/tasks?due=all')).body.items as { id: string; prospectId: string; prospect: { firstName?: string; phone?: string } }[]).find((t) => t.prospect.firstName === 'Edsger');
    // With the API key there is no rep's phone to ring.
    expect((await app.request('POST', `/tasks/${task!.id}/call`)).status).toBe(409);
    const placed = await request('POST', `/tasks/${task!.id}/call`);
    expect(placed.status, placed.text).toBe(200);
    const { callSid } = placed.body as { callSid: string };
    expect((await app.outbox()).find((m) => m.providerMessageId === callSid)).toMatchObject({ channel: 'call', to: '+14155550100', from: '+15005550006', status: 'queued' });
    const played = await app.request('POST', `/dev/calls/${callSid}`, { body: { answeredBy: 'human', durationSeconds: 120 } });
    expect(played.status, played.text).toBe(200);
    expect(played.body).toMatchObject({ status: 'completed', bridgedTo: '+14155550127', played: ['Connecting you to Edsger Dijkstra.'] });
    expect(played.body.twiml).toContain('<Dial callerId="+15005550006" timeout="30">');
    const timeline = (await request('GET', `/prospects/${task!.prospectId}`)).body.timeline as { type: string; detail: string; actor?: string }[];
    expect(timeline.filter((e) => e.type === 'call').map((e) => e.detail)).toEqual([
      `click to call: ringing the rep (${callSid})`,
      'the rep answered; calling the prospect',
      'the prospect: completed, 115 s',
      "the rep's phone: completed, 120 s",
    ]);
    expect(timeline.find((e) => e.type === 'call')?.actor).toBe(`user:${OWNER}`);
  });

  it("logging the outcome counts for the rep's day and streak, visible to the team", async () => {
    const task = ((await request('GET', '/tasks?due=all')).body.items as { id: string; prospect: { firstName?: string } }[]).find((t) => t.prospect.firstName === 'Edsger');
    const done = await request('POST', `/tasks/${task!.id}/outcome`, { outcome: 'connected', note: 'demo next week' });
    expect(done.body).toMatchObject({ task: { completedBy: `user:${OWNER}` }, enrollment: { status: 'replied' } });
    expect((await request('GET', '/me')).body).toMatchObject({ doneToday: 1, dailyGoal: 1, streakDays: 1 });
    const team = await request('GET', '/team/progress');
    expect(team.body.items).toEqual([{ email: OWNER, dailyGoal: 1, doneToday: 1, streakDays: 1 }]);
  });
});
