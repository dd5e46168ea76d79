/**
 * What an enrollment item itself records (its touches, skipped steps and completion),
 * told as timeline events. Touches live on the enrollment so that sending costs no extra
 * write; the prospect view merges these events into the timeline, and re-enrolling keeps
 * them on the timeline before the new run replaces the item.
 */
import type { Enrollment, TimelineEvent, TouchRecord } from './records.js';
import type { PublishedSequence, StepDefinition } from './sequence.js';

export function enrollmentHistory(enrollment: Enrollment): TimelineEvent[] {
  const base = { prospectId: enrollment.prospectId, sequenceId: enrollment.sequenceId, enrollmentId: enrollment.id };
  const events: TimelineEvent[] = enrollment.enrolledEvent ? [enrolledEvent(enrollment, enrollment.enrolledEvent)] : [];
  events.push(...Object.values(enrollment.touches).map((touch): TimelineEvent => ({
    ...base,
    at: touch.at,
    type: touch.status === 'skipped' ? 'step_skipped' : touch.status === 'failed' ? 'send_failed' : 'sent',
    stepId: touch.stepId,
    detail: touch.status === 'skipped' || touch.status === 'failed' ? touch.error : `${touch.channel} ${touch.status}`,
  })));
  if (enrollment.status === 'completed' && enrollment.endedAt) events.push({ ...base, at: enrollment.endedAt, type: 'completed' });
  return events;
}

/** The `enrolled` event of a run: at its creation, saying its version and run, by whom, from which import. */
export function enrolledEvent(
  enrollment: Pick<Enrollment, 'id' | 'prospectId' | 'sequenceId' | 'version' | 'run' | 'createdAt' | 'importId'>,
  by: { actor?: TimelineEvent['actor'] },
): TimelineEvent {
  return {
    prospectId: enrollment.prospectId,
    at: enrollment.createdAt,
    type: 'enrolled',
    sequenceId: enrollment.sequenceId,
    enrollmentId: enrollment.id,
    ...(by.actor ? { actor: by.actor } : {}),
    ...(enrollment.importId ? { importId: enrollment.importId } : {}),
    detail: `version ${enrollment.version}, run ${enrollment.run}`,
  };
}

/** Steps passed over when planning (no usable address), recorded as `skipped` touches. */
export function skippedTouches(sequence: PublishedSequence, steps: readonly StepDefinition[], at: string): Record<string, TouchRecord> {
  const touches: Record<string, TouchRecord> = {};
  for (const step of steps) {
    touches[step.id] = {
      stepId: step.id,
      stepIndex: sequence.definition.steps.indexOf(step),
      channel: step.channel,
      status: 'skipped',
      at,
      error: `no usable ${step.channel} address`,
    };
  }
  return touches;
}
