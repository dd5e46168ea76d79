/**
 * Times a person reads, in the prospect's zone (`…Local` fields of the API): ISO 8601 with
 * the zone's offset, e.g. `2026-11-23T09:00:00-05:00`. An unknown or missing zone falls back
 * like scheduling does (domain/schedule.ts `resolveTimezone`). Pure.
 */
import { DateTime } from 'luxon';
import { resolveTimezone } from './schedule.js';

export function localTimeOf(instant: string, timezone: string | undefined, defaultTimezone: string): { local: string; timezone: string } | undefined {
  const zone = resolveTimezone(timezone, defaultTimezone);
  const at = DateTime.fromISO(instant, { zone: 'utc' });
  if (!at.isValid) return undefined;
  const local = at.setZone(zone).toISO({ suppressMilliseconds: true });
  return local ? { local, timezone: zone } : undefined;
}
