/**
 * Touch claims: the map attribute `claim` on the enrollment item, so a stop (which writes
 * the same item) and a claim are strictly ordered. Layout in keys.ts.
 */
import type { TouchClaim } from '../../domain/records.js';
import type { ClaimStore, ConditionalWriteResult } from '../../ports.js';
import { and, claimIs, enrollmentIs, noLiveClaim, Update } from './conditions.js';
import { claimedEnrollmentKey } from './keys.js';
import type { Table } from './requests.js';

export class DynamoClaims implements ClaimStore {
  constructor(private readonly table: Table) {}

  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    const leaseUntilMs = new Date(claim.leaseUntil).getTime();
    if (Number.isNaN(leaseUntilMs)) throw new RangeError(`Invalid leaseUntil: ${claim.leaseUntil}`);
    return this.table.update(
      claimedEnrollmentKey(claim),
      new Update().set('claim', { run: claim.run, stepIndex: claim.stepIndex, leaseUntil: claim.leaseUntil, leaseUntilMs }),
      and(enrollmentIs({ status: 'active', run: claim.run, stepIndex: claim.stepIndex }), noLiveClaim(claim, now)),
    );
  }

  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    // Only our own claim: once our lease expired, another delivery may hold a new one.
    await this.table.update(claimedEnrollmentKey(claim), new Update().remove('claim'), claimIs(claim));
  }
}
