/**
 * Enrolls a list of prospects into the current version of a sequence.
 *
 * Works in chunks so that 10,000 rows cost a few hundred batched requests, not tens of
 * thousands of single writes: one BatchGetItem pass reads existing enrollments and
 * suppressions, one BatchWriteItem pass writes the new prospects, enrollments and timeline
 * entries, then each first touch is scheduled. One bad row never fails the others.
 *
 * Crash safety without transactions: the enrollment is written before its schedule. If
 * scheduling fails the caller retries; the retry finds the enrollment active and
 * re-ensures its pending schedule (the schedule name is deterministic, so this can never
 * create a second one).
 */
import { normalizeProspectInput, prospectIdFor } from '../domain/prospect-input';
import { counterKeys, enrollmentIdFor, isEnded } from '../domain/enrollment';
import { planNextTouch, scheduledTouchFor } from '../domain/touch-plan';
import type { Enrollment, Prospect, Suppression, TimelineEvent } from '../domain/records';
import type { PublishedSequence } from '../domain/sequence';
import type { ScheduledTouch } from '../ports';
import { SequenceNotFoundError, type UseCaseContext } from './context';
import { mapWithConcurrency } from './concurrency';

export type EnrollmentRowInput =
  | { row: number; data: Record<string, unknown> }
  /** A row the body parser could not read (e.g. a CSV line with too many columns). */
  | { row: number; error: string };

export type EnrollmentRowResult =
  | { row: number; status: 'enrolled'; prospectId: string; enrollmentId: string }
  | { row: number; status: 'skipped'; prospectId: string; enrollmentId?: string; reason: string }
  | { row: number; status: 'invalid'; reason: string };

const CHUNK_SIZE = 1_000;
const SCHEDULE_CONCURRENCY = 16;

export async function enrollProspects(
  ctx: UseCaseContext,
  input: { sequenceId: string; rows: EnrollmentRowInput[] },
): Promise<EnrollmentRowResult[]> {
  const sequence = await ctx.store.getCurrentSequence(input.sequenceId);
  if (!sequence) throw new SequenceNotFoundError(input.sequenceId);

  const results: EnrollmentRowResult[] = [];
  const seen = new Map<string, number>();
  for (let start = 0; start < input.rows.length; start += CHUNK_SIZE) {
    const chunk = input.rows.slice(start, start + CHUNK_SIZE);
    results.push(...(await enrollChunk(ctx, sequence, chunk, seen)));
  }
  return results;
}

interface Candidate {
  row: number;
  prospect: Prospect;
  enrollmentId: string;
}

