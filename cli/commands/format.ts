/** Small formatters the commands share. */

/** A compiled wait (`{amount: 2, unit: 'days'}`) as sequence.yaml would say it. */
export function formatWait(wait: unknown): string {
  if (!wait || typeof wait !== 'object') return String(wait ?? '-');
  const { amount, unit } = wait as { amount?: number; unit?: string };
  if (amount === 0) return '0';
  const words: Record<string, string> = { minutes: 'minute', hours: 'hour', days: 'day', businessDays: 'business day' };
  const word = words[unit ?? ''] ?? unit ?? '';
  return `${amount} ${word}${amount === 1 ? '' : 's'}`;
}

/** A prospect's name, or nothing. */
export function fullName(person: { firstName?: string | undefined; lastName?: string | undefined } | undefined): string | undefined {
  const name = [person?.firstName, person?.lastName].filter(Boolean).join(' ');
  return name || undefined;
}
