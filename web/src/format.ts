/** How the console writes times, numbers and statuses. */

/** `2026-11-23 08:00` in `zone` (the viewer's when omitted), with the zone's short name. */
export function formatTime(iso: string | undefined, zone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
      ...(zone ? { timeZone: zone } : {}),
    }).format(date);
  } catch {
    // An unknown zone name: show UTC rather than nothing.
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** The viewer's own zone, e.g. `Europe/Berlin`. */
export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)} %`;
}

export function count(value: number | undefined): string {
  return value === undefined ? '—' : value.toLocaleString('en-US');
}

/** `opted_out` → `opted out`. */
export function words(value: string): string {
  return value.replace(/_/g, ' ');
}

export function fullName(p: { firstName?: string; lastName?: string } | undefined): string {
  return [p?.firstName, p?.lastName].filter(Boolean).join(' ');
}
