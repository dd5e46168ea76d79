/**
 * Across sequences, a person gets at most `touchesPerPersonPerDay` touches per channel
 * and local day (README "Enrollment rules"). Only people an import left with more than
 * one running enrollment (`Prospect.concurrentEnrollments`) are counted, so the common
 * touch costs nothing: theirs claims the day on the profile (one conditional write)
 * before the touch is claimed, and a touch whose day is used up moves to the window's
 * first opening on a later day.
 */
import { localDay, nextDayOpening, zonesOf } from '../domain/schedule.js';
import type { Enrollment, Prospect } from '../domain/records.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import type { UseCaseContext } from './context.js';
import { prospectIdFor } from '../domain/prospect-input.js';

export const DEFAULT_TOUCHES_PER_PERSON_PER_DAY = 1;

/** Undefined when the touch may go out now; else when it may (the day's touches are taken). */
export async function touchDayOpening(
  ctx: UseCaseContext,
  state: { enrollment: Enrollment; prospect: Prospect; sequence: PublishedSequence; step: StepDefinition; now: Date },
): Promise<Date | undefined> {
  const { enrollment, prospect, sequence, step, now } = state;
  if (!prospect.concurrentEnrollments) return undefined;
  const zones = zonesOf(prospect);
  const { defaultTimezone } = sequence.definition;
  const claim = {
    prospectId: prospect.id,
    channel: step.channel,
    day: localDay(now, zones, defaultTimezone),
    enrollmentId: enrollment.id,
    limit: ctx.settings.touchesPerPersonPerDay ?? DEFAULT_TOUCHES_PER_PERSON_PER_DAY,
  };
  let claimed = await ctx.store.claimTouchDay(claim, prospect.touchDays?.[step.channel]);
  // One phone is one person: an email prospect's text also counts on the day of the phone's
  // own (phone-only) prospect, which another sequence may be texting (a missing one is 'ok').
  const phoneProspectId = step.channel === 'sms' && prospect.phone && prospect.email ? prospectIdFor({ phone: prospect.phone }) : undefined;
  if (claimed === 'ok' && phoneProspectId && phoneProspectId !== prospect.id) {
    claimed = await ctx.store.claimTouchDay({ ...claim, prospectId: phoneProspectId });
  }
  if (claimed === 'ok') return undefined;
  return nextDayOpening(now, step.window ?? sequence.definition.window, step.channel, zones, defaultTimezone);
}
