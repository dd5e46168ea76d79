/**
 * Enrolls a list of prospects into the current version of a sequence.
 *
 * Works in chunks so that 10,000 rows cost a few hundred batched requests, not tens of
 * thousands of single writes: per chunk, one BatchGetItem pass reads existing
 * enrollments, suppressions and profiles, one BatchWriteItem pass writes the profiles,
 * enrollments and timeline entries, then each first touch is scheduled. One bad row never
 * fails the others.
 *
 * Concurrent imports: the rows are sorted into their enrollment lanes (domain/lanes.ts)
 * and each chunk is read, decided and written under its lane's lease, so two imports of
 * the same prospect never interleave and the unconditional batched write is safe. The 16
 * lanes run in parallel; the chunks of one lane one after the other, so an import never
 * waits for itself. A lane still busy after `laneWaitMs` skips its rows with a reason to
 * retry (never a failed request).
 *
 * Crash safety without transactions: the enrollment is written before its schedule. If
 * scheduling fails the caller retries; the retry finds the enrollment active and
 * re-ensures its pending schedule (the schedule name is deterministic, so this can never
 * create a second one).
 */
import { randomUUID } from 'node:crypto';
import { inferredZone, normalizeProspectInput, prospectIdFor } from '../domain/prospect-input.js';
import type { ColumnTarget } from '../domain/prospect-columns.js';
import { counterKeys, enrollmentIdFor, isEnded } from '../domain/enrollment.js';
import { enrollmentHistory, skippedTouches } from '../domain/enrollment-history.js';
import { planNextTouch, scheduledTouchFor } from '../domain/touch-plan.js';
import { memoizedNextTouchAt } from '../domain/schedule.js';
import type { Enrollment, Prospect, Suppression, TimelineEvent } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { ScheduledTouch } from '../ports.js';
import { actedBy, SequenceNotFoundError, type EnrollingContext, type UseCaseContext } from './context.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { chunksByLane } from '../domain/lanes.js';
import { underLaneLease, type HeldLane } from './lane-lease.js';

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

export interface EnrollTuning {
  /** Rows per chunk: one lease, one batched read and one batched write. */
  chunkSize: number;
  /** A lane lease's lifetime: a holder that died frees its lane after this. */
  leaseSeconds: number;
  /** How long a chunk waits for its lane before its rows are skipped as busy. */
  laneWaitMs: number;
}

export const DEFAULT_ENROLL_TUNING: EnrollTuning = { chunkSize: 100, leaseSeconds: 30, laneWaitMs: 60_000 };

const SCHEDULE_CONCURRENCY = 16;
export const BUSY_REASON = 'busy: another import is enrolling these prospects; retry';

