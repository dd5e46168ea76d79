/**
 * Option values the commands share, parsed before any request: a bad one is a usage error
 * (exit 2) that names the option.
 */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

const LOOKBACK_UNITS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/**
 * `--since`: a lookback (`30m`, `12h`, `1d`, `2 weeks`), counted back from the server's
 * clock, or an ISO 8601 time with a zone, used as given.
 */
export type Since = { lookbackMs: number } | { at: string };

export function parseSince(value: string): Since {
  const text = value.trim();
  const [, amount, unitName] = /^(\d+)\s*([a-z]+)$/i.exec(text) ?? [];
  const unit = unitName ? LOOKBACK_UNITS[unitName.toLowerCase()] : undefined;
  if (unit) return { lookbackMs: Number(amount) * unit };
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && /(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))) return { at: text };
  throw new InvalidArgumentError(`expected a lookback like 30m, 12h, 1d or 2w, or an ISO time with a zone like 2026-11-23T00:00:00Z; got ${JSON.stringify(value)}`);
}

/** The instant `--since` names, given the server's time. */
export function sinceInstant(since: Since, serverNow: Date): string {
  return 'at' in since ? since.at : new Date(serverNow.getTime() - since.lookbackMs).toISOString();
}
