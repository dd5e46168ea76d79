/**
 * Whether an import may enroll a person into a sequence (README "Enrollment rules"),
 * decided from what the enroll use case read in its batches. Pure.
 *
 * In order:
 * 1. the same person (another prospect id with the same phone) runs in this sequence → skip;
 * 2. the prospect's own enrollment in this sequence is running → skip (its schedule is re-ensured);
 * 3. the consent ledger has an entry for any of the person's addresses: a reply, an
 *    opt-out, a bounce, a complaint, an erasure → skip, saying what happened and when.
 *    Only an explicit consent (`POST /prospects/{id}/consent`, or an SMS START for a STOP)
 *    removes such an entry;
 * 4. the prospect went through this sequence before (the run ended) → skip, unless the
 *    request says `reenroll`;
 * 5. the person runs in another sequence → skip, unless this sequence says `allowConcurrent`;
 * 6. enroll (a new run after an ended one).
 */
import { isEnded } from './enrollment.js';
import type { Enrollment, ReplyRecord, Suppression } from './records.js';
import type { SequenceDefinition } from './sequence.js';

/** The person's enrollment in another sequence, with that sequence's name when known. */
export interface OtherEnrollment {
  enrollment: Enrollment;
  sequenceName?: string;
}

export interface EnrollmentFacts {
  sequence: Pick<SequenceDefinition, 'id' | 'allowConcurrent'>;
  /** The prospect's enrollment in this sequence. */
  previous?: Enrollment;
  /** Enrollments in this sequence of other prospect ids of the same person (same phone). */
  twins: readonly Enrollment[];
  /** The person's enrollments in other sequences (all prospect ids of the person). */
  others: readonly OtherEnrollment[];
  /** Ledger entries of every address of the person. */
  suppressions: readonly Suppression[];
  replies: readonly ReplyRecord[];
  /** The request's `reenroll`. */
  reenroll: boolean;
}

export type EnrollmentRuling =
  | { kind: 'enroll'; run: number; previous?: Enrollment; concurrent: boolean }
  | { kind: 'skip'; reason: string; enrollmentId?: string; running?: Enrollment };

export function decideEnrollment(facts: EnrollmentFacts): EnrollmentRuling {
  const { previous, sequence } = facts;
  const twin = facts.twins.find((other) => !isEnded(other.status));
  if (twin) {
    return {
      kind: 'skip',
      enrollmentId: twin.id,
      reason: `already ${twin.status} in this sequence as prospect ${twin.prospectId} (same phone)`,
    };
  }
  if (previous && !isEnded(previous.status)) {
    return { kind: 'skip', enrollmentId: previous.id, reason: `already ${previous.status} in this sequence`, running: previous };
  }
  const blocked = ledgerReasons(facts.suppressions, facts.replies);
  if (blocked.length > 0) return { kind: 'skip', reason: blocked.join('; '), ...(previous ? { enrollmentId: previous.id } : {}) };
  if (previous && !facts.reenroll) {
    return {
      kind: 'skip',
      enrollmentId: previous.id,
      reason: `already went through this sequence on ${dayOf(previous.endedAt ?? previous.updatedAt)} (${previous.status}); send reenroll: true to enroll again`,
    };
  }
  const running = facts.others.filter((other) => !isEnded(other.enrollment.status));
  const [first] = running;
  if (first && !sequence.allowConcurrent) {
    const name = first.sequenceName ? `"${first.sequenceName}" (${first.enrollment.sequenceId})` : first.enrollment.sequenceId;
    return {
      kind: 'skip',
      reason: `already ${first.enrollment.status} in another sequence: ${name}; one sequence at a time unless this one says allowConcurrent: true`,
    };
  }
  return { kind: 'enroll', run: (previous?.run ?? 0) + 1, ...(previous ? { previous } : {}), concurrent: running.length > 0 };
}

/** What the ledger says about the person, one phrase per entry, oldest first. */
export function ledgerReasons(suppressions: readonly Suppression[], replies: readonly ReplyRecord[]): string[] {
  const entries: { at: string; text: string }[] = [
    ...replies.map((reply) => ({ at: reply.at, text: replyReason(reply) })),
    ...suppressions.map((suppression) => ({ at: suppression.createdAt, text: suppressionReason(suppression) })),
  ];
  return [...new Set(entries.sort((a, b) => a.at.localeCompare(b.at)).map((entry) => entry.text))];
}

export function replyReason(reply: ReplyRecord): string {
  return `replied by ${reply.channel === 'sms' ? 'SMS' : 'email'} on ${dayOf(reply.at)} (sequence ${reply.sequenceId})`;
}

/** "opted out of email on 2026-12-03 (one-click unsubscribe)", from the entry's reason and source. */
export function suppressionReason(suppression: Suppression): string {
  const day = dayOf(suppression.createdAt);
  const channel = suppression.channel === 'sms' ? 'SMS' : suppression.channel === 'call' ? 'calls' : 'email';
  const source = describeSource(suppression.source);
  switch (suppression.reason) {
    case 'unsubscribe':
    case 'sms_stop':
      return `opted out of ${channel} on ${day} (${source})`;
    case 'bounce':
      return `${channel} bounced on ${day} (${source})`;
    case 'complaint':
      return `marked our ${channel} as spam on ${day} (${source})`;
    case 'manual':
      return `${channel} suppressed by hand on ${day} (${source})`;
    case 'erased':
      return `erased on ${day} (${source})`;
  }
}

/** Ledger sources (`unsubscribe:one-click`, `twilio:STOP`, `ses:bounce:General`…) as a person reads them. */
export function describeSource(source: string): string {
  const [kind = '', detail = '', extra] = source.split(/[:;]/).map((part) => part.trim());
  const erased = /;\s*erased$/.test(source) ? ', then erased' : '';
  switch (kind) {
    case 'unsubscribe':
      return `${UNSUBSCRIBE_SOURCES.get(detail) ?? 'unsubscribed'}${erased}`;
    case 'twilio':
      if (detail === '21610') return `Twilio reports the number unsubscribed (21610)${erased}`;
      return `texted ${detail.replace(/^OptOutType=/, '') || 'STOP'}${erased}`;
    case 'ses':
      if (detail === 'bounce') return `${extra && extra !== 'General' ? `permanent bounce, ${extra}` : 'permanent bounce'}${erased}`;
      if (detail === 'complaint') return `complaint${extra ? `: ${extra}` : ''}${erased}`;
      return `${source}`;
    case 'erasure request':
      return 'erasure request';
    default:
      return source;
  }
}

const UNSUBSCRIBE_SOURCES: ReadonlyMap<string, string> = new Map([
  ['one-click', 'one-click unsubscribe'],
  ['link', 'unsubscribe link'],
  ['mailto', 'unsubscribe email'],
  ['reply', 'asked to be removed in a reply'],
]);

/** `yyyy-mm-dd` (UTC) of an ISO instant. */
function dayOf(at: string): string {
  return at.slice(0, 10);
}
