/**
 * Twilio Voice's side of the calls Followup places (handlers/twilio-webhook.ts, signature
 * already verified): the TwiML when a call is answered, and the progress Twilio reports.
 *
 * - Click to call (`k=bridge`): the rep answered; the prospect is dialled with the
 *   sequence's caller ID, after the same checks as before (callable now, not suppressed),
 *   recorded only when the sequence enables it, with its consent notice played to the
 *   prospect first (`k=notice`).
 * - Voicemail drop (`k=vm`): requested after answering machine detection. A machine whose
 *   greeting ended gets the step's message (`<Say>` of the rendered template, or `<Play>` of
 *   its recording); a human gets what the step says (connected to the sequence owner, or a
 *   short message); a fax is hung up on. Recorded on the touch (`answeredBy`) and timeline.
 * - Status callbacks: final statuses and durations on the timeline (and on the touch of a
 *   voicemail drop, conditional on its Call SID, so a repeat changes nothing).
 */
import { counterKeys } from '../domain/enrollment.js';
import { ANSWERED_BY, type AnsweredBy, type Enrollment, type Prospect, type TimelineEvent, type TouchRecord } from '../domain/records.js';
import { callerIdOf } from '../domain/sequence-people-fields.js';
import type { PublishedSequence, StepDefinition } from '../domain/sequence.js';
import { dial, hangup, play, response, say, shortMessageFor } from '../domain/twiml.js';
import { bridgeCallUrls, type CallLeg } from './call-urls.js';
import { CallNotPossibleError, loadSequenceVersion, type UseCaseContext } from './context.js';
import { callableTask } from './place-task-call.js';

export type VoiceTwimlRequest =
  | { kind: 'bridge'; taskId: string; callSid: string }
  | { kind: 'notice'; taskId: string }
  | { kind: 'vm'; enrollmentId: string; run: number; stepIndex: number; callSid: string; answeredBy?: string };

export interface VoiceTwiml {
  twiml: string;
  /** What was decided, for logs and metrics. */
  outcome: 'bridged' | 'refused' | 'notice' | 'message_left' | 'connected_to_rep' | 'short_message' | 'hung_up' | 'unknown_call';
}

/** Renders a voicemail drop's message (Liquid): the handler loads the template engine for this branch only. */
export type VoicemailRenderer = (sequence: PublishedSequence, step: StepDefinition, prospect: Prospect) => Promise<string>;

export async function voiceTwiml(ctx: UseCaseContext, request: VoiceTwimlRequest, renderMessage: VoicemailRenderer): Promise<VoiceTwiml> {
  switch (request.kind) {
    case 'bridge':
      return bridgeTwiml(ctx, request.taskId, request.callSid);
    case 'notice': {
      const task = await ctx.store.getTask(request.taskId);
      const sequence = task ? await loadSequenceVersion(ctx, task.sequenceId, task.version) : undefined;
      const notice = sequence?.definition.recording?.enabled ? sequence.definition.recording.consentNotice : undefined;
      return { twiml: response(...(notice ? [say(notice)] : [])), outcome: 'notice' };
    }
    case 'vm':
      return voicemailTwiml(ctx, request, renderMessage);
  }
}

async function bridgeTwiml(ctx: UseCaseContext, taskId: string, callSid: string): Promise<VoiceTwiml> {
  let callable: Awaited<ReturnType<typeof callableTask>>;
  try {
    callable = await callableTask(ctx, taskId);
  } catch (error) {
    if (!(error instanceof CallNotPossibleError)) throw error;
    ctx.logger.info('click to call refused when the rep answered', { taskId, callSid, reason: error.message });
    return { twiml: response(say(`This call cannot go through: ${error.message}.`), hangup()), outcome: 'refused' };
  }
  const { task, prospect, sequence, callerId } = callable;
  const urls = bridgeCallUrls(ctx, task.id);
  const recording = sequence.definition.recording?.enabled === true;
  const name = [prospect.firstName, prospect.lastName].filter(Boolean).join(' ') || 'the prospect';
  await ctx.store.appendTimeline([callEvent(task, ctx.clock.now().toISOString(), `the rep answered; calling the prospect${recording ? ' (recorded)' : ''}`)]);
  return {
    twiml: response(
      say(`Connecting you to ${name}.`),
      dial(
        { callerId, timeoutSeconds: 30, record: recording },
        {
          number: prospect.phone,
          statusCallback: urls.status('prospect'),
          statusCallbackEvent: 'initiated ringing answered completed',
          ...(recording ? { url: urls.notice } : {}),
        },
      ),
    ),
    outcome: 'bridged',
  };
}

