/**
 * Lists every stored profile with a phone in its phone's holders item, then sets the layout
 * marker, so enrolling stops asking the byPhone index (one Query per row) for a table
 * written before holders items existed (functions/adapters/dynamodb/keys.ts, "phone holders").
 *
 * Every profile was written by an enrollment, so walking each sequence's enrollments (the
 * by-sequence index, paged) reaches every prospect: no Scan. Each lane's phones are merged
 * into their holders items under that lane's lease, as an import would, so an import
 * running meanwhile never loses a holder. Idempotent: run again, it rewrites the same
 * lists. Run it once every process enrolls with this version (an older one writes
 * profiles without holders); until it has finished, enrolling keeps its Query fallback.
 */
import { mapWithConcurrency } from '../async/concurrency.js';
import { laneOf } from '../domain/lanes.js';
import type { UseCaseContext } from './context.js';
import { underLaneLease } from './lane-lease.js';

export interface BackfillReport {
  prospects: number;
  phones: number;
}

const PAGE = 100;

/**
 * Before a table's first sequence is published: a table without sequences holds no
 * enrollment, so no profile (only enrollments write them), and is marked complete, so a new
 * deployment never takes the Query fallback. One GetItem once marked.
 */
export async function markPhoneHoldersIfNothingStored(ctx: UseCaseContext): Promise<void> {
  if (await ctx.store.arePhoneHoldersComplete()) return;
  if ((await ctx.store.listSequences()).length > 0) return;
  await ctx.store.markPhoneHoldersComplete();
}

export async function backfillPhoneHolders(ctx: UseCaseContext, owner = `backfill-${Date.now()}`): Promise<BackfillReport | 'already complete'> {
  if (await ctx.store.arePhoneHoldersComplete()) return 'already complete';
  const prospectIds = new Set<string>();
  for (const sequence of await ctx.store.listSequences()) {
    let cursor: string | undefined;
    do {
      const page = await ctx.store.listEnrollmentsBySequence({ sequenceId: sequence.id, limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const enrollment of page.items) prospectIds.add(enrollment.prospectId);
      cursor = page.nextCursor;
    } while (cursor);
  }

  const holdersOf = new Map<string, Set<string>>();
  const ids = [...prospectIds];
  for (let i = 0; i < ids.length; i += PAGE) {
    const { prospects } = await ctx.store.getEnrollmentsAndSuppressions([], [], ids.slice(i, i + PAGE));
    for (const prospect of prospects.values()) {
      if (!prospect.phone) continue;
      holdersOf.set(prospect.phone, (holdersOf.get(prospect.phone) ?? new Set()).add(prospect.id));
    }
  }

  const lanes = new Map<number, string[]>();
  for (const phone of holdersOf.keys()) lanes.set(laneOf(phone), [...(lanes.get(laneOf(phone)) ?? []), phone]);
  await mapWithConcurrency([...lanes], 4, async ([lane, phones]) => {
    const outcome = await underLaneLease(ctx, lane, owner, { leaseSeconds: 60, waitMs: 5 * 60_000 }, async () => {
      for (let i = 0; i < phones.length; i += PAGE) {
        const batch = phones.slice(i, i + PAGE);
        const { phoneHolders } = await ctx.store.getEnrollmentsAndSuppressions([], [], [], batch);
        await ctx.store.putEnrollmentBatch({
          prospects: [],
          enrollments: [],
          timeline: [],
          phoneHolders: batch.map((phone) => ({ phone, prospectIds: [...(phoneHolders.get(phone) ?? []), ...(holdersOf.get(phone) ?? [])] })),
        });
      }
    });
    // Never the marker over a lane left undone: the next run finishes it.
    if (outcome.kind === 'busy') throw new Error(`enrollment lane ${lane} stayed busy; run the backfill again`);
  });
  await ctx.store.markPhoneHoldersComplete();
  ctx.logger.info('phone holders backfilled', { prospects: prospectIds.size, phones: holdersOf.size });
  return { prospects: prospectIds.size, phones: holdersOf.size };
}
