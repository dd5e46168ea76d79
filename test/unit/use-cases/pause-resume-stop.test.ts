import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { EnrollmentNotFoundError, EnrollmentStateError } from '../../../functions/use-cases/context.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { pauseEnrollment } from '../../../functions/use-cases/pause-enrollment.js';
import { resumeEnrollment } from '../../../functions/use-cases/resume-enrollment.js';
import { runTouch } from '../../../functions/use-cases/run-touch.js';
import { stopEnrollment } from '../../../functions/use-cases/stop-enrollment.js';
import { messageOf } from '../../fakes/scheduler.js';
import { createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const NY = 'America/New_York';
/** Check-in SMS of an enrollment whose intro went out Monday 2 June 10:00 NY: Wednesday 10:00 NY. */
const CHECK_IN_PLANNED = '2025-06-04T14:00:00.000Z';

const local = (iso: string, zone = NY) => DateTime.fromISO(iso, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

/** Ada enrolled Monday 10:00 NY, intro sent; the check-in SMS is pending for Wednesday 10:00. */
async function afterIntro(): Promise<TestContext & { enrollmentId: string; prospectId: string }> {
  const t = await createTestContext();
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  expect(t.email.sent).toHaveLength(1);
  expect(t.scheduler.pendingFor(ids.enrollmentId).map((s) => s.dueAt)).toEqual([CHECK_IN_PLANNED]);
  return { ...t, ...ids };
}

describe('pause', () => {
  it('a paused enrollment’s pending touch does nothing, even if its schedule fires anyway', async () => {
    const t = await afterIntro();
    const [pending] = t.scheduler.pendingFor(t.enrollmentId);
    t.clock.advance({ hours: 1 });
    const paused = await pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'asked to wait' });
    expect(paused.status).toBe('paused');
    expect(t.scheduler.pendingTouches()).toEqual([]);

    // The schedule had already fired and its message sits on the queue.
    t.clock.set(CHECK_IN_PLANNED);
    expect(await runTouch(t.ctx, messageOf(pending!))).toEqual({ kind: 'stale', reason: 'enrollment is paused' });
    await t.scheduler.advanceAndFire(t.ctx, 30 * 86_400_000);
    expect(t.sms.attempts).toEqual([]);
    expect(t.email.attempts).toHaveLength(1);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, paused: 1 });
  });

  it('only an active enrollment can be paused', async () => {
    const t = await afterIntro();
    await stopEnrollment(t.ctx, { enrollmentId: t.enrollmentId, status: 'stopped', reason: 'manual' });
    await expect(pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'x' })).rejects.toBeInstanceOf(
      EnrollmentStateError,
    );
    await expect(pauseEnrollment(t.ctx, { enrollmentId: 'p_nope.inbound-lead-follow-up', reason: 'x' })).rejects.toBeInstanceOf(
      EnrollmentNotFoundError,
    );
  });

  it('an auto-reply pause resumes on its own at resumeAt and sends the pending step then', async () => {
    const t = await afterIntro();
    t.clock.advance({ hours: 1 });
    const resumeAt = new Date('2025-06-09T14:30:00Z'); // Monday 9 June, 10:30 NY
    await pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'out of office', resumeAt });
    expect(t.scheduler.pendingTouches().map((s) => [s.stepIndex, s.dueAt])).toEqual([[1, resumeAt.toISOString()]]);

    const fired = await t.scheduler.advanceAndFire(t.ctx, 10 * 86_400_000);
    expect(fired[0]).toMatchObject({ at: resumeAt.toISOString(), outcome: { kind: 'sent' } });
    expect(t.sms.sent.map((m) => m.touch?.stepId)).toEqual(['check-in']);
    const timeline = await t.store.listTimeline(t.prospectId);
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['paused', 'resumed']));
  });
});

describe('resume', () => {
  it('resuming early never sends sooner than planned', async () => {
    const t = await afterIntro();
    t.clock.advance({ hours: 1 });
    await pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'manual' });
    t.clock.set('2025-06-03T13:00:00Z'); // Tuesday 09:00 NY, before the planned Wednesday 10:00

    const resumed = await resumeEnrollment(t.ctx, { enrollmentId: t.enrollmentId });
    expect(resumed).toMatchObject({ status: 'active', stepIndex: 1, nextTouchAt: CHECK_IN_PLANNED });
    expect(t.scheduler.pendingTouches().map((s) => s.dueAt)).toEqual([CHECK_IN_PLANNED]);
    expect(await t.scheduler.fireDue(t.ctx)).toEqual([]);
    const fired = await t.scheduler.advanceAndFire(t.ctx, 2 * 86_400_000);
    expect(fired[0]).toMatchObject({ at: CHECK_IN_PLANNED, outcome: { kind: 'sent' } });
    expect(t.sms.sent).toHaveLength(1);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 1, paused: 0 });
  });

  it('resuming after the planned time sends at the next allowed time, inside the step’s window', async () => {
    const t = await afterIntro();
    await pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'manual' });
    t.clock.set('2025-06-07T16:00:00Z'); // Saturday 12:00 NY: the SMS window is weekdays 10:00–18:00

    const resumed = await resumeEnrollment(t.ctx, { enrollmentId: t.enrollmentId });
    expect(local(resumed.nextTouchAt!)).toBe('Mon 2025-06-09 10:00');
    await t.scheduler.advanceAndFire(t.ctx, 3 * 86_400_000);
    expect(t.sms.sent).toHaveLength(1);
    expect(t.scheduler.fired.at(-1)).toMatchObject({ at: resumed.nextTouchAt, outcome: { kind: 'sent' } });
  });

  it('only a paused enrollment can be resumed', async () => {
    const t = await afterIntro();
    await expect(resumeEnrollment(t.ctx, { enrollmentId: t.enrollmentId })).rejects.toBeInstanceOf(EnrollmentStateError);
    expect(t.scheduler.pendingTouches()).toHaveLength(1);
  });
});

describe('stop', () => {
  it('stopping after completion is a no-op (changed: false), counters untouched', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    const before = await t.store.getEnrollment(enrollmentId);
    expect(before?.status).toBe('completed');

    const result = await stopEnrollment(t.ctx, { enrollmentId, status: 'replied', reason: 'late reply' });
    expect(result).toEqual({ changed: false, enrollment: before });
    expect(await t.store.getEnrollment(enrollmentId)).toEqual(before);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ completed: 1, replied: 0, active: 0 });
  });

  it('stopping twice changes it once; a paused enrollment can be stopped', async () => {
    const t = await afterIntro();
    await pauseEnrollment(t.ctx, { enrollmentId: t.enrollmentId, reason: 'manual' });
    const first = await stopEnrollment(t.ctx, { enrollmentId: t.enrollmentId, status: 'opted_out', reason: 'STOP' });
    const second = await stopEnrollment(t.ctx, { enrollmentId: t.enrollmentId, status: 'stopped', reason: 'manual' });
    expect(first).toMatchObject({ changed: true, previousStatus: 'paused', enrollment: { status: 'opted_out' } });
    expect(second).toMatchObject({ changed: false, enrollment: { status: 'opted_out' } });
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, paused: 0, opted_out: 1, stopped: 0 });
    await t.scheduler.fireAll(t.ctx);
    expect(t.sms.attempts).toEqual([]);
  });

  it('an unknown enrollment is EnrollmentNotFoundError', async () => {
    const t = await createTestContext();
    await expect(
      stopEnrollment(t.ctx, { enrollmentId: 'p_nope.inbound-lead-follow-up', status: 'stopped', reason: 'x' }),
    ).rejects.toBeInstanceOf(EnrollmentNotFoundError);
  });
});
