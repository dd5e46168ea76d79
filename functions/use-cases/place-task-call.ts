/**
 * Click to call (`POST /tasks/{id}/call`): Twilio rings the rep's phone first; when the
 * rep answers, the TwiML webhook bridges the call to the prospect with the sequence's
 * caller ID (voice-calls.ts). Refused (HTTP 409, with the reason) unless the task is open,
 * its enrollment waits for it, the prospect may be called now (08:00–21:00 in every
 * candidate zone, no `call` suppression) and the rep has a phone (`PUT /me`). The same
 * checks run again when the rep answers: minutes may have passed.
 */
import { callerIdOf } from '../domain/sequence-people-fields.js';
import { callAvailability } from '../domain/task.js';
import { suppressionCheck } from '../domain/touch-decision.js';
import { bridgeCallUrls } from './call-urls.js';
import { actedBy, CallNotPossibleError, loadSequenceVersion, ProviderUnavailableError, TaskNotFoundError, type CallingContext, type UseCaseContext } from './context.js';
import type { Prospect, Task } from '../domain/records.js';
import type { PublishedSequence } from '../domain/sequence.js';

export interface CallableTask {
  task: Task;
  prospect: Prospect & { phone: string };
  sequence: PublishedSequence;
  callerId: string;
}

/** Everything a call of this task needs, or the reason it may not be placed. Read again by the bridge TwiML. */
export async function callableTask(ctx: UseCaseContext, taskId: string): Promise<CallableTask> {
  const task = await ctx.store.getTask(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  if (task.status !== 'open') throw new CallNotPossibleError(`the task is ${task.status}`);
  const [enrollment, prospect, sequence] = await Promise.all([
    ctx.store.getEnrollment(task.enrollmentId),
    ctx.store.getProspect(task.prospectId),
    loadSequenceVersion(ctx, task.sequenceId, task.version),
  ]);
  const waiting = enrollment?.awaitingTask;
  if (!enrollment || !prospect || !sequence || enrollment.status !== 'active' || waiting?.taskId !== task.id || waiting.attempt !== task.attempt) {
    throw new CallNotPossibleError(`this task no longer applies${enrollment ? `: the enrollment is ${enrollment.status}` : ''}`);
  }
  const callSuppression = prospect.phone ? await ctx.store.getSuppression(prospect.phone, 'call') : undefined;
  const availability = callAvailability({
    prospect,
    isSuppressed: suppressionCheck(callSuppression ? [callSuppression] : []),
    now: ctx.clock.now(),
    defaultTimezone: sequence.definition.defaultTimezone,
  });
  if (!availability.callable) throw new CallNotPossibleError(availability.reason);
  const callerId = callerIdOf(sequence.definition);
  if (!callerId) throw new CallNotPossibleError(`sequence ${sequence.id} has no caller ID (sender.voice.from or sender.sms.from)`);
  return { task, prospect: prospect as Prospect & { phone: string }, sequence, callerId };
}

/** `userEmail`: the signed-in rep whose phone rings (their `PUT /me` phone); the actor is the context's. */
export async function placeTaskCall(ctx: CallingContext, input: { taskId: string; userEmail?: string }): Promise<{ callSid: string }> {
  if (!input.userEmail) throw new CallNotPossibleError("click to call rings the signed-in user's phone; the API key has none — sign in as the rep");
  const [{ task, callerId }, user] = await Promise.all([callableTask(ctx, input.taskId), ctx.store.getUser(input.userEmail)]);
  if (!user?.phone) throw new CallNotPossibleError('set your phone number first (PUT /me {"phone": "+1…"}): the call rings it, then connects you');
  const urls = bridgeCallUrls(ctx, task.id);
  const result = await ctx.voice.placeCall({
    to: user.phone,
    from: callerId,
    twimlUrl: urls.twiml,
    statusCallbackUrl: urls.status('rep'),
    statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
    ringTimeoutSeconds: 30,
    purpose: { kind: 'bridge', taskId: task.id },
  });
  switch (result.kind) {
    case 'retryable':
      throw new ProviderUnavailableError(`Twilio could not place the call right now (${result.reason}); try again`);
    case 'permanent':
      throw new CallNotPossibleError(`Twilio refused the call: ${result.reason}`);
    case 'sent':
      break;
  }
  const now = ctx.clock.now().toISOString();
  await ctx.store.appendTimeline([
    {
      prospectId: task.prospectId,
      at: now,
      type: 'call',
      sequenceId: task.sequenceId,
      enrollmentId: task.enrollmentId,
      stepId: task.stepId,
      detail: `click to call: ringing the rep (${result.providerMessageId})`,
      ...actedBy(ctx),
    },
  ]);
  // Best effort: the call's progress is on the timeline whatever happens to this write.
  await ctx.store.replaceTask({ ...task, lastCall: { callSid: result.providerMessageId, at: now, status: 'initiated' }, updatedAt: now }, { status: 'open', attempt: task.attempt });
  ctx.logger.info('click to call placed', { taskId: task.id, callSid: result.providerMessageId });
  return { callSid: result.providerMessageId };
}
