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
 * create a second one). Each chunk is counted right after it is written, before its
 * schedules: the retry skips those rows as already active and would never count them.
 */
import { randomUUID } from 'node:crypto';
import { inferredZone, normalizeProspectInput, prospectIdFor } from '../domain/prospect-input.js';
import type { ColumnTarget } from '../domain/prospect-columns.js';
import { counterKeys } from '../domain/enrollment.js';
import { NO_CLEARS } from '../domain/prospect-merge.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { actedBy, SequenceNotFoundError, type EnrollingContext, type UseCaseContext } from './context.js';
import { mapWithConcurrency } from '../async/concurrency.js';
import { chunksByLane } from '../domain/lanes.js';
import { underLaneLease } from './lane-lease.js';
import { addressesOf, enrollChunk, markBusy, type Candidate, type ChunkWritten } from './enroll-chunk.js';

export { BUSY_REASON } from './enroll-chunk.js';

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

export async function enrollProspects(
  ctx: EnrollingContext,
  input: {
    sequenceId: string;
    rows: EnrollmentRowInput[];
    /** The request's explicit column mapping (JSON keys → fields); CSV bodies arrive already mapped. */
    columns?: ReadonlyMap<string, ColumnTarget>;
    /** Which import this is (an import job's id, or the enrollment request's id). */
    importId?: string;
    /** A run that ended in this sequence (completed, stopped…) may start again. Default false. */
    reenroll?: boolean;
    /** What the rows are part of, in a repeated row's reason ("duplicate of row 3 in this request"). Default "request". */
    within?: 'request' | 'import';
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
  // Who asked is the context's actor (set per API request): the import's timeline entries carry it.
  const options = { sequence, now, audit: { ...actedBy(ctx), ...(input.importId ? { importId: input.importId } : {}) }, reenroll: input.reenroll ?? false };
  const runLanes = async (rows: Candidate[], keyOf: (candidate: Candidate) => string, final: boolean): Promise<Candidate[]> => {
    const deferred: Candidate[] = [];
    const lanes = chunksByLane(rows, keyOf, tuning.chunkSize);
    await Promise.all(
      [...lanes].map(async ([lane, chunks]) => {
        for (const chunk of chunks) {
          const outcome = await underLaneLease(ctx, lane, owner, { leaseSeconds: tuning.leaseSeconds, waitMs: tuning.laneWaitMs }, (held) =>
            enrollChunk(ctx, { ...options, ...(final ? {} : { lane }) }, chunk, results, held),
          );
          // Scheduling needs no lease (schedule names are deterministic), so the lane is free meanwhile.
          if (outcome.kind === 'done') {
            // Counted as soon as written: a retry after a crash or a failed schedule finds these
            // rows already active and would never count them.
            await countChunk(ctx, sequence, now, outcome.value, deltas);
            await scheduleChunk(ctx, outcome.value);
            deferred.push(...outcome.value.deferred.map((d) => d.candidate));
            for (const { candidate, laneKey } of outcome.value.deferred) storedLaneKeys.set(candidate, laneKey);
          } else markBusy(chunk, results);
        }
      }),
    );
    return deferred;
  };
  // Rows are laned by phone when they have one (the address two prospect ids can share), else
  // by prospect id. A row without a phone whose stored profile has one belongs to that phone's
  // lane: it is handed back by the first pass and enrolled in a second pass under that lane.
  const storedLaneKeys = new Map<Candidate, string>();
  const deferred = await runLanes(candidates, laneKeyOf, false);
  if (deferred.length > 0) await runLanes(deferred, (candidate) => storedLaneKeys.get(candidate) ?? laneKeyOf(candidate), true);
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

/** The lane of a row: its phone's when it has one (one person per phone), else its prospect id's. */
export function laneKeyOf(candidate: Pick<Candidate, 'prospect'>): string {
  return candidate.prospect.phone ?? candidate.prospect.id;
}


/** Validates and normalises every row, and drops repeats of a prospect within the request. */
function readRows(
  ctx: UseCaseContext,
  { rows, columns, within = 'request' }: { rows: EnrollmentRowInput[]; columns?: ReadonlyMap<string, ColumnTarget>; within?: 'request' | 'import' },
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
      results.set(input.row, { row: input.row, status: 'skipped', prospectId, reason: `duplicate of row ${firstRow} in this ${within}` });
      continue;
    }
    for (const address of addresses) seen.set(address, input.row);
    candidates.push({
      row: input.row,
      clears: normalized.clears ?? NO_CLEARS,
      prospect: { id: prospectId, ...normalized.value, createdAt: nowIso, updatedAt: nowIso },
    });
  }
  return candidates;
}

/** Schedules a written chunk's touches (re-ensuring those of rows already active). */
async function scheduleChunk(ctx: UseCaseContext, written: ChunkWritten): Promise<void> {
  const toSchedule = written.created.map((c) => c.touch);
  await mapWithConcurrency([...toSchedule, ...written.reensure], SCHEDULE_CONCURRENCY, (touch) => ctx.scheduler.schedule(touch));
}

/** Counts what a written chunk enrolled (one counter update), and adds it to the import's `total`. */
async function countChunk(ctx: UseCaseContext, sequence: PublishedSequence, now: Date, written: ChunkWritten, total: Record<string, number>): Promise<void> {
  const deltas: Record<string, number> = {};
  const bump = (key: string, by: number) => (deltas[key] = (deltas[key] ?? 0) + by);
  for (const { skipped, previousStatus } of written.created) {
    // Steps passed over at enrollment (no usable address) count as skipped, like the worker counts them.
    for (const step of skipped) bump(counterKeys.step(step.id, 'skipped'), 1);
    if (previousStatus) bump(counterKeys.status(previousStatus), -1);
  }
  const enrolled = written.created.length;
  if (enrolled > 0) {
    bump(counterKeys.enrolled, enrolled);
    bump(counterKeys.status('active'), enrolled);
    bump(counterKeys.versionEnrolled(sequence.version), enrolled);
  }
  if (Object.keys(deltas).length === 0) return;
  await ctx.store.addToCounters({ sequenceId: sequence.id, deltas, at: now });
  for (const [key, by] of Object.entries(deltas)) total[key] = (total[key] ?? 0) + by;
}

