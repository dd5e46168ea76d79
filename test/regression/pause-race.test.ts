import { describe, expect, it } from 'vitest';
import { pauseEnrollment } from '../../functions/use-cases/pause-enrollment.js';
import { resumeEnrollment } from '../../functions/use-cases/resume-enrollment.js';
import { runTouch } from '../../functions/use-cases/run-touch.js';
import { createTestContext, enrollOne } from '../fakes/test-context.js';

describe('pause racing an in-flight send', () => {
  it('a manual pause while the intro email is being sent, then resume: the intro must not go out twice', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const [first] = t.scheduler.pendingFor(enrollmentId);
    const message = t.scheduler.take(first!.scheduleName);

    // The admin pauses while the provider call is in flight.
    const realSend = t.ctx.email.send.bind(t.ctx.email);
    t.ctx.email = {
      send: async (email) => {
        const result = await realSend(email);
        await pauseEnrollment(t.ctx, { enrollmentId, reason: 'admin pause' });
        return result;
      },
    };
    const outcome = await runTouch(t.ctx, message);
    expect(outcome.kind).toBe('sent');
    t.ctx.email = { send: realSend };

    const paused = t.store.peekEnrollment(enrollmentId)!;
    expect(paused.status).toBe('paused');
    expect(paused.touches['intro']?.status).toBe('sent'); // the intro is on record as sent, yet the step did not advance

    await resumeEnrollment(t.ctx, { enrollmentId });
    await t.scheduler.fireDue(t.ctx, { until: new Date(t.clock.now().getTime() + 60 * 60_000) });
    // The intro step was already sent (and recorded as sent) — it must not be sent again.
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro']);
  });
});
