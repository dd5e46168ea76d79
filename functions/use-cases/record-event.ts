/**
 * An outside event about a prospect (`POST /prospects/{id}/events`): a booked meeting, a
 * won deal, any name a CRM sends. It goes on the timeline, and every running enrollment of
 * the prospect whose sequence exits on that name (`exitOn`) ends as `converted`, the
 * conversion credited to the last step that reached them (stats: conversions per step).
 */
import { counterKeys, isEnded, lastSentStep } from '../domain/enrollment.js';
import { actedBy, loadSequenceVersion, ProspectNotFoundError, type UseCaseContext } from './context.js';
import { stopEnrollment } from './stop-enrollment.js';

export interface OutsideEvent {
  prospectId: string;
  name: string;
  /** When it happened (default now). */
  at?: Date;
  data?: Record<string, string | number | boolean>;
}

export interface OutsideEventResult {
  /** Enrollments this event converted. */
  converted: string[];
}

export async function recordOutsideEvent(ctx: UseCaseContext, event: OutsideEvent): Promise<OutsideEventResult> {
  const [prospect, enrollments] = await Promise.all([ctx.store.getProspect(event.prospectId), ctx.store.listEnrollments(event.prospectId)]);
  if (!prospect) throw new ProspectNotFoundError(event.prospectId);
  const at = (event.at ?? ctx.clock.now()).toISOString();
  await ctx.store.appendTimeline([
    { prospectId: prospect.id, at, type: 'event', detail: event.name, ...actedBy(ctx), ...(event.data ? { data: event.data } : {}) },
  ]);
  const converted: string[] = [];
  for (const enrollment of enrollments) {
    if (isEnded(enrollment.status)) continue;
    const sequence = await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version);
    if (!sequence?.definition.exitOn?.includes(event.name)) continue;
    const result = await stopEnrollment(ctx, {
      enrollmentId: enrollment.id,
      status: 'converted',
      reason: event.name,
      counters: (current) => {
        const stepId = lastSentStep(current);
        return stepId ? { [counterKeys.step(stepId, 'converted')]: 1 } : {};
      },
    });
    if (result.changed) converted.push(enrollment.id);
  }
  ctx.logger.info('outside event recorded', { prospectId: prospect.id, event: event.name, converted: converted.length });
  return { converted };
}
