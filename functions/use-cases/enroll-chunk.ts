/**
 * One chunk of an import, read, decided and written while its enrollment lane's lease is
 * held (enroll-prospects.ts cuts the chunks; docs/architecture.md, "The touch pipeline").
 *
 * Reads, batched, for every row of the chunk and every prospect id of the same person
 * (a phone-only prospect and an email prospect with that phone are one person):
 * 1. one `getEnrollmentsAndSuppressions`: the enrollments in this sequence, the stored
 *    profiles, the consent ledger (suppression and reply entry) of the row's addresses,
 *    and the holders items of the rows' phones (who else has the phone); only for phones
 *    other prospects hold, their profiles and enrollments here (one more batch);
 * 2. only for people already stored: their enrollments in the other sequences their
 *    profile lists, and the ledger entries of stored addresses the row did not give (one
 *    more batch; a profile written before it listed its sequences costs one Query).
 * Then each row is merged into its stored profile (domain/prospect-merge.ts) and decided
 * (domain/enrollment-rules.ts), and everything is written in one batch: the phone holders
 * and profiles first, then the enrollments (each carrying its `enrolled` event) and the
 * timeline. A restart of an ended run is one conditional put each, after the ended run's
 * history is on the timeline.
 */
import type { ProfileClears } from '../domain/prospect-merge.js';
import { describeChanges, mergeProspect } from '../domain/prospect-merge.js';
import { enrollmentIdFor } from '../domain/enrollment.js';
import { enrollmentHistory, skippedTouches } from '../domain/enrollment-history.js';
import { decideEnrollment, type OtherEnrollment } from '../domain/enrollment-rules.js';
import { planNextTouch, scheduledTouchFor, stepChannel } from '../domain/touch-plan.js';
import { memoizedNextTouchAt } from '../domain/schedule.js';
import type { Enrollment, Prospect, ReplyRecord, Suppression, TimelineEvent } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { EnrollmentReads, ScheduledTouch } from '../ports.js';
import { findAliases, holdersToWrite, rowPhones } from './same-phone.js';
import { loadSequenceVersion, type UseCaseContext } from './context.js';
import { mapWithConcurrency } from '../async/concurrency.js';
import type { HeldLane } from './lane-lease.js';
import { laneOf } from '../domain/lanes.js';
import { companyDomainOf } from '../domain/free-mail-domains.js';
import type { EnrollmentRowResult } from './enroll-prospects.js';

export const BUSY_REASON = 'busy: another import is enrolling these prospects; retry';

export interface Candidate {
  row: number;
  prospect: Prospect;
  /** What the row asks to clear in the stored profile. */
  clears: ProfileClears;
}

/** What the timeline entries of an import carry. */
export type Audit = Pick<TimelineEvent, 'actor' | 'importId'>;

export interface ChunkOptions {
  sequence: PublishedSequence;
  now: Date;
  audit: Audit;
  /** The request's `reenroll`: a run that ended in this sequence may start again. */
  reenroll: boolean;
  /**
   * The lane this chunk holds, in the first pass: a row without a phone whose stored
   * profile has one is handed back (`deferred`) when that phone's lane is another.
   */
  lane?: number;
}

/** What a chunk leaves to do once its lane is released: schedules, and the counts they make. */
export interface ChunkWritten {
  /** First touches of the enrollments this chunk created (fresh or restarted). */
  created: { touch: ScheduledTouch; skipped: StepDefinition[]; previousStatus?: Enrollment['status'] }[];
  /** Pending touches of enrollments already active: schedules re-ensured (idempotent). */
  reensure: ScheduledTouch[];
  /** Rows that belong to another lane (their stored phone's), with its key; nothing was done for them. */
  deferred: { candidate: Candidate; laneKey: string }[];
}

/** The prospect ids a row's person may be stored under: its own, and those sharing its phone. */
export interface Person {
  candidate: Candidate;
  enrollmentId: string;
  /** Other prospect ids with the same phone (one person per phone). */
  aliases: string[];
}

