/**
 * What executing (or skipping) a step writes besides the enrollment: timeline entries for
 * the step and the steps passed over, and the skipped counters. Shared by the touch worker
 * (run-touch.ts) and task outcomes (complete-task.ts).
 */
import { counterKeys } from '../domain/enrollment.js';
import type { Enrollment, TimelineEvent } from '../domain/records.js';
import type { StepDefinition } from '../domain/sequence.js';
import type { TouchPlan } from '../domain/touch-plan.js';
import type { UseCaseContext } from './context.js';

interface StepContext {
  enrollment: Pick<Enrollment, 'prospectId' | 'sequenceId' | 'id'>;
  now: Date;
}

export async function recordSkippedSteps(ctx: Pick<UseCaseContext, 'store'>, state: StepContext, plan: TouchPlan): Promise<void> {
  if (plan.skipped.length === 0) return;
  await ctx.store.appendTimeline(
    plan.skipped.map((step) => timelineEvent(state, step, 'step_skipped', `no usable ${step.channel} address`)),
  );
}

export function withSkipped(counters: Record<string, number>, plan: TouchPlan | undefined): Record<string, number> {
  const deltas = { ...counters };
  for (const step of plan?.skipped ?? []) {
    const key = counterKeys.step(step.id, 'skipped');
    deltas[key] = (deltas[key] ?? 0) + 1;
  }
  return deltas;
}

export function timelineEvent(
  state: StepContext,
  step: StepDefinition,
  type: TimelineEvent['type'],
  detail: string,
): TimelineEvent {
  return {
    prospectId: state.enrollment.prospectId,
    at: state.now.toISOString(),
    type,
    sequenceId: state.enrollment.sequenceId,
    enrollmentId: state.enrollment.id,
    stepId: step.id,
    detail,
  };
}

