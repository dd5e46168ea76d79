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
import { inferredZone, normalizeProspectInput, prospectIdFor } from '../domain/prospect-input.js';
import type { ColumnTarget } from '../domain/prospect-columns.js';
import { counterKeys, enrollmentIdFor, isEnded } from '../domain/enrollment.js';
import { planNextTouch, scheduledTouchFor, stepChannel } from '../domain/touch-plan.js';
import { memoizedNextTouchAt } from '../domain/schedule.js';
import type { Enrollment, Prospect, Suppression, TimelineEvent } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { ScheduledTouch } from '../ports.js';
import { SequenceNotFoundError, type EnrollingContext, type UseCaseContext } from './context.js';
import { mapWithConcurrency } from './concurrency.js';

export type EnrollmentRowInput =
  | { row: number; data: Record<string, unknown> }
  /** A row the body parser could not read (e.g. a CSV line with too many columns). */
  | { row: number; error: string };

/** `warnings` name fields of the row that were left out (a bad phone next to a good email, a bad zone…). */
export type EnrollmentRowResult = (
  | { row: number; status: 'enrolled'; prospectId: string; enrollmentId: string }
  | { row: number; status: 'skipped'; prospectId: string; enrollmentId?: string; reason: string }
  | { row: number; status: 'invalid'; reason: string }
) & { warnings?: string[] };

/** Rows per round of batched reads and writes; a few rounds run at once to keep the table busy. */
const CHUNK_SIZE = 100;
const CHUNKS_IN_FLIGHT = 16;
const SCHEDULE_CONCURRENCY = 16;

export async function enrollProspects(
  ctx: EnrollingContext,
  input: {
    sequenceId: string;
    rows: EnrollmentRowInput[];
    /** The request's explicit column mapping (JSON keys → fields); CSV bodies arrive already mapped. */
    columns?: ReadonlyMap<string, ColumnTarget>;
  },
): Promise<EnrollmentRowResult[]> {
  const sequence = await ctx.store.getCurrentSequence(input.sequenceId);
  if (!sequence) throw new SequenceNotFoundError(input.sequenceId);

  const now = ctx.clock.now();
  const results = new Map<number, EnrollmentRowResult>();
  const warnings = new Map<number, string[]>();
  const candidates = readRows(ctx, input, now, results, warnings);
  await inferZones(ctx, candidates);
  const chunks: Candidate[][] = [];
  for (let start = 0; start < candidates.length; start += CHUNK_SIZE) chunks.push(candidates.slice(start, start + CHUNK_SIZE));

  const deltas: Record<string, number> = {};
  await mapWithConcurrency(chunks, CHUNKS_IN_FLIGHT, (chunk) => enrollChunk(ctx, sequence, chunk, now, results, deltas));
  if (Object.keys(deltas).length > 0) await ctx.store.addToCounters({ sequenceId: sequence.id, deltas });
  ctx.logger.info('enrollment done', {
    sequenceId: sequence.id,
    rows: input.rows.length,
    enrolled: deltas[counterKeys.enrolled] ?? 0,
  });
  return input.rows.map((r) => {
    const result: EnrollmentRowResult = results.get(r.row) ?? { row: r.row, status: 'invalid', reason: 'row was not processed' };
    const rowWarnings = warnings.get(r.row);
    return rowWarnings && result.status !== 'invalid' ? { ...result, warnings: rowWarnings } : result;
  });
}

/** Rows that gave no usable zone get their phone number's zone(s), else none (the sequence default applies). */
async function inferZones(ctx: EnrollingContext, candidates: Candidate[]): Promise<void> {
  for (const { prospect } of candidates) {
    if (prospect.timezone) continue;
    Object.assign(prospect, inferredZone(prospect.phone ? await ctx.phoneTimeZones.zonesFor(prospect.phone) : []));
  }
}

interface Candidate {
  row: number;
  prospect: Prospect;
  enrollmentId: string;
}

