import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { scheduleNameFor } from '../../../functions/domain/schedule-name.js';
import { SequenceNotFoundError } from '../../../functions/use-cases/context.js';
import { enrollProspects, type EnrollmentRowInput } from '../../../functions/use-cases/enroll-prospects.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { runTouch } from '../../../functions/use-cases/run-touch.js';
import { messageOf } from '../../fakes/scheduler.js';
import { createTestContext, ADA, MONDAY_10AM_NEW_YORK, type TestContext } from '../../fakes/test-context.js';

const rows = (...data: Record<string, unknown>[]): EnrollmentRowInput[] => data.map((d, i) => ({ row: i + 1, data: d }));

async function enroll(t: TestContext, input: EnrollmentRowInput[]) {
  return enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: input });
}

describe('enrollProspects: one result per row', () => {
  it('enrolls good rows and explains every bad one, naming the field, without failing the batch', async () => {
    const t = await createTestContext();
    const results = await enroll(t, [
      { row: 1, data: { ...ADA } },
      { row: 2, data: { email: 'not-an-email' } },
      { row: 3, data: { phone: '12' } },
      { row: 4, data: { firstName: 'Nobody' } },
      { row: 5, data: { email: 'tz@example.com', timezone: 'Mars/Olympus' } },
      { row: 6, error: 'line 7: 9 columns, header has 6' },
      { row: 7, data: { email: { nested: true } } },
      { row: 8, data: { email: '  ADA@Example.COM ' } },
      { row: 9, data: { email: 'grace@example.com', firstName: 'Grace' } },
    ]);

    expect(results.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => r.status)).toEqual([
      'enrolled',
      'invalid',
      'invalid',
      'invalid',
      'enrolled',
      'invalid',
      'invalid',
      'skipped',
      'enrolled',
    ]);
    const reason = (row: number) => {
      const r = results[row - 1];
      return r && 'reason' in r ? r.reason : undefined;
    };
    expect(reason(2)).toMatch(/^email: "not-an-email" is not a valid email address/);
    expect(reason(3)).toMatch(/^phone: "12" is not a valid phone number/);
    expect(reason(4)).toBe('email or phone is required');
    // A bad zone is left out with a warning; the row is still enrolled.
    expect(results[4]).toMatchObject({ status: 'enrolled', warnings: [expect.stringMatching(/^timezone: "Mars\/Olympus" is not an IANA time zone/)] });
    expect(reason(6)).toBe('line 7: 9 columns, header has 6');
    expect(reason(7)).toMatch(/^email: must be text/);
    expect(reason(8)).toBe('duplicate of row 1 in this request');

    const ada = results[0];
    if (ada?.status !== 'enrolled') throw new Error('row 1 not enrolled');
    expect(results[7]).toMatchObject({ status: 'skipped', prospectId: ada.prospectId });
    // Invalid rows never create a prospect.
    for (const r of results.filter((r) => r.status === 'invalid')) expect(r).not.toHaveProperty('prospectId');

    // Exactly three enrollments, three first-touch schedules.
    expect(t.scheduler.pendingTouches().map((s) => s.enrollmentId).sort()).toEqual(
      results.flatMap((r) => (r.status === 'enrolled' ? [r.enrollmentId] : [])).sort(),
    );
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrolled).toBe(3);
    expect(stats.enrollments.active).toBe(3);
  });

  it('answers SequenceNotFoundError for an unknown sequence and writes nothing', async () => {
    const t = await createTestContext();
    await expect(enrollProspects(t.ctx, { sequenceId: 'nope', rows: rows({ ...ADA }) })).rejects.toBeInstanceOf(
      SequenceNotFoundError,
    );
    expect(t.store.calls.putEnrollmentBatch).toBe(0);
    expect(t.scheduler.pendingTouches()).toEqual([]);
  });
});

