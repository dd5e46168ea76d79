/**
 * A prospect with its enrollments and one timeline, oldest first. Touches (and steps
 * skipped at enrollment) live on the enrollment item, so sending costs no extra write;
 * they are merged into the timeline here.
 */
import { enrollmentHistory } from '../domain/enrollment-history.js';
import { localTimeOf } from '../domain/local-time.js';
import type { Enrollment, Prospect, TimelineEvent } from '../domain/records.js';
import { ProspectNotFoundError, type UseCaseContext } from './context.js';

export interface ProspectView {
  prospect: Prospect;
  /** With the next touch in the prospect's zone (`nextTouchLocal`) when it has one. */
  enrollments: (Enrollment & { nextTouchLocal?: string })[];
  /** Each entry's time in the prospect's zone (`atLocal`) when it has one. */
  timeline: (TimelineEvent & { atLocal?: string })[];
  /** The zone the `…Local` times are in. */
  timezone?: string;
}

export async function getProspect(ctx: UseCaseContext, prospectId: string): Promise<ProspectView> {
  const [prospect, enrollments, events] = await Promise.all([
    ctx.store.getProspect(prospectId),
    ctx.store.listEnrollments(prospectId),
    ctx.store.listTimeline(prospectId),
  ]);
  if (!prospect) throw new ProspectNotFoundError(prospectId);

  const recorded: TimelineEvent[] = enrollments.flatMap(enrollmentHistory);
  // send_failed and step_skipped events of the touch worker are also written to the
  // timeline (with the code); keep only one of each.
  const timeline = dedupe([...events, ...recorded]).sort(
    (a, b) => a.at.localeCompare(b.at) || rank(a) - rank(b),
  );
  // A prospect without a known zone is touched in each sequence's default zone: no single local time to show.
  const zone = prospect.timezone;
  const local = (at: string | undefined) => (zone && at ? localTimeOf(at, zone, 'UTC')?.local : undefined);
  return {
    prospect: withZoneSource(prospect),
    enrollments: enrollments.map((e) => {
      const nextTouchLocal = local(e.nextTouchAt);
      return nextTouchLocal ? { ...e, nextTouchLocal } : e;
    }),
    timeline: timeline.map((event) => {
      const atLocal = local(event.at);
      return atLocal ? { ...event, atLocal } : event;
    }),
    ...(zone ? { timezone: zone } : {}),
  };
}

/** Prospects stored before zones were inferred have no source: their zone, if any, was given. */
function withZoneSource(prospect: Prospect): Prospect {
  if (prospect.timezoneSource) return prospect;
  return { ...prospect, timezoneSource: prospect.timezone ? 'given' : 'default' };
}

/** Events recorded in the same instant read best as cause before effect: the send, then the skips it planned. */
const ORDER: TimelineEvent['type'][] = ['enrolled', 'sent', 'send_failed', 'step_skipped'];
function rank(event: TimelineEvent): number {
  const index = ORDER.indexOf(event.type);
  return index === -1 ? ORDER.length : index;
}

function dedupe(events: TimelineEvent[]): TimelineEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    const key = `${event.at}|${event.type}|${event.enrollmentId ?? ''}|${event.stepId ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