/** Validates and normalises every row, and drops repeats of a prospect within the request. */
function readRows(
  ctx: UseCaseContext,
  { rows, columns }: { rows: EnrollmentRowInput[]; columns?: ReadonlyMap<string, ColumnTarget> },
  now: Date,
  results: Map<number, EnrollmentRowResult>,
  warnings: Map<number, string[]>,
): Candidate[] {
  const nowIso = now.toISOString();
  const seen = new Map<string, number>();
  const candidates: Candidate[] = [];
  for (const input of rows) {
    if ('error' in input) {
      results.set(input.row, { row: input.row, status: 'invalid', reason: input.error });
      continue;
    }
    const normalized = normalizeProspectInput(input.data, {
      defaultPhoneRegion: ctx.settings.defaultPhoneRegion,
      ...(columns ? { columns } : {}),
    });
    if (!normalized.ok) {
      results.set(input.row, { row: input.row, status: 'invalid', reason: normalized.reason });
      continue;
    }
    if (normalized.warnings.length > 0) warnings.set(input.row, normalized.warnings);
    const prospectId = prospectIdFor(normalized.value);
    // One person per address: a row repeating another row's email or phone is the same person.
    const addresses = addressesOf(normalized.value);
    const firstRow = addresses.map((address) => seen.get(address)).find((row) => row !== undefined);
    if (firstRow !== undefined) {
      results.set(input.row, { row: input.row, status: 'skipped', prospectId, reason: `duplicate of row ${firstRow} in this request` });
      continue;
    }
    for (const address of addresses) seen.set(address, input.row);
    candidates.push({
      row: input.row,
      enrollmentId: '',
      prospect: { id: prospectId, ...normalized.value, createdAt: nowIso, updatedAt: nowIso },
    });
  }
  return candidates;
}

