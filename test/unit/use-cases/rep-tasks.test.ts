/**
 * The rep's side of a sequence, with the in-memory fakes: a call step makes ONE task and
 * the enrollment waits; dueWithin skips it; outcomes carry out the step's action once;
 * collected fields become attributes later templates use; a call back brings the task
 * back on its date; conversions, opt-outs by phone, replies, voicemail drops.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSequenceFromDirectory } from '../../../functions/adapters/sequence-files.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import type { CompiledSequence } from '../../../functions/domain/sequence-definition.js';
import { OutcomeInputError } from '../../../functions/domain/task-outcome.js';
import type { WebhookEvent } from '../../../functions/domain/webhook-events.js';
import type { WebhookPublisher } from '../../../functions/ports.js';
import { completeTask } from '../../../functions/use-cases/complete-task.js';
import { TaskStateError } from '../../../functions/use-cases/context.js';
import { listTasks } from '../../../functions/use-cases/list-tasks.js';
import { recordReply } from '../../../functions/use-cases/record-reply.js';
import { runTouch } from '../../../functions/use-cases/run-touch.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const OWNER = 'sales@northwind.example';
let phoneFirst: CompiledSequence;

class CapturingPublisher implements WebhookPublisher {
  readonly events: WebhookEvent[] = [];
  async publish(events: readonly WebhookEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

async function setup(tweak?: (sequence: CompiledSequence) => void): Promise<TestContext & { webhooks: CapturingPublisher }> {
  phoneFirst ??= await loadSequenceFromDirectory('templates/phone-first-follow-up');
  const t = await createTestContext({ sequence: phoneFirst, ...(tweak ? { tweak } : {}) });
  const webhooks = new CapturingPublisher();
  t.ctx.webhooks = webhooks;
  return { ...t, webhooks };
}

/** Enrolls Ada, sends the welcome email, and delivers the first call step one hour later. */
async function untilFirstCall(t: TestContext) {
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  await t.scheduler.advanceAndFire(t.ctx, 3_600_000);
  const [task] = (await listTasks(t.ctx, { assignee: OWNER, due: 'all', timezone: 'America/New_York', limit: 10 })).items;
  if (!task) throw new Error('no task');
  return { ...ids, task };
}

const complete = (t: TestContext, taskId: string, outcome: string, more: Record<string, unknown> = {}) =>
  completeTask({ ...t.ctx, actor: 'user:dana@northwind.example' }, { taskId, outcome, userEmail: 'dana@northwind.example', ...more });

