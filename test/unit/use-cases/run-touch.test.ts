import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { runTouch, RetryableTouchError, type TouchOutcome } from '../../../functions/use-cases/run-touch.js';
import { stopEnrollment } from '../../../functions/use-cases/stop-enrollment.js';
import { messageOf } from '../../fakes/scheduler.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The enrollment's one pending schedule fires: it is gone and its message is returned. */
function fire(t: TestContext, enrollmentId: string) {
  return t.scheduler.take(onlyPending(t, enrollmentId).scheduleName);
}

function onlyPending(t: TestContext, enrollmentId: string) {
  const pending = t.scheduler.pendingFor(enrollmentId);
  if (pending.length !== 1) throw new Error(`expected one pending schedule, got ${pending.length}`);
  return pending[0]!;
}

async function stepStats(t: TestContext, stepId: string) {
  const stats = await getSequenceStats(t.ctx, t.sequence.id);
  return stats.steps.find((s) => s.stepId === stepId);
}

describe('runTouch: exactly once', () => {
  it('the same touch message delivered twice sends once', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const message = fire(t, enrollmentId);

    const first = await runTouch(t.ctx, message);
    const second = await runTouch(t.ctx, message);

    expect(first).toMatchObject({ kind: 'sent', completed: false });
    expect(second).toEqual({ kind: 'stale', reason: 'enrollment is at another step' });
    expect(t.email.attempts).toHaveLength(1);
    expect(t.email.sent[0]).toMatchObject({ to: 'ada@example.com', touch: { enrollmentId, stepId: 'intro' } });
    // Exactly one next schedule (the duplicate only re-ensured it under the same name).
    expect(t.scheduler.pendingFor(enrollmentId).map((s) => s.stepIndex)).toEqual([1]);
    expect(await stepStats(t, 'intro')).toMatchObject({ sent: 1 });
  });

  it('ten concurrent deliveries of one touch send exactly once; the rest retry or drop, and a later redelivery is stale', async () => {
    const t = await createTestContext({ emailLatency: 'tick', storeLatency: 'tick' });
    const { enrollmentId } = await enrollOne(t);
    const message = fire(t, enrollmentId);

    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => runTouch(t.ctx, message)));

    expect(t.email.attempts).toHaveLength(1);
    const fulfilled = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    expect(fulfilled.filter((o) => o.kind === 'sent')).toHaveLength(1);
    expect(fulfilled.filter((o) => o.kind !== 'sent').every((o) => o.kind === 'stale')).toBe(true);
    // They really raced: at least one lost the claim (and must be retried by the queue).
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) expect(error).toBeInstanceOf(RetryableTouchError);
    expect(fulfilled.length + rejected.length).toBe(10);

    // The queue redelivers the losers after the lease: the touch has moved on, nothing more is sent.
    t.clock.advance({ seconds: t.ctx.settings.claimLeaseSeconds + 1 });
    const redelivered = await Promise.all(Array.from({ length: rejected.length }, () => runTouch(t.ctx, message)));
    for (const outcome of redelivered) expect(outcome).toMatchObject({ kind: 'stale' });
    expect(t.email.attempts).toHaveLength(1);
    expect((await t.store.getEnrollment(enrollmentId))?.stepIndex).toBe(1);
    expect(t.scheduler.pendingFor(enrollmentId)).toHaveLength(1);
    expect(await stepStats(t, 'intro')).toMatchObject({ sent: 1 });
  });

  it('a claim whose worker died blocks redeliveries until its lease expires, then the touch is sent once', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    const message = fire(t, enrollmentId);
    // A worker claimed the touch and crashed before sending.
    const now = t.clock.now();
    expect(
      await t.store.claimTouch(
        {
          enrollmentId,
          prospectId,
          sequenceId: t.sequence.id,
          run: 1,
          stepIndex: 0,
          leaseUntil: new Date(now.getTime() + 300_000).toISOString(),
        },
        now,
      ),
    ).toBe('ok');

    t.clock.advance({ minutes: 1 });
    await expect(runTouch(t.ctx, message)).rejects.toBeInstanceOf(RetryableTouchError);
    expect(t.email.attempts).toHaveLength(0);

    t.clock.advance({ minutes: 5 });
    expect(await runTouch(t.ctx, message)).toMatchObject({ kind: 'sent' });
    expect(t.email.sent).toHaveLength(1);
  });

  it('a touch whose enrollment was stopped before delivery sends nothing, and its schedule was cancelled', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const scheduled = onlyPending(t, enrollmentId);

    const stopped = await stopEnrollment(t.ctx, { enrollmentId, status: 'stopped', reason: 'manual stop' });
    expect(stopped).toMatchObject({ changed: true, previousStatus: 'active' });
    expect(t.scheduler.pendingTouches()).toEqual([]);
    expect(t.scheduler.calls.at(-1)).toEqual({ op: 'cancel', scheduleName: scheduled.scheduleName, existed: true });

    // EventBridge had already fired it: the message is delivered anyway.
    expect(await runTouch(t.ctx, messageOf(scheduled))).toEqual({ kind: 'stale', reason: 'enrollment is stopped' });
    expect(t.email.attempts).toEqual([]);
    expect(t.sms.attempts).toEqual([]);
    expect(t.store.peekClaim(enrollmentId)).toBeUndefined();
  });
});

