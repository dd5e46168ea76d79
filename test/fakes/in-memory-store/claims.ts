import type { TouchClaim } from '../../../functions/domain/records.js';
import type { ClaimStore, ConditionalWriteResult } from '../../../functions/ports.js';
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
}
