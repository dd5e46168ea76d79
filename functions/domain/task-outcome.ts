/**
 * What a logged outcome does (POST /tasks/{id}/outcome): checked against the step, and
 * turned into the one action the enrollment gets. Pure; use-cases/complete-task.ts carries
 * it out.
 */
import { DATED_OUTCOMES, DEFAULT_OUTCOME_ACTIONS, OUTCOMES, type Outcome, type OutcomeAction } from './people-steps.js';
import type { EnrollmentStatus, Task } from './records.js';
import type { StepDefinition } from './sequence.js';

export const MAX_NOTE_LENGTH = 2_000;
export const MAX_FIELD_LENGTH = 500;
/** A call back further out than this is almost certainly a typo (a year for a month). */
export const MAX_CALL_BACK_DAYS = 366;

export interface OutcomeInput {
  outcome: string;
  note?: string;
  fields?: Record<string, string>;
  callBackAt?: Date;
}

export type OutcomeDecision =
  | { action: 'continue' }
  | { action: 'pause_until'; resumeAt: Date }
  | { action: 'stop'; status: Extract<EnrollmentStatus, 'replied' | 'converted' | 'opted_out'>; reason: string; suppressCalls: boolean };

/** A logged outcome that cannot be carried out as given (HTTP 400, naming the field). */
export class OutcomeInputError extends Error {
  override name = 'OutcomeInputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value);
}

/** The action of an outcome at a step: the step's `outcomes:` map, else the defaults. */
export function actionFor(step: Pick<StepDefinition, 'outcomes'>, outcome: Outcome): OutcomeAction {
  return step.outcomes?.[outcome] ?? DEFAULT_OUTCOME_ACTIONS[outcome];
}

export function decideOutcome(step: Pick<StepDefinition, 'id' | 'outcomes' | 'collect'>, input: OutcomeInput, now: Date): OutcomeDecision {
  if (!isOutcome(input.outcome)) {
    throw new OutcomeInputError(`outcome: ${JSON.stringify(input.outcome)} is not an outcome — use ${OUTCOMES.join(', ')}`, 'outcome');
  }
  const outcome = input.outcome;
  checkNote(input.note);
  checkFields(step, input.fields);
  const dated = DATED_OUTCOMES.includes(outcome);
  if (input.callBackAt && !dated) throw new OutcomeInputError(`callBackAt: only ${DATED_OUTCOMES.join(', ')} takes a date`, 'callBackAt');
  const action = actionFor(step, outcome);
  switch (action) {
    case 'continue':
      return { action };
    case 'pause_until': {
      const at = input.callBackAt;
      if (!at) throw new OutcomeInputError(`callBackAt: ${outcome} needs the date to call back (ISO 8601, e.g. 2026-12-01T15:00:00Z)`, 'callBackAt');
      if (at.getTime() <= now.getTime()) throw new OutcomeInputError('callBackAt: must be in the future', 'callBackAt');
      if (at.getTime() > now.getTime() + MAX_CALL_BACK_DAYS * 86_400_000) {
        throw new OutcomeInputError(`callBackAt: at most ${MAX_CALL_BACK_DAYS} days ahead`, 'callBackAt');
      }
      return { action, resumeAt: at };
    }
    case 'stop_replied':
      return { action: 'stop', status: 'replied', reason: `${outcome.replaceAll('_', ' ')} (${step.id})`, suppressCalls: false };
    case 'stop_converted':
      return { action: 'stop', status: 'converted', reason: `${outcome.replaceAll('_', ' ')} (${step.id})`, suppressCalls: false };
    case 'stop_opted_out':
      return { action: 'stop', status: 'opted_out', reason: `asked not to be called (${step.id})`, suppressCalls: true };
  }
}

function checkNote(note: string | undefined): void {
  if (note !== undefined && note.length > MAX_NOTE_LENGTH) throw new OutcomeInputError(`note: at most ${MAX_NOTE_LENGTH} characters`, 'note');
}

/** Only the step's declared `collect` fields, as text; a blank value means "not answered" and is left out. */
function checkFields(step: Pick<StepDefinition, 'id' | 'collect'>, fields: Record<string, string> | undefined): void {
  if (!fields) return;
  const allowed = step.collect ?? [];
  for (const [name, value] of Object.entries(fields)) {
    if (!allowed.includes(name)) {
      throw new OutcomeInputError(
        `fields.${name}: step ${step.id} collects ${allowed.length > 0 ? allowed.join(', ') : 'no fields'}`,
        `fields.${name}`,
      );
    }
    if (typeof value !== 'string') throw new OutcomeInputError(`fields.${name}: must be text`, `fields.${name}`);
    if (value.length > MAX_FIELD_LENGTH) throw new OutcomeInputError(`fields.${name}: at most ${MAX_FIELD_LENGTH} characters`, `fields.${name}`);
  }
}

/** The collected fields worth storing: trimmed, blank ones left out. */
export function collectedValues(fields: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields ?? {})) {
    const trimmed = value.trim();
    if (trimmed) Object.defineProperty(out, name, { value: trimmed, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Whether a submission repeats the outcome already recorded on a task (a double submit: answered, changes nothing). */
export function repeatsRecordedOutcome(task: Pick<Task, 'status' | 'outcome'>, outcome: string): boolean {
  return task.status === 'done' && task.outcome === outcome;
}
