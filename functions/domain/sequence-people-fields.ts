/**
 * The `sequence.yaml` fields of people steps (call, voicemail, task) and the sequence
 * fields they bring (`exitOn`, `recording`, `sender.voice`): their zod schemas and the
 * cross-field checks compileSequence runs. Messages name the step and the field, like the
 * rest of the sequence's (sequence-issues.ts).
 */
import * as z from '../zod.js';
import {
  DATED_OUTCOMES,
  DEFAULT_OUTCOME_ACTIONS,
  ON_HUMAN_ACTIONS,
  OUTCOME_ACTIONS,
  OUTCOMES,
  isPeopleChannel,
  isTaskChannel,
  type Outcome,
  type OutcomeAction,
} from './people-steps.js';
import type { SequenceDefinition, StepDefinition } from './sequence.js';
import { ATTRIBUTE_NAME, ATTRIBUTE_NAME_HINT, parseWait } from './sequence-fields.js';

const E164 = /^\+[1-9]\d{6,14}$/;
/** Outside event names (`POST /prospects/{id}/events {name}`): `meeting_booked`, `deal.won`… */
export const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const EVENT_NAME_HINT = 'use letters, digits, "_", "." and "-", starting with a letter (at most 64), e.g. meeting_booked';
const MAX_PURPOSE = 300;
const MAX_COLLECT = 20;

const emailAddress = z.email({ error: (issue) => `${JSON.stringify(issue.input)} is not a valid email address` });

const httpsUrl = z.string().check(
  z.maxLength(2000),
  z.refine((value) => {
    try {
      return new URL(value).protocol === 'https:';
    } catch {
      return false;
    }
  }, { error: (issue) => `${JSON.stringify(issue.input)} is not an https:// URL of an audio file (mp3 or wav)` }),
);

const outcomesField = z.pipe(
  z.record(z.string(), z.unknown()),
  z.transform((value, ctx): Partial<Record<Outcome, OutcomeAction>> => {
    const out: Partial<Record<Outcome, OutcomeAction>> = {};
    for (const [outcome, action] of Object.entries(value)) {
      if (!(OUTCOMES as readonly string[]).includes(outcome)) {
        ctx.issues.push({ code: 'custom', message: `"${outcome}" is not an outcome — use ${OUTCOMES.join(', ')}`, input: value, path: [outcome] });
        continue;
      }
      if (typeof action !== 'string' || !(OUTCOME_ACTIONS as readonly string[]).includes(action)) {
        ctx.issues.push({ code: 'custom', message: `${JSON.stringify(action)} is not an action — use ${OUTCOME_ACTIONS.join(', ')}`, input: action, path: [outcome] });
        continue;
      }
      if (action === 'pause_until' && !DATED_OUTCOMES.includes(outcome as Outcome)) {
        ctx.issues.push({ code: 'custom', message: `pause_until needs a date, and only ${DATED_OUTCOMES.join(', ')} carries one`, input: action, path: [outcome] });
        continue;
      }
      out[outcome as Outcome] = action as OutcomeAction;
    }
    return out;
  }),
);

/** A field read by one of the sequence-fields parsers, which answer a value or a message. */
const durationField = z.pipe(
  z.unknown(),
  z.transform((value: unknown, ctx) => {
    const parsed = parseWait(value);
    if (typeof parsed === 'string') {
      ctx.issues.push({ code: 'custom', message: parsed.replace('is not a valid wait', 'is not a valid duration'), input: value });
      return z.NEVER;
    }
    return parsed;
  }),
);

/** The people-step fields of a step (spread into the step schema). */
export const peopleStepFields = {
  purpose: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PURPOSE))),
  assignee: z.optional(emailAddress),
  dueWithin: z.optional(durationField),
  collect: z.optional(
    z.array(z.string().check(z.regex(ATTRIBUTE_NAME, { error: (issue) => `${JSON.stringify(issue.input)} is not a valid attribute name — ${ATTRIBUTE_NAME_HINT}` }))).check(
      z.maxLength(MAX_COLLECT, { error: `at most ${MAX_COLLECT} fields` }),
    ),
  ),
  outcomes: z.optional(outcomesField),
  voicemail: z.optional(
    z.strictObject({
      recordingUrl: z.optional(httpsUrl),
      onHuman: z._default(z.enum(ON_HUMAN_ACTIONS, { error: (issue) => `${JSON.stringify(issue.input)} is not allowed — use ${ON_HUMAN_ACTIONS.join(' or ')}` }), 'short_message'),
    }),
  ),
};