describe('a call step makes a task', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup();
  });

  it('makes ONE task for the owner, due inside the window, and the enrollment waits for it', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    expect(task).toMatchObject({
      kind: 'call',
      status: 'open',
      assignee: OWNER,
      stepId: 'first-call',
      purpose: 'Find out what prompted the demo request, and book a 30-minute demo',
      dueAt: '2025-06-02T15:00:00.000Z',
      dueLocal: '2025-06-02T11:00:00-04:00',
      timezone: 'America/New_York',
      callable: true,
      collect: ['currentTool', 'teamSize'],
      attempt: 1,
    });
    expect(task.script).toContain('Hi Ada, this is Dana Whitfield from Northwind Analytics. The reason I\'m calling is the demo you asked for for Analytical Engines');
    expect(task.lastTouches).toEqual([{ at: '2025-06-02T14:00:00.000Z', channel: 'email', stepId: 'welcome' }]);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', stepIndex: 1, awaitingTask: { taskId: task.id, attempt: 1 } });
    // 1 business day later the step is skipped if nobody logged an outcome.
    expect(enrollment?.nextTouchAt).toBe('2025-06-03T15:00:00.000Z');
    expect(t.scheduler.pendingFor(enrollmentId).map((p) => p.dueAt)).toEqual(['2025-06-03T15:00:00.000Z']);
    expect(t.voice.attempts).toEqual([]);
    expect(t.sms.attempts).toEqual([]);
  });

  it('a redelivered touch message makes nothing twice', async () => {
    const { enrollmentId } = await untilFirstCall(t);
    const creating = t.scheduler.fired.at(-1)?.touch;
    const again = await runTouch(t.ctx, messageOf(creating!));
    expect(again).toMatchObject({ kind: 'stale', reason: 'task already created' });
    const tasks = await t.store.listTasks({ status: 'open', limit: 10 });
    expect(tasks.items).toHaveLength(1);
    expect((await getSequenceStats(t.ctx, t.sequence.id)).steps.find((s) => s.stepId === 'first-call')).toBeDefined();
    expect((await t.store.getCounters(t.sequence.id))['step.first-call.tasks']).toBe(1);
    expect(t.scheduler.pendingFor(enrollmentId)).toHaveLength(1);
  });

  it('skips the step when dueWithin elapses (recorded, counted) and the sequence goes on', async () => {
    const { enrollmentId, prospectId, task } = await untilFirstCall(t);
    await t.scheduler.advanceAndFire(t.ctx, 86_400_000);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', stepIndex: 2, nextTouchAt: '2025-06-03T15:10:00.000Z' });
    expect(enrollment?.awaitingTask).toBeUndefined();
    expect(enrollment?.touches['first-call']).toMatchObject({ status: 'skipped', error: 'task not done within 1 business day' });
    expect((await t.store.getTask(task.id))?.status).toBe('skipped');
    expect((await t.store.getCounters(t.sequence.id))['step.first-call.skipped']).toBe(1);
    const types = (await t.store.listTimeline(prospectId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['task_created', 'step_skipped', 'task_skipped']));
    // The voicemail drop that follows goes out: the sequence did not stall.
    await t.scheduler.advanceAndFire(t.ctx, 10 * 60_000);
    expect(t.voice.sent).toHaveLength(1);
    await expect(complete(t, task.id, 'no_answer')).rejects.toThrow(TaskStateError);
  });
});