/** What AnsweredBy means for the message: the greeting ended (or detection gave up), a human, a fax. */
function answerKind(answeredBy: AnsweredBy | undefined): 'machine' | 'human' | 'fax' {
  switch (answeredBy) {
    case 'human':
      return 'human';
    case 'fax':
      return 'fax';
    case 'machine_end_beep':
    case 'machine_end_silence':
    case 'machine_end_other':
    case 'machine_start':
    // Detection timed out: leaving the message is the safer guess (a human hears a short, polite message).
    case 'unknown':
    case undefined:
      return 'machine';
  }
}

async function voicemailTwiml(
  ctx: UseCaseContext,
  request: Extract<VoiceTwimlRequest, { kind: 'vm' }>,
  renderMessage: VoicemailRenderer,
): Promise<VoiceTwiml> {
  const found = await voicemailTouch(ctx, request);
  if (!found) {
    ctx.logger.info('voicemail TwiML for an unknown call', { enrollmentId: request.enrollmentId, callSid: request.callSid });
    return { twiml: response(hangup()), outcome: 'unknown_call' };
  }
  const { enrollment, sequence, step, touch } = found;
  const answeredBy = parseAnsweredBy(request.answeredBy);
  const now = ctx.clock.now().toISOString();
  await ctx.store.updateTouchStatus({
    enrollmentId: enrollment.id,
    stepId: touch.stepId,
    providerMessageId: request.callSid,
    status: 'sent',
    from: ['sent'],
    ...(answeredBy ? { answeredBy } : {}),
  });
  const kind = answerKind(answeredBy);
  const prospect = await ctx.store.getProspect(enrollment.prospectId);
  const record = (detail: string) => ctx.store.appendTimeline([{ ...touchEvent(enrollment, touch, now), detail }]);
  if (kind === 'fax') {
    await record('voicemail: a fax answered; hung up');
    return { twiml: response(hangup()), outcome: 'hung_up' };
  }
  if (kind === 'machine') {
    if (!prospect) return { twiml: response(hangup()), outcome: 'unknown_call' };
    const message = step.voicemail?.recordingUrl ? play(step.voicemail.recordingUrl) : say(await renderMessage(sequence, step, prospect));
    await record(`voicemail left (${answeredBy ?? 'no answering machine verdict'})`);
    await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: { [counterKeys.step(step.id, 'answeredByMachine')]: 1 }, at: new Date(now) });
    return { twiml: response(message, hangup()), outcome: 'message_left' };
  }
  await ctx.store.addToCounters({ sequenceId: enrollment.sequenceId, deltas: { [counterKeys.step(step.id, 'answeredByHuman')]: 1 }, at: new Date(now) });
  const definition = sequence.definition;
  const callerId = callerIdOf(definition);
  const rep = step.voicemail?.onHuman === 'connect_rep' ? await ctx.store.getUser(definition.owner) : undefined;
  if (rep?.phone && callerId) {
    await record(`voicemail: a person answered; connected to ${definition.owner}`);
    return {
      twiml: response(say('Hello, please hold for a moment while I connect you.'), dial({ callerId, timeoutSeconds: 30, record: definition.recording?.enabled === true }, { number: rep.phone })),
      outcome: 'connected_to_rep',
    };
  }
  await record(`voicemail: a person answered; short message${step.voicemail?.onHuman === 'connect_rep' ? ` (${definition.owner} has no phone set)` : ''}`);
  const short = shortMessageFor({
    ...(prospect?.firstName ? { firstName: prospect.firstName } : {}),
    senderName: definition.sender.name,
    ...(definition.sender.company ? { company: definition.sender.company } : {}),
  });
  return { twiml: response(say(short), hangup()), outcome: 'short_message' };
}