/** The sequence-level fields people steps bring (spread into the sequence schema). */
export const peopleSequenceFields = {
  exitOn: z.optional(
    z.array(z.string().check(z.regex(EVENT_NAME, { error: (issue) => `${JSON.stringify(issue.input)} is not an event name — ${EVENT_NAME_HINT}` }))).check(
      z.maxLength(20, { error: 'at most 20 event names' }),
    ),
  ),
  recording: z.optional(
    z.strictObject({
      enabled: z.boolean(),
      consentNotice: z.optional(z.string().check(z.trim(), z.maxLength(500))),
    }),
  ),
};

export const voiceSenderField = z.optional(
  z.strictObject({
    from: z.string().check(z.regex(E164, { error: (issue) => `${JSON.stringify(issue.input)} is not an E.164 number like +14155550123` })),
  }),
);

type RawStep = { [K in keyof typeof peopleStepFields]?: z.infer<(typeof peopleStepFields)[K]> };

/** The people-step fields of a step as compiled: only those given (so the content hash of other steps is unchanged). */
export function compilePeopleStepFields(step: { channel: StepDefinition['channel'] } & RawStep): Partial<StepDefinition> {
  const fields: Partial<StepDefinition> = {};
  if (step.purpose !== undefined) fields.purpose = step.purpose;
  if (step.assignee !== undefined) fields.assignee = step.assignee.toLowerCase();
  if (step.dueWithin !== undefined) fields.dueWithin = step.dueWithin;
  if (step.collect !== undefined) fields.collect = [...new Set(step.collect)];
  if (isTaskChannel(step.channel)) fields.outcomes = { ...DEFAULT_OUTCOME_ACTIONS, ...step.outcomes };
  if (step.channel === 'voicemail') {
    fields.voicemail = {
      onHuman: step.voicemail?.onHuman ?? 'short_message',
      ...(step.voicemail?.recordingUrl ? { recordingUrl: step.voicemail.recordingUrl } : {}),
    };
  }
  return fields;
}


/** The caller ID of a sequence's calls and voicemail drops: `sender.voice.from`, else the SMS number. */
export function callerIdOf(definition: Pick<SequenceDefinition, 'sender'>): string | undefined {
  return definition.sender.voice?.from ?? definition.sender.sms?.from;
}

/**
 * Cross-field rules of people steps, as lines naming the step and the field:
 * - every people step says its purpose;
 * - task-only fields (assignee, dueWithin, collect, outcomes) only on call and task steps,
 *   voicemail options only on voicemail steps;
 * - calls and voicemail drops need a caller ID (`sender.voice.from` or `sender.sms.from`);
 * - recording needs its consent notice.
 */
export function checkPeopleSteps(definition: SequenceDefinition, raw: readonly RawStep[], yamlFile: string): string[] {
  const problems: string[] = [];
  definition.steps.forEach((step, index) => {
    const at = `${yamlFile}: step "${step.id}" (steps[${index}])`;
    const given = raw[index] ?? {};
    if (!isPeopleChannel(step.channel)) {
      for (const field of Object.keys(peopleStepFields) as (keyof RawStep)[]) {
        if (given[field] !== undefined) problems.push(`${at}: ${field} only applies to call, voicemail and task steps`);
      }
      return;
    }
    if (!step.purpose) problems.push(`${at}: purpose: is required — one line saying why ("The reason I'm calling is…")`);
    if (!isTaskChannel(step.channel)) {
      for (const field of ['assignee', 'dueWithin', 'collect', 'outcomes'] as const) {
        if (given[field] !== undefined) problems.push(`${at}: ${field} only applies to call and task steps (a voicemail drop is placed by the engine)`);
      }
    }
    if (step.channel !== 'voicemail' && given.voicemail !== undefined) problems.push(`${at}: voicemail only applies to voicemail steps`);
  });
  const voiceStep = definition.steps.find((s) => s.channel === 'call' || s.channel === 'voicemail');
  if (voiceStep && !callerIdOf(definition)) {
    problems.push(`${yamlFile}: sender.voice.from (or sender.sms.from), an E.164 Twilio number, is required as the caller ID because step "${voiceStep.id}" places calls`);
  }
  if (definition.recording?.enabled && !definition.recording.consentNotice) {
    problems.push(`${yamlFile}: recording.consentNotice is required when recording is enabled — it is played to the prospect before the call connects (e.g. "This call may be recorded.")`);
  }
  return problems;
}

/** Collected fields are prospect attributes: declared (with a sample) so later templates may use them. */
export function withCollectedAttributes(definition: SequenceDefinition): Record<string, string> {
  const attributes = { ...definition.attributes };
  for (const step of definition.steps) {
    for (const field of step.collect ?? []) if (!Object.hasOwn(attributes, field)) attributes[field] = `(${field})`;
  }
  return attributes;
}
