/**
 * Lists every stored profile with a phone in its phone's holders item, then sets the layout
 * marker, so enrolling stops asking the byPhone index (one Query per row) for a table
 * written before holders items existed (functions/adapters/dynamodb/keys.ts, "phone holders").
 *
 * Every profile was written by an enrollment, so walking each sequence's enrollments (the
 * by-sequence index, paged) reaches every prospect: no Scan. Each lane's phones are merged
 * into their holders items under that lane's lease, as an import would, so an import
 * running meanwhile never loses a holder. Idempotent: run again, it rewrites the same
 * lists. Run it once every process enrolls with this version (an older one writes
 * profiles without holders); until it has finished, enrolling keeps its Query fallback.
 *
 * It goes in steps of a bounded number of enrollments, each ending with a cursor, so a
 * deployed stack runs it through `POST /maintenance/phone-holders` (one step per request,
 * inside the API function's 29 s even while imports hold lanes: every lane at once, each
 * waited for at most 8 s; `followup maintenance phone-holders` repeats it) and the
 * embedded runtime runs every step at start-up. A step that fails is repeated from the same
 * cursor; the marker is set by the step that finishes the last sequence, never before.
 *
 * Paging an index that moves is not a complete walk: an enrollment whose status changes
 * moves to that status's part of its sequence's list, and paused → active moves it back,
 * behind a cursor. That is the only move backwards (an ended run starts again only through
 * an import, which writes holders itself), so both resumes (by hand, and at the end of an
 * auto-reply pause) list the prospect under its phone while the table is not marked:
 * `keepListedWhileBackfilling`, one GetItem of the marker once it is.
 */
import { mapWithConcurrency } from '../async/concurrency.js';
import { LANE_COUNT, laneOf } from '../domain/lanes.js';
import { InvalidCursorError } from '../domain/page.js';
import * as z from '../zod.js';
import { BusyError, type UseCaseContext } from './context.js';
import { underLaneLease } from './lane-lease.js';
import { rewritePhoneHolders } from './rewrite-phone-holders.js';

export interface BackfillReport {
  prospects: number;
  phones: number;
}

export interface BackfillStep extends BackfillReport {
  /** True once every sequence was walked and the marker is set (or it already was). */
  done: boolean;
  /** Where the next step starts; absent when done. */
  cursor?: string;
}

export interface BackfillStepOptions {
  /** Enrollments read per step (pages of 100). @default 2,000 */
  enrollmentsPerStep?: number;
  /** The lane leases' owner. */
  owner?: string;
}

const PAGE = 100;
const DEFAULT_ENROLLMENTS_PER_STEP = 2_000;
const LANE_WAIT_MS = 8_000;

/** Where a step stopped: in the sequence `sequenceId`, at the by-sequence page `page` (its start when absent). */
const cursorSchema = z.object({ v: z.literal(1), sequenceId: z.string().check(z.minLength(1)), page: z.optional(z.string()) });
type BackfillCursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: BackfillCursor) => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

function decodeCursor(text: string): BackfillCursor {
  if (text.length > 4_096 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError('not a cursor of this backfill');
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: the same answer as a wrong shape.
  }
  throw new InvalidCursorError('not a cursor of this backfill');
}

/**
 * Before a table's first sequence is published: a table without sequences holds no
 * enrollment, so no profile (only enrollments write them), and is marked complete, so a new
 * deployment never takes the Query fallback. One GetItem once marked.
 */
export async function markPhoneHoldersIfNothingStored(ctx: UseCaseContext): Promise<void> {
  if (await ctx.store.arePhoneHoldersComplete()) return;
  if ((await ctx.store.listSequences()).length > 0) return;
  await ctx.store.markPhoneHoldersComplete();
}

/** Every step, one after the other (the embedded runtime at start-up). */
export async function backfillPhoneHolders(ctx: UseCaseContext, owner = `backfill-${Date.now()}`): Promise<BackfillReport | 'already complete'> {
  if (await ctx.store.arePhoneHoldersComplete()) return 'already complete';
  const total = { prospects: 0, phones: 0 };
  let cursor: string | undefined;
  do {
    const step = await backfillPhoneHoldersStep(ctx, cursor, { owner });
    total.prospects += step.prospects;
    total.phones += step.phones;
    cursor = step.cursor;
  } while (cursor);
  ctx.logger.info('phone holders backfilled', total);
  return total;
}

/**
 * One step: up to `enrollmentsPerStep` enrollments from `cursor` on (the first sequence's
 * first when absent), their prospects' phones merged into the holders items. Prospects in
 * several sequences are merged once per sequence: the lists are sets, so it costs writes,
 * not correctness.
 */