describe('outcomes', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup();
  });

  it('no_answer continues: the next step is scheduled, the task is done once, the fields become attributes later templates use', async () => {
    const { enrollmentId, prospectId, task } = await untilFirstCall(t);
    t.clock.advance({ minutes: 5 });
    const result = await complete(t, task.id, 'no_answer', { note: 'rang out', fields: { currentTool: 'Excel', teamSize: ' ' } });
    expect(result.changed).toBe(true);
    expect(result.task).toMatchObject({ status: 'done', outcome: 'no_answer', note: 'rang out', fields: { currentTool: 'Excel' }, completedBy: 'user:dana@northwind.example' });
    expect(result.enrollment).toMatchObject({ status: 'active', stepIndex: 2, lastTaskOutcome: { taskId: task.id, outcome: 'no_answer' } });
    expect(result.enrollment.awaitingTask).toBeUndefined();
    expect(result.enrollment.touches['first-call']).toMatchObject({ status: 'done', outcome: 'no_answer', taskId: task.id });
    // The deadline's schedule is gone; the voicemail's is there.
    expect(t.scheduler.pendingFor(enrollmentId).map((p) => p.stepIndex)).toEqual([2]);
    expect((await t.store.getProspect(prospectId))?.attributes).toEqual({ industry: 'logistics', currentTool: 'Excel' });
    const completed = (await t.store.listTimeline(prospectId)).find((e) => e.type === 'task_completed');
    expect(completed).toMatchObject({ actor: 'user:dana@northwind.example', data: { outcome: 'no_answer', note: 'rang out', 'field.currentTool': 'Excel' } });
    expect((await t.store.getUser('dana@northwind.example'))?.progress).toEqual({ day: '2025-06-02', done: 1, goal: 5 });
    expect(t.webhooks.events.map((e) => e.type)).toEqual(['task.completed']);

    await t.scheduler.fireAll(t.ctx, { maxAttempts: 1 });
    const value = t.email.sent.find((m) => m.touch?.stepId === 'value');
    expect(value?.text).toContain('teams using Excel for reporting');
  });

  it('a double submit moves the enrollment on once; another outcome for a done task is refused', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    const [first, second] = await Promise.all([complete(t, task.id, 'no_answer'), complete(t, task.id, 'no_answer')]);
    expect([first.changed, second.changed].sort()).toEqual([false, true]);
    expect((await t.store.getEnrollment(enrollmentId))?.stepIndex).toBe(2);
    expect(t.scheduler.pendingFor(enrollmentId)).toHaveLength(1);
    expect((await t.store.getCounters(t.sequence.id))['step.first-call.done']).toBe(1);
    await expect(complete(t, task.id, 'connected')).rejects.toThrow('the task is already done (outcome no_answer)');
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    await expect(complete(t, task.id, 'call_back')).rejects.toMatchObject({ name: 'OutcomeInputError', field: 'callBackAt' });
    await expect(complete(t, task.id, 'call_back', { callBackAt: new Date('2025-06-01T00:00:00Z') })).rejects.toThrow('callBackAt: must be in the future');
    await expect(complete(t, task.id, 'no_answer', { fields: { budget: '10k' } })).rejects.toMatchObject({ field: 'fields.budget' });
    await expect(complete(t, task.id, 'no_answer', { callBackAt: new Date('2025-06-05T00:00:00Z') })).rejects.toBeInstanceOf(OutcomeInputError);
    await expect(complete(t, task.id, 'maybe')).rejects.toMatchObject({ field: 'outcome' });
    expect((await t.store.getEnrollment(enrollmentId))?.awaitingTask?.taskId).toBe(task.id);
    expect((await t.store.getTask(task.id))?.status).toBe('open');
  });

  it('call_back pauses until the date; the same task comes back then, as the next attempt', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    const callBackAt = new Date('2025-06-05T18:00:00Z'); // Thursday 14:00 New York
    const result = await complete(t, task.id, 'call_back', { callBackAt, note: 'in a meeting, call Thursday' });
    expect(result.enrollment).toMatchObject({ status: 'paused', resumeAt: callBackAt.toISOString(), nextTouchAt: callBackAt.toISOString(), stepIndex: 1 });
    expect(result.task).toMatchObject({ status: 'done', outcome: 'call_back', callBackAt: callBackAt.toISOString() });
    const open = () => listTasks(t.ctx, { assignee: OWNER, due: 'all', timezone: 'America/New_York', limit: 10 });
    expect((await open()).items).toEqual([]);
    await t.scheduler.advanceAndFire(t.ctx, callBackAt.getTime() - t.clock.now().getTime() - 60_000);
    expect((await open()).items).toEqual([]);
    await t.scheduler.advanceAndFire(t.ctx, 60_000);
    const [back] = (await open()).items;
    expect(back).toMatchObject({ id: task.id, status: 'open', attempt: 2, dueAt: callBackAt.toISOString() });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active', stepIndex: 1, awaitingTask: { taskId: task.id, attempt: 2 } });
    // The second attempt takes an outcome like the first.
    expect((await complete(t, task.id, 'no_answer')).enrollment.stepIndex).toBe(2);
  });

  it('meeting_booked ends the enrollment as converted, credited to the step, announced', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    const result = await complete(t, task.id, 'meeting_booked');
    expect(result.enrollment).toMatchObject({ status: 'converted', endReason: 'meeting booked (first-call)' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    const counters = await t.store.getCounters(t.sequence.id);
    expect(counters).toMatchObject({ 'status.converted': 1, 'status.active': 0, 'step.first-call.converted': 1, 'step.first-call.outcome.meeting_booked': 1 });
    expect(t.webhooks.events.map((e) => e.type).sort()).toEqual(['converted', 'task.completed']);
    expect(t.webhooks.events.find((e) => e.type === 'converted')?.data).toMatchObject({ enrollmentId, stepId: 'first-call' });
  });

  it('connected stops the sequence as replied (this step maps it so)', async () => {
    const { task } = await untilFirstCall(t);
    expect((await complete(t, task.id, 'connected')).enrollment).toMatchObject({ status: 'replied' });
    expect(t.webhooks.events.map((e) => e.type).sort()).toEqual(['replied', 'task.completed']);
  });

  it('a "do not call me" puts the number in the ledger for calls only: the enrollment ends as opted_out', async () => {
    const t2 = await setup((sequence) => {
      const call = sequence.definition.steps[1];
      if (call?.outcomes) call.outcomes.not_interested = 'stop_opted_out';
    });
    const { task } = await untilFirstCall(t2);
    expect((await complete(t2, task.id, 'not_interested')).enrollment).toMatchObject({ status: 'opted_out' });
    expect(await t2.store.getSuppression(ADA.phone, 'call')).toMatchObject({ channel: 'call', addressHash: addressHash(ADA.phone) });
    expect(await t2.store.getSuppression(ADA.phone)).toBeUndefined();
    expect(t2.webhooks.events.find((e) => e.type === 'opted_out')?.data).toMatchObject({ channel: 'call' });
    // Enrolled again elsewhere, the call steps skip the number; texts still go out.
    const [next] = (await listTasks(t2.ctx, { due: 'all', timezone: 'UTC', limit: 10 })).items;
    expect(next).toBeUndefined();
  });

  it('a reply ends the enrollment and takes its task off the list', async () => {
    const { enrollmentId, task } = await untilFirstCall(t);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    await recordReply(t.ctx, { enrollment: enrollment!, channel: 'email', text: 'Call me next week' });
    expect((await t.store.getTask(task.id))?.status).toBe('skipped');
    expect((await listTasks(t.ctx, { due: 'all', timezone: 'UTC', limit: 10 })).items).toEqual([]);
    await expect(complete(t, task.id, 'no_answer')).rejects.toThrow('the task was skipped: the enrollment ended (replied)');
    expect(t.webhooks.events.map((e) => e.type)).toEqual(['replied']);
  });
});

