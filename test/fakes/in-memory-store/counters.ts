import type { CounterStore, DailyCounters, SequenceCounterDelta } from '../../../functions/ports.js';
import { byString, type FakeTables } from './state.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkDay(day: string): string {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new RangeError(`A day must be yyyy-mm-dd, got "${day}"`);
  return day;
}

export class FakeCounters implements CounterStore {
  constructor(private readonly tables: FakeTables) {}

  async addToCounters(delta: SequenceCounterDelta): Promise<void> {
    const entries = Object.entries(delta.deltas);
    for (const [name, amount] of entries) {
      if (name === 'pk' || name === 'sk') throw new Error(`Reserved counter name: ${name}`);
      if (!Number.isFinite(amount)) throw new RangeError(`Counter ${name}: ${amount} is not a finite number`);
    }
    if (entries.length === 0) return;
    if (Number.isNaN(delta.at.getTime())) throw new RangeError('Counter time is not a valid date');
    const day = delta.at.toISOString().slice(0, 10);
    const days = this.tables.counters.get(delta.sequenceId) ?? new Map<string, Record<string, number>>();
    const counters = days.get(day) ?? {};
    for (const [name, amount] of entries) counters[name] = (counters[name] ?? 0) + amount;
    days.set(day, counters);
    this.tables.counters.set(delta.sequenceId, days);
  }

  async getCounters(sequenceId: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const counters of this.tables.counters.get(sequenceId)?.values() ?? []) {
      for (const [name, amount] of Object.entries(counters)) totals[name] = (totals[name] ?? 0) + amount;
    }
    return totals;
  }

  async getDailyCounters(sequenceId: string, fromDay: string, toDay: string): Promise<DailyCounters[]> {
    checkDay(fromDay);
    checkDay(toDay);
    return [...(this.tables.counters.get(sequenceId) ?? new Map<string, Record<string, number>>())]
      .filter(([day]) => day >= fromDay && day <= toDay)
      .sort(([a], [b]) => byString(a, b))
      .map(([day, counters]) => ({ day, counters: { ...counters } }));
  }
}