describe('runTouch: provider failures', () => {
  it('a throttled email throws RetryableTouchError, releases the claim, and the redelivery sends once', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const message = fire(t, enrollmentId);
    t.email.failNext({ kind: 'retryable', reason: 'TooManyRequestsException', retryAfterSeconds: 2 });

    const error = await runTouch(t.ctx, message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableTouchError);
    expect(error).toMatchObject({ message: 'TooManyRequestsException', retryAfterSeconds: 2 });
    // The claim is given back, so the retry need not wait for the five-minute lease.
    expect(t.store.peekClaim(enrollmentId)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active', stepIndex: 0, touches: {} });

    t.clock.advance({ seconds: 2 });
    expect(await runTouch(t.ctx, message)).toMatchObject({ kind: 'sent' });
    expect(t.email.attempts.map((a) => a.result.kind)).toEqual(['retryable', 'sent']);
    expect(t.email.sent).toHaveLength(1);
    expect(await stepStats(t, 'intro')).toMatchObject({ sent: 1, failed: 0 });
  });

  it('Twilio 429, then 500, then success: the SMS goes out once', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t, { phone: '+14155550123', timezone: 'America/New_York' });
    t.sms
      .failNext({ kind: 'retryable', reason: 'Twilio 429 Too Many Requests' })
      .failNext({ kind: 'retryable', reason: 'Twilio 500 Internal Server Error' });

    const fired = await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);
    expect(fired.map((f) => (f.error ? 'retry' : f.outcome?.kind))).toEqual(['retry', 'retry', 'sent']);
    expect(fired.map((f) => f.touch.scheduleName)).toEqual(Array(3).fill(fired[0]!.touch.scheduleName));
    expect(t.sms.attempts).toHaveLength(3);
    expect(t.sms.sent).toHaveLength(1);
    expect((await t.store.getEnrollment(enrollmentId))?.touches['check-in']).toMatchObject({
      status: 'sent',
      providerMessageId: expect.stringMatching(/^SM/),
    });
    expect(await stepStats(t, 'check-in')).toMatchObject({ sent: 1, failed: 0 });
  });

  it('permanent failure (21211 invalid number) with skip_step: recorded failed, the enrollment moves on', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx); // intro email
    t.sms.failNext({ kind: 'permanent', reason: "The 'To' number is not a valid phone number.", code: '21211' });

    const fired = await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);
    expect(fired.map((f) => f.outcome)).toEqual([{ kind: 'failed', channel: 'sms', reason: "The 'To' number is not a valid phone number." }]);

    const enrollment = await t.store.getEnrollment(enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', stepIndex: 2 });
    expect(enrollment?.touches['check-in']).toMatchObject({
      status: 'failed',
      error: "21211: The 'To' number is not a valid phone number.",
    });
    expect(t.scheduler.pendingFor(enrollmentId).map((s) => s.stepIndex)).toEqual([2]);
    expect(await stepStats(t, 'check-in')).toMatchObject({ sent: 0, failed: 1 });
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.filter((e) => e.type === 'send_failed')).toMatchObject([{ stepId: 'check-in', detail: '21211' }]);
    // 21211 is not an opt-out: the number is not suppressed.
    expect(await t.store.getSuppression(ADA.phone)).toBeUndefined();

    // The rest of the sequence continues: the next email goes out.
    await t.scheduler.advanceAndFire(t.ctx, 7 * DAY);
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro', 'customer-story']);
  });

  it('permanent failure with policy fail_enrollment: the enrollment fails and nothing more is sent', async () => {
    const t = await createTestContext({
      tweak: (s) => {
        s.definition.onPermanentFailure = 'fail_enrollment';
      },
    });
    const { enrollmentId } = await enrollOne(t);
    t.email.failNext({ kind: 'permanent', reason: 'MessageRejected: Email address is not verified.' });

    expect(await t.scheduler.fireDue(t.ctx)).toMatchObject([{ outcome: { kind: 'failed' } }]);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({
      status: 'failed',
      endReason: 'MessageRejected: Email address is not verified.',
      touches: { intro: { status: 'failed' } },
    });
    expect(t.scheduler.pendingTouches()).toEqual([]);
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toHaveLength(1);
    expect(t.sms.attempts).toHaveLength(0);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, failed: 1 });
    expect(stats.steps[0]).toMatchObject({ stepId: 'intro', sent: 0, failed: 1 });
  });

  it('21610 (recipient unsubscribed): the phone is suppressed and never texted again; email continues', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.scheduler.fireDue(t.ctx); // intro
    t.sms.failNext({ kind: 'permanent', reason: 'Attempt to send to unsubscribed recipient', code: '21610' });
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY); // check-in → 21610

    expect(await t.store.getSuppression(ADA.phone)).toMatchObject({
      address: ADA.phone,
      addressHash: addressHash(ADA.phone),
      channel: 'sms',
      reason: 'sms_stop',
      source: 'twilio:21610',
    });
    await t.scheduler.fireAll(t.ctx);
    expect(t.sms.attempts).toHaveLength(1);
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro', 'customer-story', 'break-up']);
    const timeline = await t.store.listTimeline(prospectId);
    expect(timeline.filter((e) => e.type === 'step_skipped').map((e) => e.stepId)).toEqual(['quick-call']);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'completed' });
  });

  it('21610 for a phone-only prospect ends the enrollment at once (no SMS step can reach them any more)', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t, { phone: ADA.phone, timezone: 'America/New_York' });
    t.sms.failNext({ kind: 'permanent', reason: 'Attempt to send to unsubscribed recipient', code: '21610' });
    await t.scheduler.advanceAndFire(t.ctx, 3 * DAY);

    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.scheduler.pendingTouches()).toEqual([]);
    const stats = await getSequenceStats(t.ctx, t.sequence.id);
    expect(stats.enrollments).toMatchObject({ active: 0, opted_out: 1 });
  });
});

