/**
 * Erases a prospect's personal data (GDPR art. 17). Active enrollments are stopped first,
 * so nothing more is sent; then every address is kept in the consent ledger as a hash only
 * (an erased person is never re-contacted by a later import); then the prospect leaves the
 * holders items of every phone it had (a phone's hash next to the erased id would still say
 * "this number was that prospect"); then the prospect's items go, the profile last
 * (adapters delete it after the rest), so a retry after a crash finds the prospect and
 * finishes the job. Each step is idempotent.
 *
 * The current phone's holders item and the items are dropped under that phone's lane
 * lease, the lock an import of the same person takes (use-cases/enroll-chunk.ts defers a
 * row to its stored phone's lane): an import cannot list the id again between the two.
 */
import { addressHash } from '../domain/address-hash.js';
import { isEnded } from '../domain/enrollment.js';
import { laneOf } from '../domain/lanes.js';
import { randomUUID } from 'node:crypto';
import { BusyError, ProspectNotFoundError, type UseCaseContext } from './context.js';
import { type HeldLane, underLaneLease } from './lane-lease.js';
import { rewritePhoneHolders } from './rewrite-phone-holders.js';
import { stopEnrollment } from './stop-enrollment.js';

/**
 * The phone's lane is held for one read, one write and the deletes; an import holding it
 * finishes a chunk in seconds. The wait leaves room in the API's 29 s for the rest.
 */
const HOLDERS_LEASE = { leaseSeconds: 30, waitMs: 10_000 };
/** Nothing is lost when the phone's lane stays busy: the profile is still there, and the request can be repeated. */
const busy = () => new BusyError("an import is enrolling this prospect's phone right now; erase again in a minute");

export async function eraseProspect(ctx: UseCaseContext, prospectId: string): Promise<{ erased: true }> {
  const prospect = await ctx.store.getProspect(prospectId);
  if (!prospect) throw new ProspectNotFoundError(prospectId);

  for (const enrollment of await ctx.store.listEnrollments(prospectId)) {
    if (isEnded(enrollment.status)) continue;
    await stopEnrollment(ctx, { enrollmentId: enrollment.id, status: 'stopped', reason: 'prospect erased' });
  }

  const now = ctx.clock.now().toISOString();
  // Every ledger entry of the addresses: the email's, the phone's SMS entry (an erasure
  // there blocks every channel of the number) and its call entry when there is one.
  const entries = [
    ...(prospect.email ? [{ address: prospect.email, channel: 'email' as const }] : []),
    ...(prospect.phone ? [{ address: prospect.phone, channel: 'sms' as const }, { address: prospect.phone, channel: 'call' as const }] : []),
  ];
  for (const { address, channel } of entries) {
    const existing = await ctx.store.getSuppression(address, channel);
    if (!existing && channel === 'call') continue;
    await ctx.store.putSuppression({
      addressHash: addressHash(address),
      channel,
      reason: existing?.reason ?? 'erased',
      source: existing ? `${existing.source}; erased` : 'erasure request',
      createdAt: existing?.createdAt ?? now,
    });
  }

  // Numbers it had before an import changed its phone (the timeline says which): their
  // holders items may still list it. Read before the timeline goes with the rest.
  const earlierPhones = new Set<string>();
  for (const event of await ctx.store.listTimeline(prospectId)) {
    for (const change of event.changes ?? []) if (change.field === 'phone' && change.from) earlierPhones.add(change.from);
  }
  if (prospect.phone) earlierPhones.delete(prospect.phone);
  const owner = `erase-${prospectId}-${randomUUID()}`;
  for (const phone of earlierPhones) await underPhoneLane(ctx, phone, owner, (held) => dropFromPhoneHolders(ctx, prospectId, phone, held));

  if (prospect.phone) {
    const phone = prospect.phone;
    await underPhoneLane(ctx, phone, owner, async (held) => {
      await dropFromPhoneHolders(ctx, prospectId, phone, held);
      if (!(await held.confirm())) throw busy();
      await ctx.store.deleteProspectData(prospectId);
    });
  } else {
    await ctx.store.deleteProspectData(prospectId);
  }
  ctx.logger.info('prospect erased', { prospectId });
  return { erased: true };
}

async function underPhoneLane(ctx: UseCaseContext, phone: string, owner: string, work: (held: HeldLane) => Promise<void>): Promise<void> {
  const outcome = await underLaneLease(ctx, laneOf(phone), owner, HOLDERS_LEASE, work);
  if (outcome.kind === 'busy') throw busy();
}

/** Rewrites the phone's holders item without the prospect, as enrolling writes it (the caller holds the phone's lane). */
async function dropFromPhoneHolders(ctx: UseCaseContext, prospectId: string, phone: string, held: HeldLane): Promise<void> {
  const written = await rewritePhoneHolders(ctx, [phone], (_, listed) => (listed.includes(prospectId) ? listed.filter((id) => id !== prospectId) : undefined), held);
  if (written === 'lane lost') throw busy();
}
