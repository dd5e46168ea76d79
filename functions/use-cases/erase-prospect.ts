/**
 * Erases a prospect's personal data (GDPR art. 17). Active enrollments are stopped first,
 * so nothing more is sent; then every address is kept in the consent ledger as a hash only
 * (an erased person is never re-contacted by a later import), then the prospect's items go.
 * Each step is idempotent, so a retry after a crash finishes the job.
 */
import { addressHash } from '../domain/address-hash.js';
import { isEnded } from '../domain/enrollment.js';
import { ProspectNotFoundError, type UseCaseContext } from './context.js';
import { stopEnrollment } from './stop-enrollment.js';

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

  await ctx.store.deleteProspectData(prospectId);
  ctx.logger.info('prospect erased', { prospectId });
  return { erased: true };
}
