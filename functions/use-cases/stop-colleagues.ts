/**
 * `stopOnReplyFrom: account` (README "Enrollment rules"): a human reply from someone at
 * a company email domain stops their colleagues' running enrollments in that sequence
 * as `stopped`. Colleagues are the sequence's enrollments with the same `accountDomain`
 * (set at enrollment, never for free-mail domains), found with one index Query; each stop
 * is the usual conditional write (stop-enrollment.ts), so a repeated reply changes nothing.
 */
import { isEnded } from '../domain/enrollment.js';
import type { Enrollment } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { UseCaseContext } from './context.js';
import { stopEnrollment } from './stop-enrollment.js';

export const COLLEAGUE_REPLIED = 'a colleague (same domain) replied';

/** Stops the colleagues of `replier` in its sequence; answers the enrollments it stopped. */
export async function stopColleagues(ctx: UseCaseContext, replier: Enrollment, sequence: PublishedSequence | undefined): Promise<string[]> {
  if (sequence?.definition.stopOnReplyFrom !== 'account' || !replier.accountDomain) return [];
  const colleagues = await ctx.store.listAccountEnrollments(replier.sequenceId, replier.accountDomain);
  const stopped: string[] = [];
  for (const colleague of colleagues) {
    if (colleague.id === replier.id || isEnded(colleague.status)) continue;
    const result = await stopEnrollment(ctx, {
      enrollmentId: colleague.id,
      status: 'stopped',
      reason: COLLEAGUE_REPLIED,
      detail: `${COLLEAGUE_REPLIED}: prospect ${replier.prospectId}`,
    });
    if (result.changed) stopped.push(colleague.id);
  }
  if (stopped.length > 0) ctx.logger.info('colleagues stopped after a reply', { enrollmentId: replier.id, stopped: stopped.length });
  return stopped;
}
