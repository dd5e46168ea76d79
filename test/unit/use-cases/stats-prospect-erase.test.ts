import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { counterKeys, lastSentStep } from '../../../functions/domain/enrollment.js';
import { ProspectNotFoundError } from '../../../functions/use-cases/context.js';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { eraseProspect } from '../../../functions/use-cases/erase-prospect.js';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { runTouch } from '../../../functions/use-cases/run-touch.js';
import { stopEnrollment } from '../../../functions/use-cases/stop-enrollment.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, enrollOne } from '../../fakes/test-context.js';

const DAY = 86_400_000;

describe('getSequenceStats', () => {
  it('reflects what was sent, what failed, what was skipped, and replies attributed to the last step sent', async () => {
    const t = await createTestContext();
    const ada = await enrollOne(t);
    await enrollOne(t, { email: 'bob@example.com', phone: '+14155550188' });
    await enrollOne(t, { phone: '+14155550177' });
    // Bob's intro bounces at SES (permanent); everything else goes through.
    t.email.respondWith((m) => (m.to === 'bob@example.com' && m.touch?.stepId === 'intro' ? { kind: 'permanent', reason: 'MessageRejected' } : undefined));
    await t.scheduler.fireDue(t.ctx);
    // Two days later the check-ins go out; then Ada replies.
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);
    const adaNow = await t.store.getEnrollment(ada.enrollmentId);
    expect(lastSentStep(adaNow!)).toBe('check-in');
    await stopEnrollment(t.ctx, {
      enrollmentId: ada.enrollmentId,
      status: 'replied',
      reason: 'human reply',
      counters: (e) => ({ [counterKeys.step(lastSentStep(e)!, 'replied')]: 1 }),
    });
    await t.scheduler.fireAll(t.ctx);

    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats).toMatchObject({ sequenceId: t.sequence.id, version: 1, enrolled: 3 });
    expect(stats.enrollments).toEqual({
      active: 0,
      paused: 0,
      completed: 2,
      replied: 1,
      opted_out: 0,
      bounced: 0,
      stopped: 0,
      converted: 0,
      failed: 0,
    });
    const byStep = Object.fromEntries(stats.steps.map((s) => [s.stepId, { sent: s.sent, failed: s.failed, skipped: s.skipped, replies: s.replies }]));
    expect(byStep).toEqual({
      intro: { sent: 1, failed: 1, skipped: 1, replies: 0 },
      'check-in': { sent: 3, failed: 0, skipped: 0, replies: 1 },
      'customer-story': { sent: 1, failed: 0, skipped: 1, replies: 0 },
      'quick-call': { sent: 2, failed: 0, skipped: 0, replies: 0 },
      'break-up': { sent: 1, failed: 0, skipped: 1, replies: 0 },
    });
    // The counters agree with what the providers actually received.
    const sentTotal = stats.steps.reduce((n, s) => n + s.sent, 0);
    expect(sentTotal).toBe(t.email.sent.length + t.sms.sent.length);
  });
});

describe('getProspect', () => {
  it('merges sends and failures into one timeline, oldest first', async () => {
    const t = await createTestContext();
    const { prospectId, enrollmentId } = await enrollOne(t);
    t.sms.failNext({ kind: 'permanent', reason: 'Invalid To', code: '21211' });
    await t.scheduler.fireAll(t.ctx);

    const view = await getProspect(t.ctx, prospectId);
    expect(view.prospect).toMatchObject({ id: prospectId, email: ADA.email, firstName: 'Ada' });
    expect(view.enrollments.map((e) => [e.id, e.status])).toEqual([[enrollmentId, 'completed']]);
    expect(view.timeline.map((e) => [e.type, e.stepId ?? null])).toEqual([
      ['enrolled', null],
      ['sent', 'intro'],
      ['send_failed', 'check-in'],
      ['sent', 'customer-story'],
      ['sent', 'quick-call'],
      ['sent', 'break-up'],
      ['completed', null],
    ]);
    const times = view.timeline.map((e) => e.at);
    expect(times).toEqual([...times].sort());
    expect(view.timeline.find((e) => e.type === 'sent' && e.stepId === 'intro')?.detail).toBe('email sent');
  });

  it('keeps the first run’s history after the prospect is enrolled again', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    const firstRun = (await getProspect(t.ctx, prospectId)).timeline;
    expect(firstRun.map((e) => e.type)).toEqual(['enrolled', 'sent', 'sent', 'sent', 'sent', 'sent', 'completed']);
    t.clock.advance({ days: 30 });
    await enrollOne(t, { ...ADA }, { reenroll: true });

    const view = await getProspect(t.ctx, prospectId);
    // Run 1 exactly as it was shown before, then run 2's enrollment.
    expect(view.timeline.slice(0, firstRun.length).map(({ at, type, stepId }) => ({ at, type, stepId }))).toEqual(
      firstRun.map(({ at, type, stepId }) => ({ at, type, stepId })),
    );
    expect(view.timeline.slice(firstRun.length)).toMatchObject([{ type: 'enrolled', detail: 'version 1, run 2' }]);
    expect(view.enrollments).toMatchObject([{ run: 2, status: 'active' }]);
  });

  it('answers ProspectNotFoundError for an unknown prospect', async () => {
    const t = await createTestContext();
    await expect(getProspect(t.ctx, 'p_unknown')).rejects.toBeInstanceOf(ProspectNotFoundError);
  });
});