describe('voicemail drops', () => {
  it('are placed with answering machine detection, to the prospect, from the caller ID', async () => {
    const t = await setup();
    const { task } = await untilFirstCall(t);
    await complete(t, task.id, 'no_answer');
    await t.scheduler.advanceAndFire(t.ctx, 10 * 60_000);
    expect(t.voice.sent).toEqual([
      expect.objectContaining({
        to: ADA.phone,
        from: '+15005550006',
        machineDetection: 'DetectMessageEnd',
        statusCallbackEvents: ['completed'],
        twimlUrl: expect.stringMatching(/^https:\/\/followup\.test\/webhooks\/twilio\/voice\/twiml\?k=vm&e=.+&r=1&s=2$/),
        purpose: { kind: 'voicemail', touch: expect.objectContaining({ stepId: 'voicemail' }) },
      }),
    ]);
    const enrollment = await t.store.getEnrollment(task.enrollmentId);
    expect(enrollment?.touches['voicemail']).toMatchObject({ channel: 'voicemail', status: 'sent', providerMessageId: expect.stringMatching(/^CA/) });
    expect((await t.store.getCounters(t.sequence.id))['step.voicemail.sent']).toBe(1);
  });

  it('never go to a number that texted STOP, nor to one that asked not to be called', async () => {
    for (const { skippedSteps, ...suppression } of [
      // A STOP by text keeps the texts out too; "do not call" only the calls.
      { channel: 'sms' as const, reason: 'sms_stop' as const, skippedSteps: ['voicemail', 'text'] },
      { channel: 'call' as const, reason: 'manual' as const, skippedSteps: ['voicemail'] },
    ]) {
      const t = await setup();
      const { task } = await untilFirstCall(t);
      await t.store.putSuppression({ address: ADA.phone, addressHash: addressHash(ADA.phone), ...suppression, source: 'test', createdAt: t.clock.now().toISOString() });
      await complete(t, task.id, 'no_answer');
      await t.scheduler.advanceAndFire(t.ctx, 10 * 60_000);
      expect(t.voice.attempts, suppression.channel).toEqual([]);
      // Planned past when the call's outcome moved the sequence on.
      expect((await t.store.getEnrollment(task.enrollmentId))?.stepIndex).toBe(2 + skippedSteps.length);
      const skipped = (await t.store.listTimeline(task.prospectId)).filter((e) => e.type === 'step_skipped').map((e) => e.stepId);
      expect(skipped.sort()).toEqual([...skippedSteps].sort());
    }
  });
});