describe('runTouch: send windows', () => {
  it.each([
    {
      name: 'an email due Friday 16:55 in New York, delivered at 17:30, moves to Monday 09:00 New York time',
      now: '2025-06-06T20:55:00Z',
      prospect: { email: 'ny@example.com', timezone: 'America/New_York' },
      lateBy: 35 * MINUTE,
      zone: 'America/New_York',
      expected: 'Mon 2025-06-09 09:00',
      channel: 'email' as const,
    },
    {
      name: 'an SMS (window 10:00–18:00) delivered at 18:30 Wednesday in Los Angeles moves to Thursday 10:00 there',
      // Enrolled Monday 17:55 LA: the check-in SMS is due Wednesday 17:55 LA.
      now: '2025-06-03T00:55:00Z',
      prospect: { phone: '+14155550123', timezone: 'America/Los_Angeles' },
      lateBy: 35 * MINUTE,
      zone: 'America/Los_Angeles',
      expected: 'Thu 2025-06-05 10:00',
      channel: 'sms' as const,
    },
  ])('$name', async ({ now, prospect, lateBy, zone, expected, channel }) => {
    const t = await createTestContext({ now });
    const { enrollmentId } = await enrollOne(t, prospect);
    const due = onlyPending(t, enrollmentId);
    // The schedule fired on time, but the queue delivered it late (a backlog at 09:00 on a Monday…).
    const message = t.scheduler.take(due.scheduleName);
    t.clock.set(new Date(Date.parse(due.dueAt) + lateBy));

    const outcome = (await runTouch(t.ctx, message)) as Extract<TouchOutcome, { kind: 'rescheduled' }>;
    expect(outcome.kind).toBe('rescheduled');
    expect(DateTime.fromISO(outcome.dueAt, { zone }).toFormat('ccc yyyy-MM-dd HH:mm')).toBe(expected);
    expect(t.email.attempts).toEqual([]);
    expect(t.sms.attempts).toEqual([]);
    const enrollment = await t.store.getEnrollment(enrollmentId);
    expect(enrollment).toMatchObject({ status: 'active', stepIndex: due.stepIndex, nextTouchAt: outcome.dueAt });
    const rescheduled = t.scheduler.pendingTouches().find((s) => s.dueAt === outcome.dueAt);
    expect(rescheduled?.scheduleName).toBe(enrollment?.pendingScheduleName);

    // A redelivery of the late message is stale; the rescheduled touch goes out once, at the opening.
    expect(await runTouch(t.ctx, message)).toEqual({ kind: 'stale', reason: 'touch was rescheduled' });
    expect(t.scheduler.pendingFor(enrollmentId)).toHaveLength(1);
    const fired = await t.scheduler.fireDue(t.ctx, { until: new Date(outcome.dueAt) });
    expect(fired.map((f) => [f.at, f.outcome?.kind])).toEqual([[outcome.dueAt, 'sent']]);
    expect((channel === 'email' ? t.email : t.sms).sent).toHaveLength(1);
  });
});