describe('enrollProspects: never twice', () => {
  it('re-importing the same list creates no second enrollment and no second schedule', async () => {
    const t = await createTestContext();
    const list = rows({ ...ADA }, { email: 'grace@example.com' });
    const first = await enroll(t, list);
    expect(first.map((r) => r.status)).toEqual(['enrolled', 'enrolled']);

    t.clock.advance({ minutes: 5 });
    const second = await enroll(t, list);
    expect(second).toEqual(
      first.map((r) => ({
        row: r.row,
        status: 'skipped',
        prospectId: (r as { prospectId: string }).prospectId,
        enrollmentId: (r as { enrollmentId: string }).enrollmentId,
        reason: 'already active in this sequence',
      })),
    );
    expect(t.scheduler.created()).toHaveLength(2);
    expect(t.scheduler.pendingTouches()).toHaveLength(2);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrolled).toBe(2);
    expect(stats.enrollments.active).toBe(2);

    // And the first touch still goes out once per prospect.
    await t.scheduler.fireDue(t.ctx);
    expect(t.email.sent.map((m) => m.to).sort()).toEqual(['ada@example.com', 'grace@example.com']);
  });

  it('re-ensures the pending schedule of an already active enrollment (same deterministic name)', async () => {
    const t = await createTestContext();
    await enroll(t, rows({ ...ADA }));
    const [pending] = t.scheduler.pendingTouches();
    if (!pending) throw new Error('no schedule');
    // The schedule got lost (e.g. the enroll request crashed after writing the enrollment).
    await t.scheduler.cancel(pending.scheduleName);
    await enroll(t, rows({ ...ADA }));
    expect(t.scheduler.pendingTouches()).toEqual([pending]);
  });

  it('skips a prospect whose only address is suppressed, saying why', async () => {
    const t = await createTestContext();
    await t.store.putSuppression({
      address: 'ada@example.com',
      addressHash: addressHash('ada@example.com'),
      channel: 'email',
      reason: 'unsubscribe',
      source: 'test',
      createdAt: MONDAY_10AM_NEW_YORK,
    });
    const [result] = await enroll(t, rows({ email: 'ADA@example.com' }));
    expect(result).toMatchObject({ status: 'skipped', reason: 'opted out of email on 2025-06-02 (test)' });
    expect(result).not.toHaveProperty('enrollmentId');
    expect(t.scheduler.pendingTouches()).toEqual([]);
    expect((await getSequenceStats(t.ctx, t.sequence.id)).enrolled).toBe(0);
  });

  it('a prospect whose email bounced is not enrolled at all, not even on the SMS steps', async () => {
    const t = await createTestContext();
    await t.store.putSuppression({
      address: ADA.email,
      addressHash: addressHash(ADA.email),
      channel: 'email',
      reason: 'bounce',
      source: 'ses:bounce:General',
      createdAt: MONDAY_10AM_NEW_YORK,
    });
    const [result] = await enroll(t, rows({ ...ADA }));
    expect(result).toMatchObject({ status: 'skipped', reason: 'email bounced on 2025-06-02 (permanent bounce)' });
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toEqual([]);
    expect(t.sms.attempts).toEqual([]);
  });
});

describe('enrollProspects: phone-only prospects', () => {
  it('gets the SMS steps only; the email steps are on the timeline as skipped', async () => {
    const t = await createTestContext();
    const [result] = await enroll(t, rows({ phone: '(415) 555-0123', firstName: 'Sam', timezone: 'America/Los_Angeles' }));
    if (result?.status !== 'enrolled') throw new Error(JSON.stringify(result));

    const enrollment = await t.store.getEnrollment(result.enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', stepIndex: 1 });
    const prospect = await t.store.getProspect(result.prospectId);
    expect(prospect?.phone).toBe('+14155550123');
    // Skipped at enrollment: recorded on the enrollment (no timeline item), shown on the prospect's timeline.
    expect(enrollment?.touches['intro']).toMatchObject({ status: 'skipped', error: 'no usable email address' });
    const skippedAtEnroll = (await getProspect(t.ctx, result.prospectId)).timeline.filter((e) => e.type === 'step_skipped');
    expect(skippedAtEnroll.map((e) => [e.stepId, e.detail])).toEqual([['intro', 'no usable email address']]);

    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toEqual([]);
    expect(t.sms.sent.map((m) => [m.to, m.touch?.stepId])).toEqual([
      ['+14155550123', 'check-in'],
      ['+14155550123', 'quick-call'],
    ]);
    const { timeline } = await getProspect(t.ctx, result.prospectId);
    expect(timeline.filter((e) => e.type === 'step_skipped').map((e) => e.stepId)).toEqual([
      'intro',
      'customer-story',
      'break-up',
    ]);
    expect(await t.store.getEnrollment(result.enrollmentId)).toMatchObject({ status: 'completed' });

    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, completed: 1 });
    expect(Object.fromEntries(stats.steps.map((s) => [s.stepId, [s.sent, s.skipped]]))).toEqual({
      intro: [0, 1],
      'check-in': [1, 0],
      'customer-story': [0, 1],
      'quick-call': [1, 0],
      'break-up': [0, 1],
    });
  });
});