export async function enrollChunk(
  ctx: UseCaseContext,
  options: ChunkOptions,
  candidates: Candidate[],
  results: Map<number, EnrollmentRowResult>,
  lane: HeldLane,
): Promise<ChunkWritten> {
  const { sequence, now, audit } = options;
  const nowIso = now.toISOString();
  const nextTouchAt = memoizedNextTouchAt();
  const allPeople = candidates.map((candidate): Person => ({ candidate, enrollmentId: enrollmentIdFor(candidate.prospect.id, sequence.id), aliases: [] }));
  const first = await readFirst(ctx, sequence, allPeople);
  await findAliases(ctx, sequence, allPeople, first);
  const deferred: ChunkWritten['deferred'] = [];
  const people = allPeople.filter(({ candidate }) => {
    const storedPhone = candidate.prospect.phone ? undefined : first.prospects.get(candidate.prospect.id)?.phone;
    if (options.lane === undefined || storedPhone === undefined || laneOf(storedPhone) === options.lane) return true;
    deferred.push({ candidate, laneKey: storedPhone });
    return false;
  });
  const reads = await readRest(ctx, sequence, people, first);

  const fresh: { enrollment: Enrollment; touch: ScheduledTouch; skipped: StepDefinition[] }[] = [];
  const restarts: { enrollment: Enrollment; previous: Enrollment; touch: ScheduledTouch; skipped: StepDefinition[]; timeline: TimelineEvent[]; row: number }[] = [];
  const reensure: ScheduledTouch[] = [];
  const timeline: TimelineEvent[] = [];
  /** Profiles to write: stored ones a row changed, and those of enrolled rows. */
  const profiles = new Map<string, Prospect>();

  for (const person of people) {
    const { candidate, enrollmentId } = person;
    const { row } = candidate;
    const ids = [candidate.prospect.id, ...person.aliases];
    const stored = reads.prospects.get(candidate.prospect.id);
    const merged = mergeProspect(stored, candidate.prospect, candidate.clears);
    let prospect = merged.prospect;
    if (merged.changes.length > 0) {
      profiles.set(prospect.id, prospect);
      timeline.push({ prospectId: prospect.id, at: nowIso, type: 'profile_updated', ...audit, detail: describeChanges(merged.changes), changes: merged.changes });
    }

    const addresses = personAddresses(ids, prospect, reads.prospects);
    const ruling = decideEnrollment({
      sequence: sequence.definition,
      ...(reads.enrollments.has(enrollmentId) ? { previous: reads.enrollments.get(enrollmentId) as Enrollment } : {}),
      twins: person.aliases.map((id) => reads.enrollments.get(enrollmentIdFor(id, sequence.id))).filter((e): e is Enrollment => !!e),
      others: ids.flatMap((id) => reads.others.get(id) ?? []),
      suppressions: addresses.map((address) => reads.suppressions.get(address)).filter((s): s is Suppression => !!s),
      replies: addresses.map((address) => reads.replies.get(address)).filter((r): r is ReplyRecord => !!r),
      reenroll: options.reenroll,
    });
    if (ruling.kind === 'skip') {
      const { running } = ruling;
      if (running?.status === 'active' && running.nextTouchAt) {
        // Its step's channel is known when it runs on the version being enrolled into.
        const channel = running.version === sequence.version ? stepChannel(sequence, running.stepIndex) : undefined;
        reensure.push(scheduledTouchFor(running, running.nextTouchAt, prospect, channel));
      }
      results.set(row, ownRunResult(row, prospect.id, running, audit) ?? {
        row,
        status: 'skipped',
        prospectId: prospect.id,
        ...(ruling.enrollmentId ? { enrollmentId: ruling.enrollmentId } : {}),
        reason: ruling.reason,
      });
      continue;
    }

    const plan = planNextTouch({
      sequence,
      enrollment: { id: enrollmentId, prospectId: prospect.id, sequenceId: sequence.id, run: ruling.run },
      prospect,
      fromIndex: 0,
      from: now,
      // The ledger already stopped anyone with an entry (rule 3); nothing else is suppressed.
      isSuppressed: () => false,
      nextTouchAt,
    });
    if (!plan.touch) {
      results.set(row, { row, status: 'skipped', prospectId: prospect.id, reason: unreachableReason(sequence, prospect) });
      continue;
    }

    prospect = {
      ...prospect,
      sequenceIds: [...new Set([...(prospect.sequenceIds ?? knownSequenceIds(reads, prospect.id)), sequence.id])],
      ...(ruling.concurrent ? { concurrentEnrollments: true } : {}),
    };
    if (!ruling.concurrent) delete prospect.concurrentEnrollments;
    profiles.set(prospect.id, prospect);
    if (ruling.concurrent) flagRunningAliases(person.aliases, reads, profiles);

    // Colleagues are found by company domain only in sequences that stop for the whole account.
    const accountDomain = sequence.definition.stopOnReplyFrom === 'account' ? companyDomainOf(prospect.email) : undefined;
    const enrollment: Enrollment = {
      // Its `enrolled` event rides on the item (domain/enrollment-history.ts).
      enrolledEvent: audit.actor ? { actor: audit.actor } : {},
      id: enrollmentId,
      prospectId: prospect.id,
      sequenceId: sequence.id,
      version: sequence.version,
      run: ruling.run,
      ...(accountDomain ? { accountDomain } : {}),
      status: 'active',
      stepIndex: plan.index,
      nextTouchAt: plan.touch.dueAt,
      pendingScheduleName: plan.touch.scheduleName,
      // Steps passed over for want of an address ride on the enrollment (no timeline items).
      touches: skippedTouches(sequence, plan.skipped, nowIso),
      ...(audit.importId ? { importId: audit.importId, importRow: row } : {}),
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    if (ruling.previous) {
      // The new run replaces the enrollment item, and with it what the ended run recorded on it: keep that on the timeline.
      restarts.push({ enrollment, previous: ruling.previous, touch: plan.touch, skipped: plan.skipped, timeline: enrollmentHistory(ruling.previous), row });
    } else {
      fresh.push({ enrollment, touch: plan.touch, skipped: plan.skipped });
    }
    results.set(row, { row, status: 'enrolled', prospectId: prospect.id, enrollmentId });
  }

  // A lane taken over while this chunk was slow: someone else may have decided these rows since.
  if (!(await lane.confirm())) {
    markBusy(people.map((p) => p.candidate), results);
    return { created: [], reensure: [], deferred };
  }

  // Never a new profile for a row that was not enrolled: an erased person's row must not store them again.
  const written = [...profiles.values()];
  await ctx.store.putEnrollmentBatch({
    prospects: written,
    enrollments: fresh.map((f) => f.enrollment),
    timeline,
    phoneHolders: holdersToWrite(written, first, new Set(rowPhones(people))),
  });
  const created: ChunkWritten['created'] = fresh.map(({ touch, skipped }) => ({ touch, skipped }));
  // The ended runs' history first (idempotent keys; the view drops what the item still
  // tells too): a crash before its restart's put then loses nothing.
  const restartHistory = restarts.flatMap((restart) => restart.timeline);
  if (restartHistory.length > 0) await ctx.store.appendTimeline(restartHistory);
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
    created.push({ touch: restart.touch, skipped: restart.skipped, previousStatus: restart.previous.status });
  }
  return { created, reensure, deferred };
}

