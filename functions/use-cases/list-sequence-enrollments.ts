/**
 * `GET /sequences/{id}/enrollments` (and its CSV export): a sequence's enrollments by
 * status, in the order they took it (ports/enrollment-store.ts), with the prospect's name
 * and addresses, the current step and the next touch
 * in the prospect's zone. A page is 2 requests: one Query of the by-sequence index, one
 * BatchGetItem of the profiles (the versions' step ids come from the container's cache of
 * published versions: one read per version per container, ever).
 */
import { InvalidQueryError, type Page } from '../domain/page.js';
import { localTimeOf } from '../domain/local-time.js';
import type { EnrollmentStatus, EnrollmentSummary, Prospect } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { loadSequenceVersion, SequenceNotFoundError, type UseCaseContext } from './context.js';

export interface EnrollmentListItem extends Omit<EnrollmentSummary, 'sequenceId' | 'createdAt'> {
  prospect?: Pick<Prospect, 'firstName' | 'lastName' | 'company' | 'email' | 'phone'>;
  stepId?: string;
  nextTouchLocal?: string;
  timezone?: string;
}

export interface ListEnrollmentsInput {
  sequenceId: string;
  status?: EnrollmentStatus;
  /** A step id of the sequence, or a step index. */
  step?: string;
  limit: number;
  cursor?: string;
}

export async function listSequenceEnrollments(ctx: UseCaseContext, input: ListEnrollmentsInput): Promise<Page<EnrollmentListItem>> {
  const sequence = await currentSequence(ctx, input.sequenceId);
  const stepIndex = input.step === undefined ? undefined : resolveStep(sequence, input.step);
  const page = await ctx.store.listEnrollmentsBySequence({
    sequenceId: input.sequenceId,
    ...(input.status ? { status: input.status } : {}),
    ...(stepIndex !== undefined ? { stepIndex } : {}),
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const ids = [...new Set(page.items.map((e) => e.prospectId))];
  const { prospects } = ids.length > 0 ? await ctx.store.getEnrollmentsAndSuppressions([], [], ids) : { prospects: new Map<string, Prospect>() };
  const versions = new Map<number, PublishedSequence | undefined>([[sequence.version, sequence]]);
  for (const version of new Set(page.items.map((e) => e.version))) {
    if (!versions.has(version)) versions.set(version, await loadSequenceVersion(ctx, input.sequenceId, version));
  }
  return {
    items: page.items.map((enrollment) => {
      const version = versions.get(enrollment.version) ?? sequence;
      return itemOf(enrollment, prospects.get(enrollment.prospectId), version);
    }),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/** Every page, one after the other, for an export. */
export async function* allSequenceEnrollments(
  ctx: UseCaseContext,
  input: Omit<ListEnrollmentsInput, 'limit'>,
): AsyncGenerator<Page<EnrollmentListItem>> {
  let cursor = input.cursor;
  do {
    const page = await listSequenceEnrollments(ctx, { ...input, limit: 100, ...(cursor ? { cursor } : {}) });
    yield page;
    cursor = page.nextCursor;
  } while (cursor);
}

async function currentSequence(ctx: UseCaseContext, sequenceId: string): Promise<PublishedSequence> {
  const sequence = await ctx.store.getCurrentSequence(sequenceId);
  if (!sequence) throw new SequenceNotFoundError(sequenceId);
  return sequence;
}

function resolveStep(sequence: PublishedSequence, step: string): number {
  const steps = sequence.definition.steps;
  const byId = steps.findIndex((s) => s.id === step);
  if (byId >= 0) return byId;
  if (/^\d{1,3}$/.test(step) && Number(step) < steps.length) return Number(step);
  throw new InvalidQueryError('step', `step must be a step of ${sequence.id}: ${steps.map((s) => s.id).join(', ')} (or its index, 0 to ${steps.length - 1})`);
}

function itemOf(enrollment: EnrollmentSummary, prospect: Prospect | undefined, sequence: PublishedSequence): EnrollmentListItem {
  const { sequenceId: _sequence, createdAt: _created, ...fields } = enrollment;
  const stepId = sequence.definition.steps[enrollment.stepIndex]?.id;
  const local = enrollment.nextTouchAt ? localTimeOf(enrollment.nextTouchAt, prospect?.timezone, sequence.definition.defaultTimezone) : undefined;
  const details = prospect
    ? Object.fromEntries((['firstName', 'lastName', 'company', 'email', 'phone'] as const).filter((f) => prospect[f] !== undefined).map((f) => [f, prospect[f]]))
    : undefined;
  return {
    ...fields,
    ...(details ? { prospect: details } : {}),
    ...(stepId ? { stepId } : {}),
    ...(local ? { nextTouchLocal: local.local, timezone: local.timezone } : {}),
  };
}
