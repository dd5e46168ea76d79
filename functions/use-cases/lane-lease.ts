/**
 * Work under an enrollment lane's lease (domain/lanes.ts): acquire with backoff, run,
 * release. While one import holds a lane, no other import reads, decides or writes the
 * enrollments of that lane's prospects, so their read-decide-write never interleaves.
 *
 * A holder that died leaves a lease that expires after `leaseSeconds`; a holder that was
 * merely slow must not act on what it read once someone else may have taken over, so
 * `confirm()` (called right before writing) renews the lease when the work has taken a
 * third of it, and answers false when the lane was taken over meanwhile.
 */
import { laneLeaseName } from '../domain/lanes.js';
import type { UseCaseContext } from './context.js';

export interface LaneLeaseOptions {
  /** How long a lease lasts unless renewed or released (a holder that died frees it then). */
  leaseSeconds: number;
  /** How long to wait for a busy lane before giving up. */
  waitMs: number;
}

export interface HeldLane {
  /** Before acting on what was read under the lease: false when the lane is no longer ours. */
  confirm(): Promise<boolean>;
}

export type LaneOutcome<T> = { kind: 'done'; value: T } | { kind: 'busy' };

const FIRST_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 1_000;

export async function underLaneLease<T>(
  ctx: UseCaseContext,
  lane: number,
  owner: string,
  options: LaneLeaseOptions,
  work: (held: HeldLane) => Promise<T>,
): Promise<LaneOutcome<T>> {
  const name = laneLeaseName(lane);
  const leaseFrom = (now: Date) => ({ name, owner, until: new Date(now.getTime() + options.leaseSeconds * 1000).toISOString() });

  // Waited time is counted in real sleeps: a virtual clock may stand still meanwhile.
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    const now = ctx.clock.now();
    if ((await ctx.store.acquireLease(leaseFrom(now), now)) === 'ok') break;
    if (waitedMs >= options.waitMs) return { kind: 'busy' };
    // Exponential backoff with full jitter, so waiting imports do not retry in step.
    const delay = Math.min(options.waitMs - waitedMs, Math.random() * Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt));
    await new Promise((resolve) => setTimeout(resolve, delay));
    waitedMs += Math.max(delay, 1);
  }

  let heldSince = ctx.clock.now().getTime();
  const held: HeldLane = {
    async confirm() {
      const now = ctx.clock.now();
      if (now.getTime() - heldSince < (options.leaseSeconds * 1000) / 3) return true;
      if ((await ctx.store.renewLease(leaseFrom(now))) === 'conflict') return false;
      heldSince = now.getTime();
      return true;
    },
  };
  try {
    return { kind: 'done', value: await work(held) };
  } finally {
    try {
      await ctx.store.releaseLease(name, owner);
    } catch (error) {
      // Nothing is lost: the lease expires by itself.
      ctx.logger.warn('lane lease not released; it expires by itself', {
        lane,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}
