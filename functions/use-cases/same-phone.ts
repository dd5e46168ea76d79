/**
 * One person per phone, for enroll-chunk.ts: who else holds a row's phone (from the
 * phones' holders items, functions/adapters/dynamodb/keys.ts "phone holders"), and which
 * holders items a chunk writes.
 */
import { mapWithConcurrency } from '../async/concurrency.js';
import { enrollmentIdFor } from '../domain/enrollment.js';
import { prospectIdFor } from '../domain/prospect-input.js';
import type { Prospect } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { EnrollmentReads, PhoneHolders } from '../ports.js';
import type { UseCaseContext } from './context.js';
import type { Person } from './enroll-chunk.js';

/** The distinct phones of the rows (whose lanes the chunk holds). */
export function rowPhones(people: Person[]): string[] {
  return [...new Set(people.flatMap((p) => (p.candidate.prospect.phone ? [p.candidate.prospect.phone] : [])))];
}

/**
 * Other prospect ids of the same person: every prospect whose stored profile holds the
 * row's phone. One request already treats rows sharing a phone as one person; a later
 * request with another email and that phone must too, or the phone gets every SMS twice
 * and a new email launders an opt-out or a reply.
 *
 * They come from the phone holders items read in round 1 (consistent, batched with the
 * rest). A table whose profiles predate holders items (no layout marker) also asks the
 * byPhone index, one Query per phone, and counts an email row's phone-only twin (its id
 * follows from the phone, so it counts before the index shows it). The aliases' profiles
 * and enrollments in this sequence not read yet are one more batch, merged into `first`;
 * an alias whose profile no longer has the phone is not the same person any more.
 */
export async function findAliases(ctx: UseCaseContext, sequence: PublishedSequence, people: Person[], first: EnrollmentReads): Promise<void> {
  const withPhone = people.filter((p) => p.candidate.prospect.phone);
  const candidatesOf = new Map<Person, Set<string>>(
    withPhone.map((person) => [person, new Set(first.phoneHolders.get(person.candidate.prospect.phone as string) ?? [])]),
  );
  if (!first.phoneHoldersComplete) {
    await mapWithConcurrency(withPhone, 8, async (person) => {
      const { prospect } = person.candidate;
      const found = candidatesOf.get(person) as Set<string>;
      if (prospect.email) found.add(prospectIdFor({ phone: prospect.phone as string }));
      for (const id of await ctx.store.findProspectIdsByAddress(prospect.phone as string)) found.add(id);
    });
  }
  const unread = new Set<string>();
  for (const [person, ids] of candidatesOf) {
    ids.delete(person.candidate.prospect.id);
    for (const id of ids) if (!first.prospects.has(id)) unread.add(id);
  }
  if (unread.size > 0) {
    const more = await ctx.store.getEnrollmentsAndSuppressions(
      [...unread].map((id) => enrollmentIdFor(id, sequence.id)),
      [],
      [...unread],
    );
    for (const [id, prospect] of more.prospects) first.prospects.set(id, prospect);
    for (const [id, enrollment] of more.enrollments) first.enrollments.set(id, enrollment);
  }
  for (const [person, ids] of candidatesOf) {
    const phone = person.candidate.prospect.phone;
    person.aliases = [...ids].filter((id) => first.prospects.get(id)?.phone === phone);
  }
}

/**
 * The holders items to write: each row phone's, read in round 1, with the profiles about
 * to be written that hold it and are not listed yet (and without listed ids whose stored
 * profile has another phone now). Only row phones: the chunk holds their lanes.
 */
export function holdersToWrite(profiles: Prospect[], first: EnrollmentReads, rowPhones: ReadonlySet<string>): PhoneHolders[] {
  const changed = new Map<string, Set<string>>();
  for (const prospect of profiles) {
    const { phone } = prospect;
    if (!phone || !rowPhones.has(phone)) continue;
    const listed = first.phoneHolders.get(phone) ?? [];
    if (listed.includes(prospect.id)) continue;
    const stillHolds = (id: string) => {
      const stored = first.prospects.get(id);
      return stored === undefined || stored.phone === phone;
    };
    const ids = changed.get(phone) ?? new Set(listed.filter(stillHolds));
    ids.add(prospect.id);
    changed.set(phone, ids);
  }
  return [...changed].map(([phone, ids]) => ({ phone, prospectIds: [...ids] }));
}