describe('runTouch: the consent ledger is checked right before sending', () => {
  it('an email address suppressed after enrollment is never emailed; SMS steps still go out', async () => {
    const t = await createTestContext();
    const { enrollmentId, prospectId } = await enrollOne(t);
    await t.store.putSuppression({
      address: ADA.email,
      addressHash: addressHash(ADA.email),
      channel: 'email',
      reason: 'unsubscribe',
      source: 'test',
      createdAt: t.clock.now().toISOString(),
    });

    expect(await t.scheduler.fireDue(t.ctx)).toMatchObject([{ outcome: { kind: 'skipped', reason: 'email address is suppressed' } }]);
    expect(t.email.attempts).toEqual([]);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active', stepIndex: 1 });

    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toEqual([]);
    expect(t.sms.sent.map((m) => m.touch?.stepId)).toEqual(['check-in', 'quick-call']);
    const skipped = (await t.store.listTimeline(prospectId)).filter((e) => e.type === 'step_skipped').map((e) => e.stepId);
    expect(skipped).toEqual(expect.arrayContaining(['intro', 'customer-story', 'break-up']));
  });

  it('duplicate concurrent deliveries of a touch skipped for suppression count it once', async () => {
    const t = await createTestContext({ storeLatency: 'tick', schedulerLatency: 'tick' });
    const { enrollmentId } = await enrollOne(t);
    await t.store.putSuppression({
      address: ADA.email,
      addressHash: addressHash(ADA.email),
      channel: 'email',
      reason: 'unsubscribe',
      source: 'test',
      createdAt: t.clock.now().toISOString(),
    });
    const message = fire(t, enrollmentId);
    const outcomes = await Promise.all([runTouch(t.ctx, message), runTouch(t.ctx, message), runTouch(t.ctx, message)]);
    // They really overlapped: the losers found the enrollment moved on while they skipped (one skip is counted and reported).
    expect(outcomes.filter((o) => o.kind === 'skipped')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'stale' && o.reason === 'enrollment changed while skipping').length).toBeGreaterThan(0);
    expect(t.email.attempts).toEqual([]);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active', stepIndex: 1 });
    expect(t.scheduler.pendingFor(enrollmentId)).toHaveLength(1);
    expect(await stepStats(t, 'intro')).toMatchObject({ sent: 0, skipped: 1 });
  });

  it('an email-only prospect suppressed after enrollment: nothing is sent and the enrollment ends', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t, { email: 'solo@example.com' });
    await t.store.putSuppression({
      address: 'solo@example.com',
      addressHash: addressHash('solo@example.com'),
      channel: 'email',
      reason: 'complaint',
      source: 'test',
      createdAt: t.clock.now().toISOString(),
    });
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.attempts).toEqual([]);
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'bounced' });
    expect(t.scheduler.pendingTouches()).toEqual([]);
  });
});
