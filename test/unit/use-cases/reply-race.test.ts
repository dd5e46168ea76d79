/**
 * A reply racing a touch (docs/architecture.md, "The touch pipeline"; Store.claimTouch): the stop and the claim are writes
 * to the same item, so they are strictly ordered. Whatever the interleaving, a touch
 * claimed after the reply was recorded is never sent, a touch that did go out is on
 * record, the enrollment ends `replied`, and nothing more is ever sent.
 */
import { describe, expect, it } from 'vitest';
import type { EnrollmentAdvance } from '../../../functions/ports.js';
import type { TouchClaim } from '../../../functions/domain/records.js';
import { getSequenceStats } from '../../../functions/use-cases/get-sequence-stats.js';
import { RetryableTouchError, runTouch, type TouchOutcome } from '../../../functions/use-cases/run-touch.js';
import { stopEnrollment } from '../../../functions/use-cases/stop-enrollment.js';
import { jitter, pause, seededRandom } from '../../fakes/delay.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { createTestContext, enrollOne } from '../../fakes/test-context.js';

/** Notes, in the order the writes took effect, when the claim was taken and when the reply was recorded. */
class OrderedStore extends InMemoryStore {
  readonly order: ('claimed' | 'replied')[] = [];

  // Not `async`: the parent's body runs synchronously, so the note is taken at the exact write.
  override claimTouch(claim: TouchClaim, now: Date) {
    const before = this.peekClaim(claim.enrollmentId);
    const result = super.claimTouch(claim, now);
    const after = this.peekClaim(claim.enrollmentId);
    if (after && after.leaseUntil === claim.leaseUntil && before?.leaseUntil !== claim.leaseUntil) this.order.push('claimed');
    return result;
  }

  override advanceEnrollment(advance: EnrollmentAdvance) {
    const before = this.peekEnrollment(advance.enrollmentId)?.status;
    const result = super.advanceEnrollment(advance);
    const after = this.peekEnrollment(advance.enrollmentId)?.status;
    if (before !== 'replied' && after === 'replied') this.order.push('replied');
    return result;
  }
}

const ITERATIONS = 50;

describe('a reply racing a touch', () => {
  it(`never sends a touch claimed after the reply; a sent touch is on record; nothing follows (${ITERATIONS} interleavings)`, async () => {
    const seen = { sentBeforeReply: 0, stopLandedDuringSend: 0, nothingSent: 0, orphanSchedules: 0 };
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const random = seededRandom(1000 + iteration);
      const store = new OrderedStore();
      const t = await createTestContext({
        store,
        emailLatency: jitter(3, random),
        storeLatency: jitter(1, random),
        schedulerLatency: jitter(1, random),
      });
      const { enrollmentId } = await enrollOne(t);
      const [due] = t.scheduler.pendingFor(enrollmentId);
      const message = t.scheduler.take(due!.scheduleName);
      const stopDelay = jitter(6, random)();
      const where = `iteration ${iteration} (stop after ${stopDelay} ms)`;

      const [touch, stop] = await Promise.allSettled([
        runTouch(t.ctx, message),
        (async () => {
          await pause(stopDelay);
          return stopEnrollment(t.ctx, { enrollmentId, status: 'replied', reason: 'human reply' });
        })(),
      ]);

      expect(stop, where).toMatchObject({ status: 'fulfilled', value: { changed: true } });
      let outcome: TouchOutcome | undefined;
      if (touch.status === 'rejected') {
        // Lost the claim to the stop: the queue redelivers, and the redelivery drops it.
        expect(touch.reason, where).toBeInstanceOf(RetryableTouchError);
        outcome = await runTouch(t.ctx, message);
        expect(outcome, where).toEqual({ kind: 'stale', reason: 'enrollment is replied' });
      } else outcome = touch.value;

      const enrollment = await t.store.getEnrollment(enrollmentId);
      expect(enrollment?.status, where).toBe('replied');
      expect(t.email.sent.length, where).toBeLessThanOrEqual(1);
      if (t.email.sent.length === 1) {
        seen.sentBeforeReply++;
        // The stop landed between the claim and the end of the send: the send is kept on record.
        if (store.calls.recordTouch > 0) seen.stopLandedDuringSend++;
        expect(outcome?.kind, where).toBe('sent');
        // The claim took effect before the reply was recorded.
        expect(store.order, where).toEqual(['claimed', 'replied']);
        // And the message is on record on the enrollment, with its provider id.
        const sentId = (t.email.attempts[0]!.result as { providerMessageId: string }).providerMessageId;
        expect(enrollment?.touches.intro, where).toMatchObject({ status: 'sent', providerMessageId: sentId });
      } else {
        seen.nothingSent++;
        expect(outcome?.kind, where).not.toBe('sent');
        expect(enrollment?.touches.intro, where).toBeUndefined();
      }
      expect(t.email.attempts.length, where).toBe(t.email.sent.length);

      // Whatever is still pending (a schedule created after the stop deleted the one it knew
      // about is harmless) fires into a replied enrollment and sends nothing.
      seen.orphanSchedules += t.scheduler.pendingTouches().length;
      const before = t.email.attempts.length + t.sms.attempts.length;
      const fired = await t.scheduler.fireAll(t.ctx);
      for (const f of fired) expect(f.outcome?.kind, where).toBe('stale');
      expect(t.email.attempts.length + t.sms.attempts.length, where).toBe(before);
      expect(t.scheduler.pendingTouches(), where).toEqual([]);

      const stats = await getSequenceStats(t.ctx, t.sequence.id);
      expect(stats.enrollments, where).toMatchObject({ active: 0, replied: 1, completed: 0 });
      expect(stats.steps[0]?.sent, where).toBe(t.email.sent.length);
    }
    // Both orders really happened.
    expect(seen.sentBeforeReply).toBeGreaterThan(0);
    expect(seen.nothingSent).toBeGreaterThan(0);
    expect(seen.stopLandedDuringSend).toBeGreaterThan(0);
  });
});
