/**
 * Touch claims: the map attribute `claim` on the enrollment item, so a stop (which writes
 * the same item) and a claim are strictly ordered. Layout in keys.ts.
 */
import type { TouchClaim, TouchDay } from '../../domain/records.js';
import type { ClaimStore, ConditionalWriteResult, TouchDayClaim } from '../../ports.js';
import { absent, and, claimIs, contains, differs, enrollmentIs, equals, exists, noLiveClaim, not, or, sizeLessThan, Update } from './conditions.js';
import { claimedEnrollmentKey, keys, touchDayAttribute } from './keys.js';
import { prospectFromItem } from './items.js';
import type { Table } from './requests.js';

export class DynamoClaims implements ClaimStore {
  constructor(private readonly table: Table) {}

  async claimTouch(claim: TouchClaim, now: Date): Promise<ConditionalWriteResult> {
    const leaseUntilMs = leaseUntilMsOf(claim);
    // The lease as a number only: the claim is written on the enrollment item, billed by its size.
    return this.table.update(
      claimedEnrollmentKey(claim),
      new Update().set('claim', { run: claim.run, stepIndex: claim.stepIndex, leaseUntilMs }),
      and(enrollmentIs({ status: 'active', run: claim.run, stepIndex: claim.stepIndex }), noLiveClaim(claim, now)),
    );
  }

  async releaseTouchClaim(claim: TouchClaim): Promise<void> {
    // Only our own claim: once our lease expired, another delivery may hold a new one.
    await this.table.update(claimedEnrollmentKey(claim), new Update().remove('claim'), claimIs({ ...claim, leaseUntilMs: leaseUntilMsOf(claim) }));
  }

  async claimTouchDay(claim: TouchDayClaim, seen?: TouchDay): Promise<'ok' | 'full'> {
    const key = keys.profile(claim.prospectId);
    const attribute = touchDayAttribute(claim.channel);
    let known = seen;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (known?.day === claim.day) {
        if (known.enrollmentIds.includes(claim.enrollmentId)) return 'ok';
        if (known.enrollmentIds.length >= claim.limit) return 'full';
        // Another enrollment's claim today: add ours while there is room.
        const added = await this.table.update(
          key,
          new Update().append([attribute, 'enrollmentIds'], [claim.enrollmentId]),
          and(
            equals([attribute, 'day'], claim.day),
            sizeLessThan([attribute, 'enrollmentIds'], claim.limit),
            not(contains([attribute, 'enrollmentIds'], claim.enrollmentId)),
          ),
        );
        if (added === 'ok') return 'ok';
      } else {
        // Nothing today yet (no claim, or one of an earlier day): today's list starts with ours.
        const started = await this.table.update(
          key,
          new Update().set(attribute, { day: claim.day, enrollmentIds: [claim.enrollmentId] }),
          and(exists(), or(absent(attribute), differs([attribute, 'day'], claim.day))),
        );
        if (started === 'ok') return 'ok';
      }
      // Someone claimed meanwhile (or the profile is gone): read what is there and decide again.
      const item = await this.table.get(key);
      if (!item) return 'ok';
      known = prospectFromItem(item).touchDays?.[claim.channel] ?? { day: '', enrollmentIds: [] };
    }
    return 'full';
  }
}

function leaseUntilMsOf(claim: TouchClaim): number {
  const ms = new Date(claim.leaseUntil).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Invalid leaseUntil: ${claim.leaseUntil}`);
  return ms;
}
