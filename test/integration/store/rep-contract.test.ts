/**
 * The Store contract of the rep's side, against the in-memory fake AND the DynamoDB adapter:
 * tasks and their lists, users, webhook deliveries, a phone's call entry in the consent
 * ledger, enrollments waiting for a task, single profile writes, the newest timeline page.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { InvalidCursorError } from '../../../functions/domain/page.js';
import type { Task } from '../../../functions/domain/records.js';
import { taskIdFor } from '../../../functions/domain/task.js';
import type { UserSettings } from '../../../functions/domain/user-progress.js';
import type { WebhookDelivery } from '../../../functions/domain/webhook-events.js';
import type { Store } from '../../../functions/ports.js';
import { at, contractStores, enrollment, event, messageFor, prospect, seed, suppression } from './contract-fixtures.js';

const { implementations } = contractStores();

function task(prospectId: string, fields: Partial<Task> = {}): Task {
  const sequenceId = fields.sequenceId ?? 'calls';
  const run = fields.run ?? 1;
  const stepId = fields.stepId ?? 'first-call';
  return {
    id: taskIdFor(`${prospectId}.${sequenceId}`, run, stepId),
    kind: 'call',
    status: 'open',
    prospectId,
    enrollmentId: `${prospectId}.${sequenceId}`,
    sequenceId,
    version: 1,
    run,
    stepIndex: 1,
    stepId,
    assignee: 'rep@example.com',
    dueAt: at(60),
    attempt: 1,
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
  };
}

const user = (email: string, fields: Partial<UserSettings> = {}): UserSettings => ({ email, version: 1, updatedAt: at(0), ...fields });

describe.each(implementations)('Store contract (rep): %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
  });

  describe('tasks', () => {
    it('creates a task once (a second create conflicts) and replaces it only from the status and attempt read', async () => {
      const open = task('p_1', { fields: { constructor: 'c', budget: '10k' } as Record<string, string> });
      expect(await store.createTask(open)).toBe('ok');
      expect(await store.createTask({ ...open, assignee: 'other@example.com' })).toBe('conflict');
      expect(await store.getTask(open.id)).toEqual(open);
      expect(await store.getTask('p_1.calls.2.first-call')).toBeUndefined();
      expect(await store.getTask('not a task id')).toBeUndefined();

      const done = { ...open, status: 'done' as const, outcome: 'no_answer' as const, completedAt: at(70), updatedAt: at(70) };
      expect(await store.replaceTask(done, { status: 'open', attempt: 2 })).toBe('conflict');
      expect(await store.replaceTask(done, { status: 'open', attempt: 1 })).toBe('ok');
      expect(await store.replaceTask({ ...done, outcome: 'connected' }, { status: 'open', attempt: 1 })).toBe('conflict');
      expect(await store.getTask(open.id)).toEqual(done);
      expect(await store.replaceTask(task('p_9'), { status: 'open', attempt: 1 })).toBe('conflict'); // missing
    });

    it("lists a rep's open tasks by due time, up to a bound, through pages; done ones leave the list", async () => {
      const tasks = [
        task('p_1', { dueAt: at(300) }),
        task('p_2', { dueAt: at(100) }),
        task('p_3', { dueAt: at(200), assignee: 'other@example.com' }),
        task('p_4', { dueAt: at(50), status: 'done' }),
        task('p_5', { dueAt: at(400) }),
        task('p_6', { dueAt: at(150), assignee: 'Rep@Example.com'.toLowerCase() }),
      ];
      for (const each of tasks) await store.createTask(each);
      const ids = (page: { items: Task[] }) => page.items.map((t) => t.prospectId);

      expect(ids(await store.listTasks({ assignee: 'rep@example.com', status: 'open', limit: 10 }))).toEqual(['p_2', 'p_6', 'p_1', 'p_5']);
      expect(ids(await store.listTasks({ assignee: 'rep@example.com', status: 'open', dueBefore: at(300), limit: 10 }))).toEqual(['p_2', 'p_6']);
      expect(ids(await store.listTasks({ assignee: 'rep@example.com', status: 'done', limit: 10 }))).toEqual(['p_4']);
      expect(ids(await store.listTasks({ status: 'open', limit: 10 }))).toEqual(['p_2', 'p_6', 'p_3', 'p_1', 'p_5']);
      expect(ids(await store.listTasks({ assignee: 'nobody@example.com', status: 'open', limit: 10 }))).toEqual([]);

      const first = await store.listTasks({ assignee: 'rep@example.com', status: 'open', limit: 3 });
      expect(ids(first)).toEqual(['p_2', 'p_6', 'p_1']);
      expect(first.nextCursor).toBeDefined();
      const second = await store.listTasks({ assignee: 'rep@example.com', status: 'open', limit: 3, cursor: first.nextCursor as string });
      expect(ids(second)).toEqual(['p_5']);
      await expect(store.listTasks({ assignee: 'other@example.com', status: 'open', limit: 3, cursor: first.nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(store.listTasks({ status: 'open', limit: 3, cursor: first.nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(store.listTasks({ status: 'open', limit: 3, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);

      // Completing moves a task out of the open range in the same write.
      const [p2] = (await store.listTasks({ assignee: 'rep@example.com', status: 'open', limit: 1 })).items;
      await store.replaceTask({ ...(p2 as Task), status: 'done' }, { status: 'open', attempt: 1 });
      expect(ids(await store.listTasks({ assignee: 'rep@example.com', status: 'open', limit: 10 }))).toEqual(['p_6', 'p_1', 'p_5']);
    });

    it("are erased with the prospect's data", async () => {
      await seed(store, [prospect('p_1')], [enrollment('p_1', 'calls')]);
      await store.createTask(task('p_1'));
      await store.deleteProspectData('p_1');
      expect(await store.getTask(task('p_1').id)).toBeUndefined();
      expect((await store.listTasks({ status: 'open', limit: 10 })).items).toEqual([]);
    });
  });

  describe('enrollments waiting for a task', () => {
    it('move on only while they wait for the attempt given; awaitingTask is set and removed, lastTaskOutcome kept', async () => {
      await seed(store, [prospect('p_1')], [enrollment('p_1', 'calls', { stepIndex: 1 })]);
      const waiting = { taskId: 'p_1.calls.1.first-call', attempt: 1, touchDueAt: at(60), deadlineAt: at(1500) };
      expect(
        await store.advanceEnrollment({
          enrollmentId: 'p_1.calls',
          expected: { status: 'active', run: 1, stepIndex: 1 },
          next: { status: 'active', stepIndex: 1, nextTouchAt: at(1500), pendingScheduleName: 'deadline', updatedAt: at(61), awaitingTask: waiting },
        }),
      ).toBe('ok');
      expect((await store.getEnrollment('p_1.calls'))?.awaitingTask).toEqual(waiting);
      const moveOn = (attempt: number) =>
        store.advanceEnrollment({
          enrollmentId: 'p_1.calls',
          expected: { status: 'active', run: 1, stepIndex: 1 },
          expectedTask: { taskId: waiting.taskId, attempt },
          next: { status: 'active', stepIndex: 2, nextTouchAt: at(2000), pendingScheduleName: 'next', updatedAt: at(70), lastTaskOutcome: { taskId: waiting.taskId, attempt, outcome: 'no_answer', at: at(70) } },
          touch: { stepId: 'first-call', stepIndex: 1, channel: 'call', status: 'done', at: at(70), outcome: 'no_answer', taskId: waiting.taskId },
        });
      expect(await moveOn(2)).toBe('conflict');
      expect(await moveOn(1)).toBe('ok');
      const moved = await store.getEnrollment('p_1.calls');
      expect(moved).toMatchObject({ stepIndex: 2, lastTaskOutcome: { outcome: 'no_answer', attempt: 1 }, touches: { 'first-call': { status: 'done', outcome: 'no_answer' } } });
      expect(moved?.awaitingTask).toBeUndefined();
      // Not waiting any more: a second submission conflicts.
      expect(
        await store.advanceEnrollment({
          enrollmentId: 'p_1.calls',
          expected: { status: 'active', run: 1, stepIndex: 2 },
          expectedTask: { taskId: waiting.taskId, attempt: 1 },
          next: { status: 'active', stepIndex: 3, updatedAt: at(80), nextTouchAt: undefined, pendingScheduleName: undefined },
        }),
      ).toBe('conflict');
      expect((await store.getEnrollment('p_1.calls'))?.lastTaskOutcome).toMatchObject({ outcome: 'no_answer' });
    });

    it("record a call's answeredBy and duration on its touch, conditional on its Call SID", async () => {
      await seed(store, [prospect('p_1')], [enrollment('p_1', 'calls', { stepIndex: 3, touches: { voicemail: { stepId: 'voicemail', stepIndex: 2, channel: 'voicemail', status: 'sent', at: at(1), providerMessageId: 'CA1' } } })]);
      const update = { enrollmentId: 'p_1.calls', stepId: 'voicemail', status: 'delivered' as const, from: ['sent' as const], answeredBy: 'machine_end_beep' as const, durationSeconds: 34 };
      expect(await store.updateTouchStatus({ ...update, providerMessageId: 'CA2' })).toBe('conflict');
      expect(await store.updateTouchStatus({ ...update, providerMessageId: 'CA1' })).toBe('ok');
      expect((await store.getEnrollment('p_1.calls'))?.touches['voicemail']).toMatchObject({ status: 'delivered', answeredBy: 'machine_end_beep', durationSeconds: 34 });
      expect(await store.updateTouchStatus({ ...update, providerMessageId: 'CA1' })).toBe('conflict');
    });
  });

  describe('the consent ledger by channel', () => {
    it("keeps a phone's call entry beside its SMS entry; the touch read returns both", async () => {
      const phone = '+15555550101';
      const p = prospect('p_1', { phone });
      await seed(store, [p], [enrollment('p_1', 'calls')]);
      await store.putSuppression(suppression(phone, { channel: 'call', reason: 'manual', source: 'task' }));
      expect(await store.getSuppression(phone)).toBeUndefined();
      expect(await store.getSuppression(phone, 'call')).toMatchObject({ channel: 'call', reason: 'manual' });
      await store.putSuppression(suppression(phone, { reason: 'sms_stop' }));
      const context = await store.loadTouchContext(messageFor(enrollment('p_1', 'calls'), p));
      expect(context.suppressions.map((s) => `${s.channel}:${s.reason}`).sort()).toEqual(['call:manual', 'sms:sms_stop']);
      // A message without hashes reads the current addresses: the same answer.
      const { addressHashes: _hashes, ...bare } = messageFor(enrollment('p_1', 'calls'), p);
      expect((await store.loadTouchContext(bare)).suppressions).toHaveLength(2);
      await store.deleteSuppression(phone, 'call');
      expect(await store.getSuppression(phone, 'call')).toBeUndefined();
      expect(await store.getSuppression(phone)).toMatchObject({ reason: 'sms_stop' });
      expect(suppression(phone).addressHash).toBe(addressHash(phone));
    });
  });

  describe('profiles and the timeline', () => {
    it('replaces one profile with its index keys (putProspect)', async () => {
      await seed(store, [prospect('p_1', { phone: '+15555550101' })]);
      const attributes = JSON.parse('{"constructor":"c","currentTool":"Excel"}') as Record<string, string>;
      await store.putProspect(prospect('p_1', { phone: '+15555550199', attributes, updatedAt: at(5) }));
      expect(await store.getProspect('p_1')).toMatchObject({ phone: '+15555550199', updatedAt: at(5) });
      expect(Object.entries((await store.getProspect('p_1'))?.attributes ?? {}).sort()).toEqual(Object.entries(attributes).sort());
      expect(await store.findProspectIdsByAddress('+15555550199')).toEqual(['p_1']);
      expect(await store.findProspectIdsByAddress('+15555550101')).toEqual([]);
    });

    it('answers the newest events first, as many as asked; data with any keys round-trips', async () => {
      const data = JSON.parse('{"outcome":"connected","field.constructor":"x","count":3,"ok":true}') as Record<string, string>;
      await store.appendTimeline([event('p_1', 1), event('p_1', 3), { ...event('p_1', 2, 'task_completed'), data, actor: 'user:rep@example.com' }]);
      expect((await store.listTimeline('p_1', { newest: 2 })).map((e) => e.at)).toEqual([at(3), at(2)]);
      expect((await store.listTimeline('p_1')).map((e) => e.at)).toEqual([at(1), at(2), at(3)]);
      expect((await store.listTimeline('p_1')).find((e) => e.type === 'task_completed')).toMatchObject({ data, actor: 'user:rep@example.com' });
      expect(await store.listTimeline('nobody', { newest: 5 })).toEqual([]);
    });
  });

  describe('users', () => {
    it('writes a user only from the version read (absent first), by email whatever its case, and lists the team', async () => {
      expect(await store.putUser(user('rep@example.com', { dailyGoal: 3 }), 1)).toBe('conflict');
      expect(await store.putUser(user('Rep@Example.com', { dailyGoal: 3 }), undefined)).toBe('ok');
      expect(await store.putUser(user('rep@example.com'), undefined)).toBe('conflict');
      expect(await store.getUser('REP@example.com')).toMatchObject({ email: 'rep@example.com', dailyGoal: 3, version: 1 });
      expect(await store.putUser(user('rep@example.com', { dailyGoal: 4, version: 2 }), 1)).toBe('ok');
      expect(await store.putUser(user('rep@example.com', { dailyGoal: 9, version: 2 }), 1)).toBe('conflict');
      expect((await store.getUser('rep@example.com'))?.dailyGoal).toBe(4);
      expect(await store.getUser('nobody@example.com')).toBeUndefined();

      for (const email of ['zed@example.com', 'amy@example.com']) await store.putUser(user(email), undefined);
      const first = await store.listUsers({ limit: 2 });
      expect(first.items.map((u) => u.email)).toEqual(['amy@example.com', 'rep@example.com']);
      const second = await store.listUsers({ limit: 2, cursor: first.nextCursor as string });
      expect(second.items.map((u) => u.email)).toEqual(['zed@example.com']);
      await expect(store.listUsers({ limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('webhook deliveries', () => {
    it('lists attempts newest first, through pages', async () => {
      const delivery = (minutes: number, attempt = 1): WebhookDelivery => ({ eventId: `evt_${minutes}`, type: 'replied', endpointId: 'crm', attempt, at: at(minutes), outcome: 'delivered', httpStatus: 200 });
      for (const d of [delivery(1), delivery(5), delivery(3), { ...delivery(3, 2), outcome: 'retrying' as const, httpStatus: 503, error: 'HTTP 503' }]) await store.recordWebhookDelivery(d);
      const first = await store.listWebhookDeliveries({ limit: 3 });
      expect(first.items.map((d) => `${d.eventId}#${d.attempt}`)).toEqual(['evt_5#1', 'evt_3#2', 'evt_3#1']);
      expect(first.items[1]).toMatchObject({ outcome: 'retrying', error: 'HTTP 503' });
      const second = await store.listWebhookDeliveries({ limit: 3, cursor: first.nextCursor as string });
      expect(second.items.map((d) => d.eventId)).toEqual(['evt_1']);
    });
  });
});
