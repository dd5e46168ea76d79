/**
 * Rows as marketers write them, through the enroll use case: warnings instead of invalid
 * rows, and the zone of a phone-only prospect inferred from its number so quiet hours hold.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { getProspect } from '../../../functions/use-cases/get-prospect.js';
import { createTestContext, type TestContext } from '../../fakes/test-context.js';

/** Monday 23 November 2026, 11:00 in London = 03:00 in California. */
const MONDAY_11_LONDON = '2026-11-23T11:00:00.000Z';

async function enroll(t: TestContext, ...data: Record<string, unknown>[]) {
  return enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: data.map((d, i) => ({ row: i + 1, data: d })) });
}

/** Local send times of every SMS the fake sender accepted. */
function recordSmsTimes(t: TestContext): string[] {
  const times: string[] = [];
  t.sms.respondWith(() => {
    times.push(t.clock.now().toISOString());
    return undefined;
  });
  return times;
}

describe('a bad field does not cost the row', () => {
  it('a valid email with an invalid phone enrolls on email, with a warning naming the phone', async () => {
    const t = await createTestContext();
    const [result] = await enroll(t, { email: 'ada@example.com', phone: '555-1234', timezone: 'Eastern' });
    expect(result).toMatchObject({
      status: 'enrolled',
      warnings: [
        expect.stringMatching(/^phone: "555-1234" is not a valid phone number/),
        expect.stringMatching(/^timezone: "Eastern" is not an IANA time zone/),
      ],
    });
    const view = await getProspect(t.ctx, result?.status === 'enrolled' ? result.prospectId : '');
    expect(view.prospect).not.toHaveProperty('phone');
    expect(view.prospect.email).toBe('ada@example.com');
    await t.scheduler.fireAll(t.ctx);
    expect(t.email.sentTo('ada@example.com').length).toBeGreaterThan(0);
    expect(t.sms.sent).toEqual([]);
  });

  it('a row with no usable address stays invalid, with every reason', async () => {
    const t = await createTestContext();
    const [result] = await enroll(t, { email: 'ada@', phone: '12', firstName: 'Ada' });
    expect(result).toEqual({
      row: 1,
      status: 'invalid',
      reason: expect.stringMatching(/^email: "ada@" is not a valid email address .*; phone: "12" is not a valid phone number/),
    });
  });

  it('an attribute named constructor or __proto__ enrolls and is stored', async () => {
    const t = await createTestContext();
    const data = JSON.parse('{"email":"ada@example.com","attributes":{"constructor":"c","__proto__":"p","industry":"logistics"}}');
    const [result] = await enroll(t, data);
    if (result?.status !== 'enrolled') throw new Error(JSON.stringify(result));
    const { prospect } = await getProspect(t.ctx, result.prospectId);
    expect(Object.entries(prospect.attributes).sort()).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['industry', 'logistics'],
    ]);
  });
});

describe('the zone of a prospect without one comes from the phone number', () => {
  const londonDefault = { now: MONDAY_11_LONDON, tweak: (s: { definition: { defaultTimezone: string } }) => void (s.definition.defaultTimezone = 'Europe/London') };

  it('a phone-only +1 415 prospect gets Los Angeles, and its SMS go out between 08:00 and 21:00 Pacific', async () => {
    const t = await createTestContext({
      ...londonDefault,
      tweak: (s) => {
        s.definition.defaultTimezone = 'Europe/London';
        // Every SMS step may go out at any hour of any day: only quiet hours restrict it.
        for (const step of s.definition.steps) {
          if (step.channel === 'sms') step.window = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
        }
      },
    });
    const smsTimes = recordSmsTimes(t);
    const [result] = await enroll(t, { phone: '+1 415 555 0123', firstName: 'Sam' });
    if (result?.status !== 'enrolled') throw new Error(JSON.stringify(result));
    expect((await getProspect(t.ctx, result.prospectId)).prospect).toMatchObject({
      timezone: 'America/Los_Angeles',
      timezoneSource: 'phone',
    });

    await t.scheduler.fireAll(t.ctx);
    expect(smsTimes.length).toBeGreaterThanOrEqual(2);
    for (const at of smsTimes) {
      const local = DateTime.fromISO(at, { zone: 'America/Los_Angeles' });
      expect(local.hour, `${at} is ${local.toISO()} in California`).toBeGreaterThanOrEqual(8);
      expect(local.hour * 60 + local.minute, at).toBeLessThan(21 * 60);
    }
    // The first SMS (two days after Monday 03:00 Pacific) waits for 08:00 Pacific, not 08:00 London.
    expect(smsTimes[0]).toBe('2026-11-25T16:00:00.000Z');
  });

  it('a UK mobile keeps all its candidate zones, a given zone wins over the phone, a toll-free number keeps many', async () => {
    const t = await createTestContext(londonDefault);
    const [uk, unknown, given] = await enroll(
      t,
      { phone: '+44 7400 123456' },
      { phone: '+1 800 555 0199', email: 'tollfree@example.com' },
      { phone: '+1 415 555 0124', timezone: 'Europe/Paris' },
    );
    const prospectOf = async (r: typeof uk) => (await getProspect(t.ctx, r && 'prospectId' in r ? r.prospectId : '')).prospect;
    expect(await prospectOf(uk)).toMatchObject({
      timezone: 'Europe/Guernsey',
      timezoneSource: 'phone',
      timezoneCandidates: ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/London'],
    });
    expect((await prospectOf(given))).toMatchObject({ timezone: 'Europe/Paris', timezoneSource: 'given' });
    expect(await prospectOf(given)).not.toHaveProperty('timezoneCandidates');
    const tollFree = await prospectOf(unknown);
    // Toll-free numbers map to every zone of the North American plan: kept as candidates.
    expect(tollFree.timezoneSource).toBe('phone');
    expect(tollFree.timezoneCandidates).toContain('America/Los_Angeles');
  });

  it('GET /prospects/{id} names a source for prospects stored before zones were inferred', async () => {
    const t = await createTestContext();
    const stored = { attributes: {}, createdAt: MONDAY_11_LONDON, updatedAt: MONDAY_11_LONDON };
    await t.store.putEnrollmentBatch({
      prospects: [
        { id: 'p_old_zoned', email: 'old1@example.com', timezone: 'Europe/Paris', ...stored },
        { id: 'p_old_bare', email: 'old2@example.com', ...stored },
      ],
      enrollments: [],
      timeline: [],
    });
    expect((await getProspect(t.ctx, 'p_old_zoned')).prospect).toMatchObject({ timezone: 'Europe/Paris', timezoneSource: 'given' });
    expect((await getProspect(t.ctx, 'p_old_bare')).prospect.timezoneSource).toBe('default');
  });

  it('a prospect with neither zone nor phone has timezoneSource default and no zone', async () => {
    const t = await createTestContext(londonDefault);
    const [result] = await enroll(t, { email: 'nozone@example.com' });
    const { prospect } = await getProspect(t.ctx, result && 'prospectId' in result ? result.prospectId : '');
    expect(prospect.timezoneSource).toBe('default');
    expect(prospect).not.toHaveProperty('timezone');
  });
});
