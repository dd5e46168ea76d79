/**
 * The one way a use case other than enrolling changes phone holders items (functions/
 * adapters/dynamodb/keys.ts, "phone holders"): read the phones' lists, compute each new
 * one, write those that changed. The caller holds the phones' enrollment lane, as an
 * import does when it writes them (erasure, the backfill, a resume during the backfill).
 */
import type { UseCaseContext } from './context.js';
import type { HeldLane } from './lane-lease.js';

/**
 * `next` answers a phone's new list from the one stored (undefined: leave it). With `held`,
 * the lane is confirmed right before the write; 'lane lost' when it was taken over (nothing
 * is written then).
 */
export async function rewritePhoneHolders(
  ctx: UseCaseContext,
  phones: readonly string[],
  next: (phone: string, listed: readonly string[]) => readonly string[] | undefined,
  held?: HeldLane,
): Promise<'ok' | 'lane lost'> {
  const { phoneHolders } = await ctx.store.getEnrollmentsAndSuppressions([], [], [], [...phones]);
  const changed = phones.flatMap((phone) => {
    const ids = next(phone, phoneHolders.get(phone) ?? []);
    return ids ? [{ phone, prospectIds: [...ids] }] : [];
  });
  if (changed.length === 0) return 'ok';
  if (held && !(await held.confirm())) return 'lane lost';
  await ctx.store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: changed });
  return 'ok';
}
