import { describe, expect, it } from 'vitest';
import { handleSmsInbound } from '../../functions/use-cases/handle-sms-inbound.js';
import { ADA, createTestContext, enrollOne } from '../fakes/test-context.js';

describe('a prospect answers "Yes" to a sequence SMS', () => {
  it('is a reply when the number was never opted out: the sequence stops and the owner hears of it', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    await t.scheduler.advanceAndFire(t.ctx, 3 * 86_400_000); // intro email + check-in SMS ("… got 15 minutes?")
    expect(t.sms.sentTo(ADA.phone).length).toBeGreaterThan(0);
    t.email.clear();

    const result = await handleSmsInbound(t.ctx, { from: ADA.phone, to: '+15005550006', body: 'Yes', messageSid: 'SM1' });

    expect({
      intent: result.intent,
      status: t.store.peekEnrollment(enrollmentId)?.status,
      ownerNotified: t.email.sent.length,
    }).toEqual({ intent: 'reply', status: 'replied', ownerNotified: 1 });
  });
});