export async function enrollProspects(
  ctx: EnrollingContext,
  input: {
    sequenceId: string;
    rows: EnrollmentRowInput[];
    /** The request's explicit column mapping (JSON keys → fields); CSV bodies arrive already mapped. */
    columns?: ReadonlyMap<string, ColumnTarget>;
  },
  tuning: EnrollTuning = DEFAULT_ENROLL_TUNING,
): Promise<EnrollmentRowResult[]> {
  const sequence = await ctx.store.getCurrentSequence(input.sequenceId);
  if (!sequence) throw new SequenceNotFoundError(input.sequenceId);

  const now = ctx.clock.now();
  const results = new Map<number, EnrollmentRowResult>();
  const warnings = new Map<number, string[]>();
  const candidates = readRows(ctx, input, now, results, warnings);
  await inferZones(ctx, candidates);

  const owner = `enroll-${randomUUID()}`;
  const deltas: Record<string, number> = {};
  const lanes = chunksByLane(candidates, (candidate) => candidate.prospect.id, tuning.chunkSize);
  await Promise.all(
    [...lanes].map(async ([lane, chunks]) => {
      for (const chunk of chunks) {
        const outcome = await underLaneLease(ctx, lane, owner, { leaseSeconds: tuning.leaseSeconds, waitMs: tuning.laneWaitMs }, (held) =>
          enrollChunk(ctx, sequence, chunk, now, results, held),
        );
        // Scheduling needs no lease (schedule names are deterministic), so the lane is free meanwhile.
        if (outcome.kind === 'done') await scheduleChunk(ctx, outcome.value, deltas);
        else markBusy(chunk, results);
      }
    }),
  );
  if (Object.keys(deltas).length > 0) await ctx.store.addToCounters({ sequenceId: sequence.id, deltas, at: now });
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

/** What a chunk leaves to do once its lane is released: schedules, and the counts they make. */
interface ChunkWritten {
  /** First touches of the enrollments this chunk created (fresh or restarted). */
  created: { touch: ScheduledTouch; skipped: StepDefinition[]; previousStatus?: Enrollment['status'] }[];
  /** Pending touches of enrollments already active: schedules re-ensured (idempotent). */
  reensure: ScheduledTouch[];
}

/** Reads, decides and writes one chunk; called while holding its lane's lease. */
async function enrollChunk(
  ctx: UseCaseContext,
  sequence: PublishedSequence,
  candidates: Candidate[],
  now: Date,
  results: Map<number, EnrollmentRowResult>,
  lane: HeldLane,
): Promise<ChunkWritten> {
  const nowIso = now.toISOString();
  const nextTouchAt = memoizedNextTouchAt();
  for (const candidate of candidates) candidate.enrollmentId = enrollmentIdFor(candidate.prospect.id, sequence.id);

  const addresses = candidates.flatMap(({ prospect }) => addressesOf(prospect));
  const aliases = await aliasEnrollmentIds(ctx, sequence, candidates);
  // The stored profiles come in the same batch: a re-import keeps the stored createdAt.
  const existing = await ctx.store.getEnrollmentsAndSuppressions(
    [...candidates.map((c) => c.enrollmentId), ...[...aliases.values()].flat()],
    addresses,
    candidates.map((c) => c.prospect.id),
  );

  const fresh: { enrollment: Enrollment; prospect: Prospect; touch: ScheduledTouch; skipped: StepDefinition[]; row: number }[] = [];
  const restarts: {
    enrollment: Enrollment;
    prospect: Prospect;
    previous: Enrollment;
    touch: ScheduledTouch;
    skipped: StepDefinition[];
    timeline: TimelineEvent[];
    row: number;
  }[] = [];
  const reensure: ScheduledTouch[] = [];
  const timeline: TimelineEvent[] = [];

  for (const candidate of candidates) {
    const { enrollmentId, row } = candidate;
    const stored = existing.prospects.get(candidate.prospect.id);
    const prospect = stored ? { ...candidate.prospect, createdAt: stored.createdAt } : candidate.prospect;
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
      // Steps passed over for want of an address ride on the enrollment (no timeline items).
      touches: skippedTouches(sequence, plan.skipped, nowIso),
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    const enrolled: TimelineEvent = {
      prospectId: prospect.id,
      at: nowIso,
      type: 'enrolled',
      sequenceId: sequence.id,
      enrollmentId,
      detail: `version ${sequence.version}, run ${run}`,
      ...actedBy(ctx),
    };
    if (previous) {
      // The new run replaces the enrollment item, and with it the ended run's touches: keep them on the timeline.
      restarts.push({
        enrollment,
        prospect,
        previous,
        touch: plan.touch,
        skipped: plan.skipped,
        timeline: [...enrollmentHistory(previous), enrolled],
        row,
      });
    } else {
      timeline.push(enrolled);
      fresh.push({ enrollment, prospect, touch: plan.touch, skipped: plan.skipped, row });
    }
    results.set(row, { row, status: 'enrolled', prospectId: prospect.id, enrollmentId });
  }

  // A lane taken over while this chunk was slow: someone else may have decided these rows since.
  if (!(await lane.confirm())) {
    markBusy(candidates, results);
    return { created: [], reensure: [] };
  }

  await ctx.store.putEnrollmentBatch({
    prospects: [...fresh, ...restarts].map((e) => e.prospect),
    enrollments: fresh.map((f) => f.enrollment),
    timeline,
  });
  const created: ChunkWritten['created'] = fresh.map(({ touch, skipped }) => ({ touch, skipped }));
  const restartHistory: TimelineEvent[] = [];
  for (const restart of restarts) {
    // Conditional on the old run still being ended: a stop or a new run meanwhile wins.
    if ((await ctx.store.restartEnrollment(restart.enrollment, restart.previous.run)) === 'conflict') {
      results.set(restart.row, {
        row: restart.row,
        status: 'skipped',
        prospectId: restart.enrollment.prospectId,
        enrollmentId: restart.enrollment.id,
        reason: 'enrolled concurrently by another request',
      });
      continue;
    }
    restartHistory.push(...restart.timeline);
    created.push({ touch: restart.touch, skipped: restart.skipped, previousStatus: restart.previous.status });
  }
  if (restartHistory.length > 0) await ctx.store.appendTimeline(restartHistory);
  return { created, reensure };
}

/** Schedules a written chunk's touches, then counts what it enrolled. */
async function scheduleChunk(ctx: UseCaseContext, written: ChunkWritten, deltas: Record<string, number>): Promise<void> {
  const toSchedule = written.created.map((c) => c.touch);
  await mapWithConcurrency([...toSchedule, ...written.reensure], SCHEDULE_CONCURRENCY, (touch) => ctx.scheduler.schedule(touch));
  const bump = (key: string, by: number) => (deltas[key] = (deltas[key] ?? 0) + by);
  for (const { skipped, previousStatus } of written.created) {
    // Steps passed over at enrollment (no usable address) count as skipped, like the worker counts them.
    for (const step of skipped) bump(counterKeys.step(step.id, 'skipped'), 1);
    if (previousStatus) bump(counterKeys.status(previousStatus), -1);
  }
  if (toSchedule.length > 0) {
    bump(counterKeys.enrolled, toSchedule.length);
    bump(counterKeys.status('active'), toSchedule.length);
  }
}

function markBusy(candidates: Candidate[], results: Map<number, EnrollmentRowResult>): void {
  for (const { row, prospect } of candidates) results.set(row, { row, status: 'skipped', prospectId: prospect.id, reason: BUSY_REASON });
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