describe('eraseProspect', () => {
  it('stops active enrollments, keeps hashed suppressions only, removes the profile; a re-import is skipped', async () => {
    const t = await createTestContext();
    const { prospectId, enrollmentId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx); // the intro went out
    const [pending] = t.scheduler.pendingFor(enrollmentId);
    expect(pending).toBeDefined();

    expect(await eraseProspect(t.ctx, prospectId)).toEqual({ erased: true });

    // Nothing more is sent: the pending schedule is gone, and a copy already on the queue is dropped.
    expect(t.scheduler.pendingTouches()).toEqual([]);
    expect(await runTouch(t.ctx, messageOf(pending!))).toMatchObject({ kind: 'stale' });
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toHaveLength(1);
    expect(t.sms.attempts).toHaveLength(0);

    // Personal data is gone.
    expect(await t.store.getProspect(prospectId)).toBeUndefined();
    expect(await t.store.listEnrollments(prospectId)).toEqual([]);
    expect(await t.store.listTimeline(prospectId)).toEqual([]);
    expect(await t.store.findProspectIdsByAddress(ADA.email)).toEqual([]);
    await expect(getProspect(t.ctx, prospectId)).rejects.toBeInstanceOf(ProspectNotFoundError);

    // The consent ledger keeps the hashes, never the addresses.
    for (const [address, channel] of [
      [ADA.email, 'email'],
      [ADA.phone, 'sms'],
    ] as const) {
      const suppression = await t.store.getSuppression(address);
      expect(suppression).toMatchObject({ addressHash: addressHash(address), channel, reason: 'erased' });
      expect(suppression).not.toHaveProperty('address');
      expect(JSON.stringify(suppression)).not.toContain(address);
    }

    // The stats still count the run, as stopped.
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, stopped: 1 });

    // A later import of the same person (any spelling) is skipped and creates no profile.
    const results = await enrollProspects(t.ctx, {
      sequenceId: t.sequence.id,
      rows: [
        { row: 1, data: { email: ' ADA@Example.com ' } },
        { row: 2, data: { phone: '+1 (415) 555-0123' } },
      ],
    });
    expect(results).toMatchObject([
      { row: 1, status: 'skipped', reason: expect.stringMatching(/^erased on \d{4}-\d\d-\d\d \(erasure request\)$/) },
      { row: 2, status: 'skipped', reason: expect.stringMatching(/^erased on \d{4}-\d\d-\d\d \(erasure request\)$/) },
    ]);
    expect(t.scheduler.pendingTouches()).toEqual([]);
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toHaveLength(1);
  });

  it("removes the prospect from its phone's holders item: nothing left ties the number to the erased id", async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    const holdersOf = async () => (await t.store.getEnrollmentsAndSuppressions([], [], [], [ADA.phone])).phoneHolders.get(ADA.phone) ?? [];
    expect(await holdersOf()).toContain(prospectId);

    await eraseProspect(t.ctx, prospectId);

    expect(await holdersOf()).toEqual([]);
  });

  it('also leaves the holders item of a phone it had before an import changed it', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    const NEW_PHONE = '+14155550199';
    // The same person (same email) imported again with another phone: the profile takes it.
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, phone: NEW_PHONE } }] });
    expect((await t.store.getProspect(prospectId))?.phone).toBe(NEW_PHONE);
    const holdersOf = async (phone: string) => (await t.store.getEnrollmentsAndSuppressions([], [], [], [phone])).phoneHolders.get(phone) ?? [];
    expect(await holdersOf(ADA.phone)).toContain(prospectId);

    await eraseProspect(t.ctx, prospectId);

    expect({ now: await holdersOf(NEW_PHONE), before: await holdersOf(ADA.phone) }).toEqual({ now: [], before: [] });
  });

  it('an import of the same person while the items are deleted waits for the lane, and lists nobody again', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    const { prospectId } = await enrollOne(t);
    const realDelete = store.deleteProspectData.bind(store);
    let importing: Promise<unknown> | undefined;
    store.deleteProspectData = async (id: string) => {
      // A CSV with Ada's row (a new title) arrives right now.
      importing = enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, title: 'CTO' } }] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return realDelete(id);
    };
    await eraseProspect(t.ctx, prospectId);
    await importing;
    expect(await store.getProspect(prospectId)).toBeUndefined();
    expect((await store.getEnrollmentsAndSuppressions([], [], [], [ADA.phone])).phoneHolders.get(ADA.phone) ?? []).toEqual([]);
  });

  it('an existing opt-out keeps its reason but loses the plain address', async () => {
    const t = await createTestContext();
    const { prospectId } = await enrollOne(t);
    await t.store.putSuppression({
      address: ADA.phone,
      addressHash: addressHash(ADA.phone),
      channel: 'sms',
      reason: 'sms_stop',
      source: 'twilio:inbound',
      createdAt: '2025-05-01T00:00:00.000Z',
    });
    await eraseProspect(t.ctx, prospectId);
    const suppression = await t.store.getSuppression(ADA.phone);
    expect(suppression).toEqual({
      addressHash: addressHash(ADA.phone),
      channel: 'sms',
      reason: 'sms_stop',
      source: 'twilio:inbound; erased',
      createdAt: '2025-05-01T00:00:00.000Z',
    });
  });

  it('an unknown prospect is ProspectNotFoundError', async () => {
    const t = await createTestContext();
    await expect(eraseProspect(t.ctx, 'p_unknown')).rejects.toBeInstanceOf(ProspectNotFoundError);
  });
});
