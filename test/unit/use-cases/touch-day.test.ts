/**
 * Across sequences a person gets at most one touch per channel and local day (the
 * `touchesPerPersonPerDay` setting): the later touch moves to the next day's opening.
 * People in one sequence cost nothing extra.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { ADA, createTestContext, enrollOne, type TestContext } from '../../fakes/test-context.js';

async function withParallelSequence(settings: { touchesPerPersonPerDay?: number } = {}) {
  const t = await createTestContext({ settings });
  const parallel = structuredClone(t.sequence);
  parallel.id = 'parallel';
  parallel.version = 1;
  parallel.definition = { ...parallel.definition, id: 'parallel', name: 'Parallel', allowConcurrent: true };
  await t.store.putSequenceVersion(parallel);
  return t;
}

/** The sent touches of ADA's enrollments on a channel, in send order, with their New York day. */
async function localDays(t: TestContext, channel: 'email' | 'sms') {
  const [prospectId] = await t.store.findProspectIdsByAddress(ADA.email);
  const enrollments = await t.store.listEnrollments(prospectId!);
  return enrollments
    .flatMap((e) => Object.values(e.touches).map((touch) => ({ ...touch, enrollmentId: e.id })))
    .filter((touch) => touch.channel === channel && touch.status !== 'skipped')
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((touch) => ({ day: DateTime.fromISO(touch.at, { zone: 'America/New_York' }).toISODate(), enrollmentId: touch.enrollmentId }));
}

describe('one touch per person, channel and local day across sequences', () => {
  it('two sequences starting the same day: the second intro email waits for the next day; no day has two', async () => {
    const t = await withParallelSequence();
    await enrollOne(t);
    const [second] = await enrollProspects(t.ctx, { sequenceId: 'parallel', rows: [{ row: 1, data: { ...ADA } }] });
    expect(second).toMatchObject({ status: 'enrolled' });

    await t.scheduler.fireAll(t.ctx);
    expect(t.email.sent).toHaveLength(6);
    expect(t.sms.sent).toHaveLength(4);
    for (const channel of ['email', 'sms'] as const) {
      const days = (await localDays(t, channel)).map((d) => d.day);
      expect(new Set(days).size, `${channel} days: ${days.join(', ')}`).toBe(days.length);
    }
    const [first, moved] = await localDays(t, 'email');
    expect(first?.enrollmentId).not.toBe(moved?.enrollmentId);
    expect(moved?.day).toBe('2025-06-03');
  });

  it('the limit is a setting: two a day are allowed when it says 2', async () => {
    const t = await withParallelSequence({ touchesPerPersonPerDay: 2 });
    await enrollOne(t);
    await enrollProspects(t.ctx, { sequenceId: 'parallel', rows: [{ row: 1, data: { ...ADA } }] });
    await t.scheduler.fireDue(t.ctx);
    expect((await localDays(t, 'email')).map((d) => d.day)).toEqual(['2025-06-02', '2025-06-02']);
  });

  it('a person in one sequence costs no extra request', async () => {
    const t = await withParallelSequence();
    await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);
    expect(t.store.calls.claimTouchDay).toBe(0);
  });
});

describe('one phone is one person for the daily limit', () => {
  it('an email prospect in one sequence and the phone-only prospect of that number in another: no day with two texts to the phone', async () => {
    const t = await withParallelSequence();
    await enrollOne(t);
    const [second] = await enrollProspects(t.ctx, { sequenceId: 'parallel', rows: [{ row: 1, data: { phone: ADA.phone, timezone: ADA.timezone } }] });
    expect(second).toMatchObject({ status: 'enrolled' });

    await t.scheduler.fireAll(t.ctx);
    const holders = await t.store.findProspectIdsByAddress(ADA.phone);
    expect(holders).toHaveLength(2);
    const enrollments = (await Promise.all(holders.map((id) => t.store.listEnrollments(id)))).flat();
    const textDays = enrollments
      .flatMap((e) => Object.values(e.touches))
      .filter((touch) => touch.channel === 'sms' && touch.status !== 'skipped')
      .map((touch) => DateTime.fromISO(touch.at, { zone: ADA.timezone }).toISODate());
    expect(textDays.length).toBe(4);
    expect(new Set(textDays).size, `text days: ${textDays.sort().join(', ')}`).toBe(textDays.length);
  });
});
