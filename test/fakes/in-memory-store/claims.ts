import type { TouchClaim, TouchDay } from '../../../functions/domain/records.js';
import type { ClaimStore, ConditionalWriteResult, TouchDayClaim } from '../../../functions/ports.js';
import type { FakeTables } from './state.js';

export class FakeClaims implements ClaimStore {
  constructor(private readonly tables: FakeTables) {}

  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    const leaseUntilMs = new Date(claim.leaseUntil).getTime();
    if (Number.isNaN(leaseUntilMs)) throw new RangeError(`Invalid leaseUntil: ${claim.leaseUntil}`);
    const enrollment = this.tables.enrollments.get(claim.enrollmentId);
    if (enrollment?.status !== 'active' || enrollment.run !== claim.run || enrollment.stepIndex !== claim.stepIndex) {
      return 'conflict';
    }
    const held = this.tables.claims.get(claim.enrollmentId);
    if (held && held.run === claim.run && held.stepIndex === claim.stepIndex && held.leaseUntilMs >= now.getTime()) {
      return 'conflict';
    }
    this.tables.claims.set(claim.enrollmentId, {
      run: claim.run,
      stepIndex: claim.stepIndex,
      leaseUntil: claim.leaseUntil,
      leaseUntilMs,
    });
    return 'ok';
  }

  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    const held = this.tables.claims.get(claim.enrollmentId);
    if (held && held.run === claim.run && held.stepIndex === claim.stepIndex && held.leaseUntil === claim.leaseUntil) {
      this.tables.claims.delete(claim.enrollmentId);
    }
  }

  /** Like the adapter, but atomic by construction: `seen` cannot be stale in one thread. */
  async claimTouchDay(claim: TouchDayClaim, _seen?: TouchDay): Promise<'ok' | 'full'> {
    const prospect = this.tables.prospects.get(claim.prospectId);
    if (!prospect) return 'ok';
    const current = prospect.touchDays?.[claim.channel];
    if (current?.day === claim.day) {
      if (current.enrollmentIds.includes(claim.enrollmentId)) return 'ok';
      if (current.enrollmentIds.length >= claim.limit) return 'full';
      current.enrollmentIds.push(claim.enrollmentId);
      return 'ok';
    }
    prospect.touchDays = { ...prospect.touchDays, [claim.channel]: { day: claim.day, enrollmentIds: [claim.enrollmentId] } };
    return 'ok';
  }
}
