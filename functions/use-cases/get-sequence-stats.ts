/**
 * Sequence statistics from the atomic counters (keys.ts, "Counters"): no scans. Totals, per
 * step (with replies, opt-outs and the reply rate), the last 90 UTC days for a chart, and
 * the funnel. Three requests: the current version, the totals, the 90 days.
 */
import { counterKeys, type StepCounter } from '../domain/enrollment.js';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../domain/records.js';
import type { Channel } from '../domain/sequence.js';
import { SequenceNotFoundError, type UseCaseContext } from './context.js';

/** The days `daily` covers, today included. */
export const STATS_DAYS = 90;

export interface StepStats {
  stepId: string;
  channel: Channel;
  sent: number;
  delivered: number;
  failed: number;
  skipped: number;
  /** The same as `replied`, under its first name. */
  replies: number;
  replied: number;
  optedOut: number;
  /** Email only, from SES events (opens need the tracking pixel SES adds). */
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  /** replied ÷ sent; null when nothing was sent. */
  replyRate: number | null;
  /** Conversions credited to this step: the last one that reached the prospect before it. */
  converted: number;
  /** Call and task steps: tasks made (re-opened ones included) and outcomes logged. */
  tasks: number;
  done: number;
}

const DAILY_COUNTERS = ['sent', 'delivered', 'opened', 'clicked', 'replied', 'optedOut', 'bounced', 'failed'] as const satisfies readonly StepCounter[];
export type DailyStats = { day: string } & Record<(typeof DAILY_COUNTERS)[number], number>;

export interface SequenceStats {
  sequenceId: string;
  version: number;
  enrolled: number;
  enrollments: Record<EnrollmentStatus, number>;
  steps: StepStats[];
  daily: DailyStats[];
  funnel: { enrolled: number; touched: number; replied: number; optedOut: number; bounced: number; completed: number; converted: number };
  /** Replies ÷ touches sent, all steps. */
  replyRate: number | null;
}

export async function getSequenceStats(ctx: UseCaseContext, sequenceId: string): Promise<SequenceStats> {
  const today = ctx.clock.now();
  const days = lastDays(today, STATS_DAYS);
  const [sequence, counters, daily] = await Promise.all([
    ctx.store.getCurrentSequence(sequenceId),
    ctx.store.getCounters(sequenceId),
    ctx.store.getDailyCounters(sequenceId, days[0] as string, days[days.length - 1] as string),
  ]);
  if (!sequence) throw new SequenceNotFoundError(sequenceId);
  const count = (key: string) => Math.max(0, counters[key] ?? 0);
  const enrollments = Object.fromEntries(
    ENROLLMENT_STATUSES.map((status) => [status, count(counterKeys.status(status))]),
  ) as Record<EnrollmentStatus, number>;
  const steps = sequence.definition.steps.map((step): StepStats => {
    const of = (what: StepCounter) => count(counterKeys.step(step.id, what));
    const sent = of('sent');
    const replied = of('replied');
    return {
      stepId: step.id,
      channel: step.channel,
      sent,
      delivered: of('delivered'),
      failed: of('failed'),
      skipped: of('skipped'),
      replies: replied,
      replied,
      optedOut: of('optedOut'),
      opened: of('opened'),
      clicked: of('clicked'),
      bounced: of('bounced'),
      complained: of('complained'),
      replyRate: rate(replied, sent),
      converted: of('converted'),
      tasks: of('tasks'),
      done: of('done'),
    };
  });
  const sum = (what: 'sent' | 'replied') => steps.reduce((total, step) => total + step[what], 0);
  return {
    sequenceId,
    version: sequence.version,
    enrolled: count(counterKeys.enrolled),
    enrollments,
    steps,
    daily: dailySeries(days, daily, sequence.definition.steps.map((s) => s.id)),
    funnel: {
      enrolled: count(counterKeys.enrolled),
      touched: count(counterKeys.touched),
      // Stopped by their reply, or replied and kept going (stopOnReply: false).
      replied: enrollments.replied + count(counterKeys.repliedAndContinued),
      optedOut: enrollments.opted_out,
      bounced: enrollments.bounced,
      completed: enrollments.completed,
      converted: enrollments.converted,
    },
    replyRate: rate(sum('replied'), sum('sent')),
  };
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/** `yyyy-mm-dd` of the last `n` UTC days, oldest first, today last. */
export function lastDays(today: Date, n: number): string[] {
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: n }, (_, i) => new Date(midnight - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** Every day present (zeros where nothing happened), each counter summed over the steps. */
function dailySeries(days: string[], stored: { day: string; counters: Record<string, number> }[], stepIds: string[]): DailyStats[] {
  const byDay = new Map(stored.map((entry) => [entry.day, entry.counters]));
  return days.map((day) => {
    const counters = byDay.get(day) ?? {};
    const row = { day } as DailyStats;
    for (const what of DAILY_COUNTERS) {
      row[what] = Math.max(0, stepIds.reduce((total, stepId) => total + (counters[counterKeys.step(stepId, what)] ?? 0), 0));
    }
    return row;
  });
}
