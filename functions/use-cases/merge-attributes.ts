/**
 * Collected fields become prospect attributes, merged into the profile (the fields given
 * replace theirs, every other attribute stays), so later templates can use them as
 * `attributes.<name>`. Read, merge and write happen under the enrollment lane lease an
 * import of the same person holds (domain/lanes.ts): the lane of the prospect's phone when
 * it has one, of its id otherwise (enroll-prospects.ts `laneKeyOf`), so an import never
 * writes back a profile it read before the merge.
 */
import { laneOf } from '../domain/lanes.js';
import { BusyError, type UseCaseContext } from './context.js';
import { underLaneLease } from './lane-lease.js';

const LEASE = { leaseSeconds: 30, waitMs: 10_000 };

export async function mergeProspectAttributes(ctx: UseCaseContext, prospectId: string, values: Record<string, string>, at: Date): Promise<boolean> {
  if (Object.keys(values).length === 0) return false;
  const owner = `attributes-${prospectId}-${at.getTime()}-${Math.random().toString(36).slice(2, 8)}`;
  // The lane follows the phone, read first; an import that changed the phone meanwhile sends us round again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await ctx.store.getProspect(prospectId);
    if (!before) return false;
    const laneKey = before.phone ?? prospectId;
    const outcome = await underLaneLease(ctx, laneOf(laneKey), owner, LEASE, async (held) => {
      const prospect = await ctx.store.getProspect(prospectId);
      if (!prospect) return false;
      if ((prospect.phone ?? prospectId) !== laneKey) return 'moved' as const;
      const attributes = { ...prospect.attributes };
      for (const [name, value] of Object.entries(values)) {
        Object.defineProperty(attributes, name, { value, enumerable: true, writable: true, configurable: true });
      }
      if (!(await held.confirm())) throw new BusyError('an import took over the prospect meanwhile; try again');
      await ctx.store.putProspect({ ...prospect, attributes, updatedAt: at.toISOString() });
      return true;
    });
    if (outcome.kind === 'busy') throw new BusyError('an import is enrolling this prospect right now; try again in a minute');
    if (outcome.value !== 'moved') return outcome.value;
  }
  throw new BusyError("the prospect's phone keeps changing; try again in a minute");
}
