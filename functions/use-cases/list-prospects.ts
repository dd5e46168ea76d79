/**
 * `GET /prospects`: a search (`q`: exact email or phone, else a prefix of the name or the
 * company), or the prospects of a sequence (`sequence`, optionally in one `status`), with
 * their enrollment there. Each page is at most 2 requests: the search (ports.ts
 * `searchProspects`), or one Query of the by-sequence index plus one BatchGetItem of the
 * profiles. `q` with `sequence` narrows the sequence's page after it was read (like a
 * step filter): such pages may be short and still have a `nextCursor`.
 */
import { InvalidQueryError, type Page } from '../domain/page.js';
import type { EnrollmentStatus, ProspectSummary } from '../domain/records.js';
import { PROSPECT_SUMMARY_FIELDS, type Prospect } from '../domain/records.js';
import { normalizeSearchQuery } from '../domain/search-query.js';
import { classifySearch, searchKeyText } from '../domain/search-text.js';
import type { UseCaseContext } from './context.js';

export interface ProspectListItem extends ProspectSummary {
  enrollments?: { sequenceId: string; status: EnrollmentStatus }[];
}

export interface ListProspectsInput {
  q?: string;
  status?: EnrollmentStatus;
  sequence?: string;
  limit: number;
  cursor?: string;
}

export async function listProspects(ctx: UseCaseContext, input: ListProspectsInput): Promise<Page<ProspectListItem>> {
  const q = input.q?.trim() ? normalizeSearchQuery(input.q, ctx.settings.defaultPhoneRegion) : undefined;
  if (input.sequence) return inSequence(ctx, { ...input, sequence: input.sequence }, q);
  if (input.status) throw new InvalidQueryError('status', 'status lists the enrollments of one sequence: give sequence too');
  if (!q) throw new InvalidQueryError('q', 'give q (an email, a phone, or the start of a name or company), or sequence');
  return ctx.store.searchProspects({ q, limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) });
}

async function inSequence(ctx: UseCaseContext, input: ListProspectsInput & { sequence: string }, q: string | undefined): Promise<Page<ProspectListItem>> {
  const page = await ctx.store.listEnrollmentsBySequence({
    sequenceId: input.sequence,
    ...(input.status ? { status: input.status } : {}),
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const ids = [...new Set(page.items.map((e) => e.prospectId))];
  const { prospects } = ids.length > 0 ? await ctx.store.getEnrollmentsAndSuppressions([], [], ids) : { prospects: new Map<string, Prospect>() };
  const matches = q ? matcherOf(q) : () => true;
  const items: ProspectListItem[] = [];
  for (const enrollment of page.items) {
    const prospect = prospects.get(enrollment.prospectId);
    // An enrollment whose profile is gone (erased meanwhile: the index lags) is left out.
    if (!prospect || !matches(prospect)) continue;
    items.push({ ...summaryOf(prospect), enrollments: [{ sequenceId: enrollment.sequenceId, status: enrollment.status }] });
  }
  return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export function summaryOf(prospect: Prospect): ProspectSummary {
  const summary: Record<string, unknown> = { id: prospect.id };
  for (const field of PROSPECT_SUMMARY_FIELDS) if (prospect[field] !== undefined) summary[field] = prospect[field];
  return summary as ProspectSummary;
}

/** The search's rule applied to one profile (search-text.ts). */
function matcherOf(q: string): (prospect: Prospect) => boolean {
  const query = classifySearch(q);
  switch (query.kind) {
    case 'email':
      return (p) => p.email?.toLowerCase() === query.email;
    case 'phone':
      return (p) => p.phone === query.phone;
    case 'text':
      return (p) =>
        searchKeyText(`${p.firstName ?? ''} ${p.lastName ?? ''}`).startsWith(query.text) || searchKeyText(p.company ?? '').startsWith(query.text);
  }
}