describe('enrollProspects: schedules', () => {
  it('creates exactly one schedule per enrollment, named deterministically from enrollment, run, step and due time', async () => {
    const t = await createTestContext();
    const results = await enroll(t, rows({ ...ADA }, { email: 'grace@example.com' }, { phone: '+14155550199' }));
    const enrolled = results.flatMap((r) => (r.status === 'enrolled' ? [r] : []));
    expect(enrolled).toHaveLength(3);
    expect(t.scheduler.created()).toHaveLength(3);

    for (const r of enrolled) {
      const enrollment = await t.store.getEnrollment(r.enrollmentId);
      if (!enrollment?.nextTouchAt) throw new Error('no next touch');
      const [schedule, ...more] = t.scheduler.pendingFor(r.enrollmentId);
      expect(more).toEqual([]);
      expect(schedule).toMatchObject({
        enrollmentId: r.enrollmentId,
        prospectId: r.prospectId,
        sequenceId: t.sequence.id,
        run: 1,
        stepIndex: enrollment.stepIndex,
        dueAt: enrollment.nextTouchAt,
        scheduleName: scheduleNameFor({ enrollmentId: r.enrollmentId, run: 1, stepIndex: enrollment.stepIndex, dueAt: enrollment.nextTouchAt }),
      });
      expect(enrollment.pendingScheduleName).toBe(schedule?.scheduleName);
      expect(schedule?.scheduleName).toMatch(/^fu-[0-9a-f]{16}-r1-s\d-[0-9a-z]+$/);
    }
    // Ada was enrolled on Monday 10:00 in New York: the intro (wait 0) is due right away.
    expect(t.scheduler.pendingFor(enrolled[0]!.enrollmentId)[0]?.dueAt).toBe(MONDAY_10AM_NEW_YORK);
  });

  it('counts enrollments: enrolled and status.active', async () => {
    const t = await createTestContext();
    await enroll(t, rows({ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'bad' }));
    await enroll(t, rows({ email: 'a@example.com' }, { email: 'c@example.com' }));
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrolled).toBe(3);
    expect(stats.enrollments).toEqual({
      active: 3,
      paused: 0,
      completed: 0,
      replied: 0,
      opted_out: 0,
      bounced: 0,
      stopped: 0,
      converted: 0,
      failed: 0,
    });
  });

  it('enrolled on a Saturday, the first touch waits for Monday 09:00 in the prospect’s zone', async () => {
    // Saturday 7 June 2025, 11:00 in Berlin.
    const t = await createTestContext({ now: '2025-06-07T09:00:00Z' });
    await enroll(t, rows({ email: 'jo@example.de', timezone: 'Europe/Berlin' }));
    expect(t.scheduler.pendingTouches().map((s) => s.dueAt)).toEqual(['2025-06-09T07:00:00.000Z']);
    expect(await t.scheduler.fireDue(t.ctx)).toEqual([]);
    expect(t.email.attempts).toEqual([]);
  });
});

describe('enrollProspects: a new run after the last one ended', () => {
  it('re-enrolling after completion starts run 2 with its own schedule', async () => {
    const t = await createTestContext();
    const [first] = await enroll(t, rows({ ...ADA }));
    if (first?.status !== 'enrolled') throw new Error('not enrolled');
    const run1Intro = t.scheduler.pendingTouches()[0]!;
    await t.scheduler.fireAll(t.ctx);
    expect(await t.store.getEnrollment(first.enrollmentId)).toMatchObject({ status: 'completed', run: 1 });
    expect(t.email.sent).toHaveLength(3);
    expect(t.sms.sent).toHaveLength(2);

    // Only when the request says so.
    const [refused] = await enroll(t, rows({ ...ADA }));
    expect(refused).toMatchObject({
      status: 'skipped',
      enrollmentId: first.enrollmentId,
      reason: expect.stringMatching(/^already went through this sequence on 2025-06-\d\d \(completed\)/),
    });
    const [again] = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: rows({ ...ADA }), reenroll: true });
    expect(again).toEqual({ row: 1, status: 'enrolled', prospectId: first.prospectId, enrollmentId: first.enrollmentId });
    const enrollment = await t.store.getEnrollment(first.enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', run: 2, stepIndex: 0, touches: {} });
    const [pending, ...others] = t.scheduler.pendingTouches();
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ run: 2, stepIndex: 0 });
    expect(pending?.scheduleName).toMatch(/-r2-s0-/);

    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrolled).toBe(2);
    expect(stats.enrollments).toMatchObject({ active: 1, completed: 0 });

    // A late duplicate of run 1's first touch sends nothing in run 2.
    expect(await runTouch(t.ctx, messageOf(run1Intro))).toEqual({ kind: 'stale', reason: 'message of an earlier run' });
    expect(t.email.sent).toHaveLength(3);

    await t.scheduler.fireDue(t.ctx);
    expect(t.email.sent).toHaveLength(4);
    expect(t.email.sent[3]?.tags.run).toBe('2');
  });
});