async function enrollChunk(
  ctx: UseCaseContext,
  sequence: PublishedSequence,
  rows: EnrollmentRowInput[],
  seen: Map<string, number>,
): Promise<EnrollmentRowResult[]> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const results = new Map<number, EnrollmentRowResult>();
  const candidates: Candidate[] = [];

  for (const input of rows) {
    if ('error' in input) {
      results.set(input.row, { row: input.row, status: 'invalid', reason: input.error });
      continue;
    }
    const normalized = normalizeProspectInput(input.data, { defaultPhoneRegion: ctx.settings.defaultPhoneRegion });
    if (!normalized.ok) {
      results.set(input.row, { row: input.row, status: 'invalid', reason: normalized.reason });
      continue;
    }
    const prospectId = prospectIdFor(normalized.value);
    const firstRow = seen.get(prospectId);
    if (firstRow !== undefined) {
      results.set(input.row, {
        row: input.row,
        status: 'skipped',
        prospectId,
        reason: `duplicate of row ${firstRow} in this request`,
      });
      continue;
    }
    seen.set(prospectId, input.row);
    candidates.push({
      row: input.row,
      enrollmentId: enrollmentIdFor(prospectId, sequence.id),
      prospect: { id: prospectId, ...normalized.value, createdAt: nowIso, updatedAt: nowIso },
    });
  }

  const addresses = candidates.flatMap(({ prospect }) => addressesOf(prospect));
  const existing = await ctx.store.getEnrollmentsAndSuppressions(
    candidates.map((c) => c.enrollmentId),
    addresses,
  );

  const fresh: { enrollment: Enrollment; prospect: Prospect; touch: ScheduledTouch }[] = [];
  const restarts: { enrollment: Enrollment; prospect: Prospect; previous: Enrollment; touch: ScheduledTouch; row: number }[] =
    [];
  const reensure: ScheduledTouch[] = [];
  const timeline: TimelineEvent[] = [];

  for (const candidate of candidates) {
    const { prospect, enrollmentId, row } = candidate;
    const suppressed = new Map<string, Suppression>();
    for (const address of addressesOf(prospect)) {
      const suppression = existing.suppressions.get(address);
      if (suppression) suppressed.set(address, suppression);
    }

    const previous = existing.enrollments.get(enrollmentId);
    if (previous && !isEnded(previous.status)) {
      if (previous.status === 'active' && previous.nextTouchAt) {
        reensure.push(scheduledTouchFor(previous, previous.nextTouchAt, prospect));
      }
      results.set(row, {
        row,
        status: 'skipped',
        prospectId: prospect.id,
        enrollmentId,
        reason: `already ${previous.status} in this sequence`,
      });
      continue;
    }

    const run = (previous?.run ?? 0) + 1;
    const plan = planNextTouch({
      sequence,
      enrollment: { id: enrollmentId, prospectId: prospect.id, sequenceId: sequence.id, run },
      prospect,
      fromIndex: 0,
      from: now,
      isSuppressed: (address) => suppressed.has(address),
    });
    if (!plan.touch) {
      results.set(row, {
        row,
        status: 'skipped',
        prospectId: prospect.id,
        reason: skipReason(sequence, prospect, suppressed),
      });
      continue;
    }

    const enrollment: Enrollment = {
      id: enrollmentId,
      prospectId: prospect.id,
      sequenceId: sequence.id,
      version: sequence.version,
      run,
      status: 'active',
      stepIndex: plan.index,
      nextTouchAt: plan.touch.dueAt,
      pendingScheduleName: plan.touch.scheduleName,
      touches: {},
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    timeline.push({
      prospectId: prospect.id,
      at: nowIso,
      type: 'enrolled',
      sequenceId: sequence.id,
      enrollmentId,
      detail: `version ${sequence.version}, run ${run}`,
    });
    for (const step of plan.skipped) {
      timeline.push({
        prospectId: prospect.id,
        at: nowIso,
        type: 'step_skipped',
        sequenceId: sequence.id,
        enrollmentId,
        stepId: step.id,
        detail: `no usable ${step.channel} address`,
      });
    }
    if (previous) restarts.push({ enrollment, prospect, previous, touch: plan.touch, row });
    else fresh.push({ enrollment, prospect, touch: plan.touch });
    results.set(row, { row, status: 'enrolled', prospectId: prospect.id, enrollmentId });
  }

  await ctx.store.putEnrollmentBatch({
    prospects: [...fresh, ...restarts].map((e) => e.prospect),
    enrollments: fresh.map((f) => f.enrollment),
    timeline,
  });

  const deltas: Record<string, number> = {};
  const bump = (key: string, by: number) => (deltas[key] = (deltas[key] ?? 0) + by);
  const toSchedule = fresh.map((f) => f.touch);
  for (const restart of restarts) {
    const outcome = await ctx.store.restartEnrollment(restart.enrollment, restart.previous.run);
    if (outcome === 'conflict') {
      results.set(restart.row, {
        row: restart.row,
        status: 'skipped',
        prospectId: restart.enrollment.prospectId,
        enrollmentId: restart.enrollment.id,
        reason: 'enrolled concurrently by another request',
      });
      continue;
    }
    bump(counterKeys.status(restart.previous.status), -1);
    toSchedule.push(restart.touch);
  }

  await mapWithConcurrency([...toSchedule, ...reensure], SCHEDULE_CONCURRENCY, (touch) => ctx.scheduler.schedule(touch));

  const enrolledCount = toSchedule.length;
  if (enrolledCount > 0) {
    bump(counterKeys.enrolled, enrolledCount);
    bump(counterKeys.status('active'), enrolledCount);
    await ctx.store.addToCounters({ sequenceId: sequence.id, deltas });
  }
  ctx.logger.info('enrollment chunk done', {
    sequenceId: sequence.id,
    rows: rows.length,
    enrolled: enrolledCount,
    reensuredSchedules: reensure.length,
  });

  return rows.map((r) => results.get(r.row) ?? { row: r.row, status: 'invalid', reason: 'row was not processed' });
}

function addressesOf(prospect: Pick<Prospect, 'email' | 'phone'>): string[] {
  return [prospect.email, prospect.phone].filter((a): a is string => a !== undefined);
}

function skipReason(
  sequence: PublishedSequence,
  prospect: Pick<Prospect, 'email' | 'phone'>,
  suppressed: Map<string, Suppression>,
): string {
  if (suppressed.size > 0) {
    const reasons = [...suppressed.values()].map((s) => `${s.channel} suppressed (${s.reason})`);
    return reasons.join(', ');
  }
  const channels = [...new Set(sequence.definition.steps.map((s) => s.channel))];
  const has = [prospect.email ? 'email' : undefined, prospect.phone ? 'phone' : undefined].filter(Boolean);
  return `no step of this sequence can reach the prospect (sequence uses ${channels.join(' and ')}, prospect has ${has.join(' and ') || 'no address'})`;
}