export async function backfillPhoneHoldersStep(ctx: UseCaseContext, cursor: string | undefined, options: BackfillStepOptions = {}): Promise<BackfillStep> {
  // Checked first: a bad cursor is a 400 even on a table that needs no backfill.
  const from = cursor === undefined ? undefined : decodeCursor(cursor);
  if (await ctx.store.arePhoneHoldersComplete()) return { done: true, prospects: 0, phones: 0 };
  const budget = options.enrollmentsPerStep ?? DEFAULT_ENROLLMENTS_PER_STEP;
  const sequenceIds = (await ctx.store.listSequences()).map((sequence) => sequence.id).sort();
  // Sequences are never deleted, so a cursor naming one this table lacks was handed out by
  // another table (or tampered with): walking on from it would skip sequences, or mark the
  // table with nothing walked. A sequence published since the cursor was handed out may
  // sort before it; it was enrolled by this version, which writes holders items itself.
  if (from && !sequenceIds.includes(from.sequenceId)) throw new InvalidCursorError('it names a sequence this table does not have');
  let index = from ? sequenceIds.indexOf(from.sequenceId) : 0;
  let page = from?.page;

  const prospectIds = new Set<string>();
  let read = 0;
  while (index < sequenceIds.length && read < budget) {
    const sequenceId = sequenceIds[index] as string;
    const listed = await ctx.store.listEnrollmentsBySequence({ sequenceId, limit: PAGE, ...(page ? { cursor: page } : {}) });
    read += listed.items.length;
    for (const enrollment of listed.items) prospectIds.add(enrollment.prospectId);
    page = listed.nextCursor;
    if (!page) index += 1;
  }
  const merged = await mergeHolders(ctx, [...prospectIds], options.owner ?? `backfill-${Date.now()}`);

  const next = index < sequenceIds.length ? (sequenceIds[index] as string) : undefined;
  if (next !== undefined) return { done: false, ...merged, cursor: encodeCursor({ v: 1, sequenceId: next, ...(page ? { page } : {}) }) };
  await ctx.store.markPhoneHoldersComplete();
  return { done: true, ...merged };
}

/** The profiles' phones added to their holders items, each lane under its lease. */
async function mergeHolders(ctx: UseCaseContext, ids: readonly string[], owner: string): Promise<BackfillReport> {
  const holdersOf = new Map<string, Set<string>>();
  let prospects = 0;
  for (let i = 0; i < ids.length; i += PAGE) {
    const read = await ctx.store.getEnrollmentsAndSuppressions([], [], ids.slice(i, i + PAGE));
    for (const prospect of read.prospects.values()) {
      if (!prospect.phone) continue;
      prospects += 1;
      holdersOf.set(prospect.phone, (holdersOf.get(prospect.phone) ?? new Set()).add(prospect.id));
    }
  }

  const lanes = new Map<number, string[]>();
  for (const phone of holdersOf.keys()) lanes.set(laneOf(phone), [...(lanes.get(laneOf(phone)) ?? []), phone]);
  // Every lane at once, each waiting at most LANE_WAIT_MS: a step stays inside the API's 29 s
  // even while an import holds lanes (a lane still busy is a 409, and the step is repeated).
  await mapWithConcurrency([...lanes], LANE_COUNT, async ([lane, phones]) => {
    const outcome = await underLaneLease(ctx, lane, owner, { leaseSeconds: 30, waitMs: LANE_WAIT_MS }, async () => {
      for (let i = 0; i < phones.length; i += PAGE) {
        await rewritePhoneHolders(ctx, phones.slice(i, i + PAGE), (phone, listed) => [...listed, ...(holdersOf.get(phone) ?? [])]);
      }
    });
    // Never past a lane left undone: the step is repeated from the same cursor.
    if (outcome.kind === 'busy') throw new BusyError(`enrollment lane ${lane} is busy (an import is running); repeat this step`);
  });
  return { prospects, phones: holdersOf.size };
}

/**
 * Before a resume: while the table is not marked, lists the prospect under its phone (the
 * backfill's walk may already be past where the resume moves the enrollment). One GetItem
 * once the table is marked. A lane that stays busy is a BusyError: the resume is repeated.
 */
export async function keepListedWhileBackfilling(ctx: UseCaseContext, prospectId: string): Promise<void> {
  if (await ctx.store.arePhoneHoldersComplete()) return;
  const phone = (await ctx.store.getProspect(prospectId))?.phone;
  if (!phone) return;
  const outcome = await underLaneLease(ctx, laneOf(phone), `resume-${prospectId}-${Date.now()}`, { leaseSeconds: 30, waitMs: LANE_WAIT_MS }, async (held) => {
    const written = await rewritePhoneHolders(ctx, [phone], (_, listed) => (listed.includes(prospectId) ? undefined : [...listed, prospectId]), held);
    if (written === 'lane lost') throw new BusyError(`enrollment lane ${laneOf(phone)} was taken over; resume again`);
  });
  if (outcome.kind === 'busy') throw new BusyError('an import is enrolling this prospect right now; resume again in a minute');
}
