/**
 * Erases a prospect's personal data (GDPR art. 17). Active enrollments are stopped first,
 * so nothing more is sent; then every address is kept in the consent ledger as a hash only
 * (an erased person is never re-contacted by a later import); then the prospect leaves its
 * phone's holders item (a phone's hash next to the erased id would still say "this number
 * was that prospect"); then the prospect's items go. Each step is idempotent, and the
 * profile goes last, so a retry after a crash finds the prospect and finishes the job.
 */
import { addressHash } from '../domain/address-hash.js';
import { isEnded } from '../domain/enrollment.js';
import { laneOf } from '../domain/lanes.js';
import { BusyError, ProspectNotFoundError, type UseCaseContext } from './context.js';
import { underLaneLease } from './lane-lease.js';
import { stopEnrollment } from './stop-enrollment.js';

/** The phone's lane is held only for one read and one write; an import holding it finishes a chunk in seconds. */
const HOLDERS_LEASE = { leaseSeconds: 30, waitMs: 30_000 };
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

  if (prospect.phone) await dropFromPhoneHolders(ctx, prospectId, prospect.phone);
  await ctx.store.deleteProspectData(prospectId);
  ctx.logger.info('prospect erased', { prospectId });
  return { erased: true };
}

/** Rewrites the phone's holders item without the prospect, under the phone's lane lease, as enrolling writes it. */
async function dropFromPhoneHolders(ctx: UseCaseContext, prospectId: string, phone: string): Promise<void> {
  const outcome = await underLaneLease(ctx, laneOf(phone), `erase-${prospectId}`, HOLDERS_LEASE, async (held) => {
    const { phoneHolders } = await ctx.store.getEnrollmentsAndSuppressions([], [], [], [phone]);
    const holders = phoneHolders.get(phone) ?? [];
    if (!holders.includes(prospectId)) return;
    if (!(await held.confirm())) throw busy();
    await ctx.store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: [{ phone, prospectIds: holders.filter((id) => id !== prospectId) }] });
  });
  if (outcome.kind === 'busy') throw busy();
}