async function voicemailTouch(
  ctx: UseCaseContext,
  ids: { enrollmentId: string; run: number; stepIndex: number; callSid: string },
): Promise<{ enrollment: Enrollment; sequence: PublishedSequence; step: StepDefinition; touch: TouchRecord } | undefined> {
  const enrollment = await ctx.store.getEnrollment(ids.enrollmentId);
  if (!enrollment || enrollment.run !== ids.run) return undefined;
  const touch = Object.values(enrollment.touches).find((t) => t.stepIndex === ids.stepIndex && t.channel === 'voicemail' && t.providerMessageId === ids.callSid);
  if (!touch) return undefined;
  const sequence = await loadSequenceVersion(ctx, enrollment.sequenceId, enrollment.version);
  const step = sequence?.definition.steps[ids.stepIndex];
  if (!sequence || !step || step.id !== touch.stepId) return undefined;
  return { enrollment, sequence, step, touch };
}

function parseAnsweredBy(value: string | undefined): AnsweredBy | undefined {
  return value && (ANSWERED_BY as readonly string[]).includes(value) ? (value as AnsweredBy) : undefined;
}

export type CallStatusReport =
  | { kind: 'bridge'; taskId: string; leg: CallLeg; callSid: string; status: string; durationSeconds?: number; at?: string }
  | { kind: 'vm'; enrollmentId: string; run: number; stepIndex: number; callSid: string; status: string; durationSeconds?: number; answeredBy?: string; at?: string };

const FINAL_CALL_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;

export type CallStatusOutcome = 'recorded' | 'duplicate' | 'ignored' | 'unknown_call';

export async function recordCallStatus(ctx: UseCaseContext, report: CallStatusReport): Promise<CallStatusOutcome> {
  const status = report.status.toLowerCase();
  if (!(FINAL_CALL_STATUSES as readonly string[]).includes(status)) return 'ignored';
  // Twilio's own timestamp: a repeated callback writes the same timeline entry again.
  const at = report.at ?? ctx.clock.now().toISOString();
  const duration = report.durationSeconds !== undefined ? `, ${report.durationSeconds} s` : '';
  if (report.kind === 'bridge') {
    const task = await ctx.store.getTask(report.taskId);
    if (!task) return 'unknown_call';
    await ctx.store.appendTimeline([callEvent(task, at, `${report.leg === 'rep' ? "the rep's phone" : 'the prospect'}: ${status}${duration}`)]);
    if (task.status === 'open' && task.lastCall?.callSid === report.callSid && report.leg === 'rep') {
      await ctx.store.replaceTask(
        { ...task, lastCall: { ...task.lastCall, status, ...(report.durationSeconds !== undefined ? { durationSeconds: report.durationSeconds } : {}) } },
        { status: 'open', attempt: task.attempt },
      );
    }
    return 'recorded';
  }
  const found = await voicemailTouch(ctx, report);
  if (!found) return 'unknown_call';
  const { enrollment, touch } = found;
  const answeredBy = parseAnsweredBy(report.answeredBy) ?? touch.answeredBy;
  const reached = status === 'completed';
  const written = await ctx.store.updateTouchStatus({
    enrollmentId: enrollment.id,
    stepId: touch.stepId,
    providerMessageId: report.callSid,
    status: reached ? 'delivered' : 'undelivered',
    from: ['sent'],
    ...(answeredBy ? { answeredBy } : {}),
    ...(report.durationSeconds !== undefined ? { durationSeconds: report.durationSeconds } : {}),
    ...(reached ? {} : { error: `call ${status}` }),
  });
  if (written === 'conflict') return 'duplicate';
  await ctx.store.addToCounters({
    sequenceId: enrollment.sequenceId,
    deltas: { [counterKeys.step(touch.stepId, reached ? 'delivered' : 'failed')]: 1 },
    at: new Date(at),
  });
  await ctx.store.appendTimeline([{ ...touchEvent(enrollment, touch, at), detail: `voicemail call ${status}${answeredBy ? ` (answered by ${answeredBy})` : ''}${duration}` }]);
  return 'recorded';
}

function callEvent(task: { prospectId: string; sequenceId: string; enrollmentId: string; stepId: string }, at: string, detail: string): TimelineEvent {
  return { prospectId: task.prospectId, at, type: 'call', sequenceId: task.sequenceId, enrollmentId: task.enrollmentId, stepId: task.stepId, detail };
}

function touchEvent(enrollment: Enrollment, touch: TouchRecord, at: string): TimelineEvent {
  return { prospectId: enrollment.prospectId, at, type: 'call', sequenceId: enrollment.sequenceId, enrollmentId: enrollment.id, stepId: touch.stepId };
}