/**
 * A row whose run this very import started: a chunk run again (after a crash, or a
 * redelivered message) answers the row it enrolled the first time as enrolled, and a row
 * repeating an earlier row of the import as that row's duplicate (chunks of one import
 * cannot see each other's rows any other way).
 */
function ownRunResult(row: number, prospectId: string, running: Enrollment | undefined, audit: Audit): EnrollmentRowResult | undefined {
  if (!running || !audit.importId || running.importId !== audit.importId || running.importRow === undefined) return undefined;
  if (running.importRow === row) return { row, status: 'enrolled', prospectId, enrollmentId: running.id };
  return { row, status: 'skipped', prospectId, enrollmentId: running.id, reason: `duplicate of row ${running.importRow} in this import` };
}

export function markBusy(candidates: readonly Candidate[], results: Map<number, EnrollmentRowResult>): void {
  for (const { row, prospect } of candidates) results.set(row, { row, status: 'skipped', prospectId: prospect.id, reason: BUSY_REASON });
}

export function addressesOf(prospect: Pick<Prospect, 'email' | 'phone'>): string[] {
  return [prospect.email, prospect.phone].filter((a): a is string => a !== undefined);
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

interface ChunkReads extends EnrollmentReads {
  /** Per prospect id: its enrollments in the other sequences, with their names. */
  others: Map<string, OtherEnrollment[]>;
}

/** Round 1: this sequence's enrollments, the stored profiles and the ledger of the rows' addresses. */
function readFirst(ctx: UseCaseContext, sequence: PublishedSequence, people: Person[]): Promise<EnrollmentReads> {
  const ids = [...new Set(people.flatMap((p) => [p.candidate.prospect.id, ...p.aliases]))];
  const rowAddresses = [...new Set(people.flatMap((p) => addressesOf(p.candidate.prospect)))];
  return ctx.store.getEnrollmentsAndSuppressions(
    ids.map((id) => enrollmentIdFor(id, sequence.id)),
    rowAddresses,
    ids,
    rowPhones(people),
  );
}

async function readRest(ctx: UseCaseContext, sequence: PublishedSequence, people: Person[], first: EnrollmentReads): Promise<ChunkReads> {
  const ids = new Set(people.flatMap((p) => [p.candidate.prospect.id, ...p.aliases]));
  const rowAddresses = [...new Set(people.flatMap((p) => addressesOf(p.candidate.prospect)))];
  // Round 2, for people already stored: the sequences their profiles list, the addresses they hold.
  const otherIds: string[] = [];
  const legacy: string[] = [];
  const storedAddresses = new Set<string>();
  for (const prospect of first.prospects.values()) {
    if (!ids.has(prospect.id)) continue;
    if (prospect.sequenceIds === undefined) legacy.push(prospect.id);
    for (const sequenceId of prospect.sequenceIds ?? []) {
      if (sequenceId !== sequence.id) otherIds.push(enrollmentIdFor(prospect.id, sequenceId));
    }
    for (const address of addressesOf(prospect)) if (!rowAddresses.includes(address)) storedAddresses.add(address);
  }
  const second =
    otherIds.length > 0 || storedAddresses.size > 0
      ? await ctx.store.getEnrollmentsAndSuppressions(otherIds, [...storedAddresses])
      : undefined;
  const listed = await mapWithConcurrency(legacy, 8, (id) => ctx.store.listEnrollments(id));

  const elsewhere = [...(second?.enrollments.values() ?? []), ...listed.flat()].filter((e) => e.sequenceId !== sequence.id);
  const names = await sequenceNames(ctx, elsewhere);
  const others = new Map<string, OtherEnrollment[]>();
  for (const enrollment of elsewhere) {
    const list = others.get(enrollment.prospectId) ?? [];
    const name = names.get(enrollment.sequenceId);
    list.push({ enrollment, ...(name ? { sequenceName: name } : {}) });
    others.set(enrollment.prospectId, list);
  }
  return {
    enrollments: first.enrollments,
    prospects: first.prospects,
    suppressions: new Map([...first.suppressions, ...(second?.suppressions ?? [])]),
    replies: new Map([...first.replies, ...(second?.replies ?? [])]),
    phoneHolders: first.phoneHolders,
    phoneHoldersComplete: first.phoneHoldersComplete,
    others,
  };
}

/** Names of the sequences of running enrollments (for the skip reason), from the version cache. */
async function sequenceNames(ctx: UseCaseContext, enrollments: Enrollment[]): Promise<Map<string, string>> {
  const versions = new Map<string, number>();
  for (const e of enrollments) if (e.status === 'active' || e.status === 'paused') versions.set(e.sequenceId, e.version);
  const names = new Map<string, string>();
  await mapWithConcurrency([...versions], 4, async ([id, version]) => {
    const found = await loadSequenceVersion(ctx, id, version);
    if (found) names.set(id, found.definition.name);
  });
  return names;
}

/** Every address the person is known by: the row's, the stored profile's and the stored twins'. */
function personAddresses(ids: string[], merged: Prospect, stored: Map<string, Prospect>): string[] {
  const addresses = new Set(addressesOf(merged));
  for (const id of ids) for (const address of addressesOf(stored.get(id) ?? {})) addresses.add(address);
  return [...addresses];
}

/** The sequences a legacy profile (stored before profiles listed them) was found enrolled in. */
function knownSequenceIds(reads: ChunkReads, prospectId: string): string[] {
  return (reads.others.get(prospectId) ?? []).map((o) => o.enrollment.sequenceId);
}

/** A twin running in another sequence must claim its touch days too. */
function flagRunningAliases(aliases: string[], reads: ChunkReads, profiles: Map<string, Prospect>): void {
  for (const id of aliases) {
    const running = (reads.others.get(id) ?? []).some((o) => o.enrollment.status === 'active' || o.enrollment.status === 'paused');
    const profile = profiles.get(id) ?? reads.prospects.get(id);
    if (running && profile && !profile.concurrentEnrollments) profiles.set(id, { ...profile, concurrentEnrollments: true });
  }
}

function unreachableReason(sequence: PublishedSequence, prospect: Pick<Prospect, 'email' | 'phone'>): string {
  const channels = [...new Set(sequence.definition.steps.map((s) => s.channel))];
  const has = [prospect.email ? 'email' : undefined, prospect.phone ? 'phone' : undefined].filter(Boolean);
  return `no step of this sequence can reach the prospect (sequence uses ${channels.join(' and ')}, prospect has ${has.join(' and ') || 'no address'})`;
}
