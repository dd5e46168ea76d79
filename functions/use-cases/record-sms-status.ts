/**
 * Twilio's status callback for an SMS touch (signature verified by the handler). The
 * callback URL we gave Twilio names the touch (`?e=<enrollmentId>&r=<run>&s=<stepIndex>`);
 * the message SID must match the SID recorded on that touch, so a forged or stale
 * callback can never change another touch.
 *
 * - delivered → the touch's status and the step's `delivered` counter (two writes; the
 *   prospect view shows it from the touch's status);
 * - undelivered / failed → status, the step's `failed` counter, the error code, a
 *   timeline entry;
 * - error 21610 (the recipient texted STOP to the carrier / Twilio) → the phone is
 *   suppressed and their running enrollments end as `opted_out`, exactly as if our
 *   webhook had seen the STOP.
 * Intermediate statuses (queued, sending, sent, accepted) change nothing and read
 * nothing: Twilio calls back for each of them, so they are most callbacks. Repeats are
 * no-ops (the status update is conditional), so counters count each message once.
 */
import { addressFor, counterKeys } from '../domain/enrollment.js';
import type { TouchRecord, TouchStatus } from '../domain/records.js';
import type { UseCaseContext } from './context.js';
import { suppressAddress } from './suppress-address.js';

export interface SmsStatusReport {
  enrollmentId: string;
  run: number;
  stepIndex: number;
  messageSid: string;
  /** Twilio's MessageStatus. */
  status: string;
  errorCode?: string;
  /** The number the message went to (Twilio's `To`). */
  to?: string;
}

export type SmsStatusOutcome = 'recorded' | 'duplicate' | 'ignored' | 'unknown_touch';

/** Twilio's error for a recipient who opted out at the carrier (texted STOP to Twilio). */
const CARRIER_OPT_OUT = '21610';

const FINAL: Record<string, { status: TouchStatus; from: readonly TouchStatus[] }> = {
  delivered: { status: 'delivered', from: ['sent'] },
  undelivered: { status: 'undelivered', from: ['sent', 'delivered'] },
  failed: { status: 'failed', from: ['sent', 'delivered'] },
};

export async function recordSmsStatus(ctx: UseCaseContext, report: SmsStatusReport): Promise<SmsStatusOutcome> {
  const ids = { enrollmentId: report.enrollmentId, run: report.run, stepIndex: report.stepIndex, messageSid: report.messageSid };
  const final = FINAL[report.status.toLowerCase()];
  const optedOut = report.errorCode === CARRIER_OPT_OUT;
  if (!final && !optedOut) {
    // Most callbacks of a message are these (queued, sent): answered without a read.
    ctx.logger.debug('SMS status ignored', { ...ids, status: report.status });
    return 'ignored';
  }
  const enrollment = await ctx.store.getEnrollment(report.enrollmentId);
  const touch: TouchRecord | undefined = enrollment
    ? Object.values(enrollment.touches).find(
        (t) => t.stepIndex === report.stepIndex && t.channel === 'sms' && t.providerMessageId === report.messageSid,
      )
    : undefined;

  if (optedOut) {
    // The carrier says this number opted out: whatever happened to the touch record.
    const prospect = enrollment ? await ctx.store.getProspect(enrollment.prospectId) : undefined;
    const phone = (prospect && addressFor(prospect, 'sms')) ?? report.to;
    if (phone) {
      await suppressAddress(ctx, {
        address: phone,
        channel: 'sms',
        reason: 'sms_stop',
        source: 'twilio:21610',
        stopAs: 'opted_out',
        stopReason: 'unsubscribed recipient (Twilio 21610)',
        ...(enrollment ? { prospectIds: [enrollment.prospectId] } : {}),
      });
    }
  }

  if (!final) return 'ignored';
  if (!enrollment || !touch) {
    ctx.logger.info('SMS status for an unknown touch', { ...ids, status: report.status });
    return 'unknown_touch';
  }
  const error = report.errorCode ? `Twilio ${report.errorCode}` : undefined;
  const written = await ctx.store.updateTouchStatus({
    enrollmentId: enrollment.id,
    stepId: touch.stepId,
    providerMessageId: report.messageSid,
    status: final.status,
    from: final.from,
    ...(error && final.status !== 'delivered' ? { error } : {}),
  });
  if (written === 'conflict') {
    ctx.logger.debug('SMS status already recorded', { ...ids, status: report.status });
    return 'duplicate';
  }
  const counter = counterKeys.step(touch.stepId, final.status === 'delivered' ? 'delivered' : 'failed');
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: { [counter]: 1 }, at: ctx.clock.now() });
  if (final.status !== 'delivered') {
    // A delivery gets no row of its own: the touch's status says it (handle-email-event.ts).
    await ctx.store.appendTimeline([
      {
        prospectId: enrollment.prospectId,
        at: ctx.clock.now().toISOString(),
        type: 'undelivered',
        sequenceId: enrollment.sequenceId,
        enrollmentId: enrollment.id,
        stepId: touch.stepId,
        detail: `SMS ${final.status}${error ? ` (${error})` : ''}`,
      },
    ]);
  }
  // A delivery is routine (most messages): debug. Undelivered and failed are what an operator looks for.
  ctx.logger[final.status === 'delivered' ? 'debug' : 'info']('SMS status recorded', { ...ids, status: final.status, errorCode: report.errorCode });
  return 'recorded';
}
