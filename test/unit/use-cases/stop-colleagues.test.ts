/**
 * `stopOnReplyFrom: account`: a human reply from anyone at a company domain stops their
 * colleagues' running enrollments in that sequence as `stopped`; free-mail domains never
 * make colleagues; other sequences and the default (`prospect`) are untouched.
 */
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { handleSmsInbound } from '../../../functions/use-cases/handle-sms-inbound.js';
import { createTestContext } from '../../fakes/test-context.js';

const people = [
  { email: 'ann@acme.example', phone: '+12025550181' },
  { email: 'bob@acme.example', phone: '+12025550182' },
  { email: 'cat@acme.example', phone: '+12025550183' },
  { email: 'dan@other.example', phone: '+12025550184' },
  { email: 'eve.one@gmail.com', phone: '+12025550185' },
  { email: 'fay.two@gmail.com', phone: '+12025550186' },
];

async function setUp(stopOnReplyFrom?: 'account') {
  const t = await createTestContext({ tweak: (s) => Object.assign(s.definition, stopOnReplyFrom ? { stopOnReplyFrom } : {}) });
  const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: people.map((data, i) => ({ row: i + 1, data: { ...data, timezone: 'America/New_York' } })) });
  expect(results.every((r) => r.status === 'enrolled')).toBe(true);
  const status = async () => Promise.all(results.map(async (r) => (await t.store.getEnrollment((r as { enrollmentId: string }).enrollmentId))?.status));
  return { t, results, status };
}

describe('stopOnReplyFrom: account', () => {
  it('a reply from ann@acme stops bob and cat at acme as stopped, nobody else', async () => {
    const { t, results, status } = await setUp('account');
    await handleSmsInbound(t.ctx, { from: people[0]!.phone, to: '+15005550006', body: 'We will take it from here', messageSid: `SM${'5'.repeat(32)}` });
    expect(await status()).toEqual(['replied', 'stopped', 'stopped', 'active', 'active', 'active']);
    const bob = await t.store.getEnrollment((results[1] as { enrollmentId: string }).enrollmentId);
    expect(bob).toMatchObject({ endReason: 'a colleague (same domain) replied' });
    expect(t.scheduler.pendingFor(bob!.id)).toEqual([]);
  });

  it('two people at gmail.com are not colleagues', async () => {
    const { t, status } = await setUp('account');
    await handleSmsInbound(t.ctx, { from: people[4]!.phone, to: '+15005550006', body: 'thanks', messageSid: `SM${'6'.repeat(32)}` });
    expect(await status()).toEqual(['active', 'active', 'active', 'active', 'replied', 'active']);
    // Free-mail addresses carry no account domain at all.
    const stored = await t.store.listEnrollments((await t.store.findProspectIdsByAddress(people[5]!.email))[0]!);
    expect(stored[0]).not.toHaveProperty('accountDomain');
  });

  it('without the option only the replier stops', async () => {
    const { t, status } = await setUp();
    await handleSmsInbound(t.ctx, { from: people[0]!.phone, to: '+15005550006', body: 'ok', messageSid: `SM${'7'.repeat(32)}` });
    expect(await status()).toEqual(['replied', 'active', 'active', 'active', 'active', 'active']);
  });
});