async function enrollChunk(
  ctx: UseCaseContext,
  sequence: PublishedSequence,
  candidates: Candidate[],
  now: Date,
  results: Map<number, EnrollmentRowResult>,
  deltas: Record<string, number>,
): Promise<void> {
  const nowIso = now.toISOString();
  const nextTouchAt = memoizedNextTouchAt();
  for (const candidate of candidates) candidate.enrollmentId = enrollmentIdFor(candidate.prospect.id, sequence.id);

  const addresses = candidates.flatMap(({ prospect }) => addressesOf(prospect));
  const aliases = await aliasEnrollmentIds(ctx, sequence, candidates);
  const existing = await ctx.store.getEnrollmentsAndSuppressions(
    [...candidates.map((c) => c.enrollmentId), ...[...aliases.values()].flat()],
    addresses,
  );

  const fresh: { enrollment: Enrollment; prospect: Prospect; touch: ScheduledTouch; skipped: StepDefinition[]; row: number }[] = [];
  const restarts: {
    enrollment: Enrollment;
    prospect: Prospect;
    previous: Enrollment;
    touch: ScheduledTouch;
    skipped: StepDefinition[];
    row: number;
  }[] = [];
  const reensure: ScheduledTouch[] = [];
  const timeline: TimelineEvent[] = [];

  for (const candidate of candidates) {
    const { prospect, enrollmentId, row } = candidate;
    const suppressed = new Map<string, Suppression>();
    for (const address of addressesOf(prospect)) {
      const suppression = existing.suppressions.get(address);
      if (suppression) suppressed.set(address, suppression);
    }

    const twin = (aliases.get(enrollmentId) ?? [])
      .map((id) => existing.enrollments.get(id))
      .find((other) => other !== undefined && !isEnded(other.status));
    if (twin) {
      results.set(row, {
        row,
        status: 'skipped',
        prospectId: prospect.id,
        enrollmentId: twin.id,
        reason: `already ${twin.status} in this sequence as prospect ${twin.prospectId} (same phone)`,
      });
      continue;
    }

    const previous = existing.enrollments.get(enrollmentId);
    if (previous && !isEnded(previous.status)) {
      if (previous.status === 'active' && previous.nextTouchAt) {
        // Its step's channel is known when it runs on the version being enrolled into.
        const channel = previous.version === sequence.version ? stepChannel(sequence, previous.stepIndex) : undefined;
        reensure.push(scheduledTouchFor(previous, previous.nextTouchAt, prospect, channel));
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
      nextTouchAt,
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
    // The new run replaces the enrollment item, and with it the ended run's touches: keep them on the timeline.
    if (previous) timeline.push(...endedRunHistory(previous));
    if (previous) restarts.push({ enrollment, prospect, previous, touch: plan.touch, skipped: plan.skipped, row });
    else fresh.push({ enrollment, prospect, touch: plan.touch, skipped: plan.skipped, row });
    results.set(row, { row, status: 'enrolled', prospectId: prospect.id, enrollmentId });
  }

  const { conflicts } = await ctx.store.putEnrollmentBatch({
    prospects: [...fresh, ...restarts].map((e) => e.prospect),
    enrollments: fresh.map((f) => f.enrollment),
    timeline,
  });

  const bump = (key: string, by: number) => (deltas[key] = (deltas[key] ?? 0) + by);
  // Steps passed over at enrollment (no usable address) count as skipped, like the worker counts them.
  const countSkipped = (steps: StepDefinition[]) => steps.forEach((step) => bump(counterKeys.step(step.id, 'skipped'), 1));
  const toSchedule: ScheduledTouch[] = [];
  for (const created of fresh) {
    if (conflicts.has(created.enrollment.id)) {
      // Another request created this enrollment between our read and our write: theirs stands.
      results.set(created.row, {
        row: created.row,
        status: 'skipped',
        prospectId: created.prospect.id,
        enrollmentId: created.enrollment.id,
        reason: 'enrolled concurrently by another request',
      });
      continue;
    }
    countSkipped(created.skipped);
    toSchedule.push(created.touch);
  }
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
    countSkipped(restart.skipped);
    toSchedule.push(restart.touch);
  }

  await mapWithConcurrency([...toSchedule, ...reensure], SCHEDULE_CONCURRENCY, (touch) => ctx.scheduler.schedule(touch));
  if (toSchedule.length > 0) {
    bump(counterKeys.enrolled, toSchedule.length);
    bump(counterKeys.status('active'), toSchedule.length);
  }
}

/** An ended run's touches and completion as timeline events (the same ones getProspect derives from the item). */
function endedRunHistory(previous: Enrollment): TimelineEvent[] {
  const base = { prospectId: previous.prospectId, sequenceId: previous.sequenceId, enrollmentId: previous.id };
  const events: TimelineEvent[] = Object.values(previous.touches)
    .filter((touch) => touch.status !== 'skipped')
    .map((touch) => ({
      ...base,
      at: touch.at,
      type: touch.status === 'failed' ? 'send_failed' : 'sent',
      stepId: touch.stepId,
      detail: touch.status === 'failed' ? touch.error : `${touch.channel} ${touch.status}`,
    }));
  if (previous.status === 'completed' && previous.endedAt) events.push({ ...base, at: previous.endedAt, type: 'completed' });
  return events;
}

/**
 * Other enrollments of the same person in this sequence: a prospect is identified by its
 * email, or its phone when it has none, so one phone can belong to a phone-only prospect
 * and to one with an email. Either way round, the phone must not get every text twice.
 */
async function aliasEnrollmentIds(
  ctx: UseCaseContext,
  sequence: PublishedSequence,
  candidates: Candidate[],
): Promise<Map<string, string[]>> {
  const aliases = new Map<string, string[]>();
  const phoneOnly: Candidate[] = [];
  for (const { prospect, enrollmentId } of candidates) {
    if (!prospect.phone) continue;
    if (prospect.email) aliases.set(enrollmentId, [enrollmentIdFor(prospectIdFor({ phone: prospect.phone }), sequence.id)]);
    else phoneOnly.push({ prospect, enrollmentId, row: 0 });
  }
  // Phone-only rows are rare; the by-address index finds prospects that also have an email.
  await mapWithConcurrency(phoneOnly, 8, async ({ prospect, enrollmentId }) => {
    const others = (await ctx.store.findProspectIdsByAddress(prospect.phone as string)).filter((id) => id !== prospect.id);
    if (others.length > 0) aliases.set(enrollmentId, others.map((id) => enrollmentIdFor(id, sequence.id)));
  });
  return aliases;
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
