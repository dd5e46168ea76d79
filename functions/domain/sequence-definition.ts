/**
 * A sequence as a marketer writes it (`templates/<sequence-id>/sequence.yaml` plus
 * one template file per step), validated and compiled into what gets published.
 *
 * Every problem is collected (one per line) and names the file, the step and the
 * field or variable, because the person reading it edits YAML, not TypeScript.
 */
import { createHash } from 'node:crypto';
import * as z from '../zod.js';
import { canonicalZone, DEFAULT_WINDOW, effectiveWindow, SMS_QUIET_HOURS_END, SMS_QUIET_HOURS_START } from './schedule.js';
import { CALL_HOURS } from './people-steps.js';
import { STOP_ON_REPLY_FROM, type PublishedSequence, type SequenceDefinition, type StepDefinition, type StepTemplate } from './sequence.js';
import { parseTemplateFile, templateChannelOf, type TemplatePart } from './template-file.js';
import { validateTemplates } from './templates.js';
import { isValidZone, parseAttributeSamples, parseWait, parseWindow } from './sequence-fields.js';
import { formatIssues } from './sequence-issues.js';
import { SLUG, SLUG_HINT } from './ids.js';
import { CHANNELS } from './sequence.js';
import {
  checkPeopleSteps,
  compilePeopleStepFields,
  peopleSequenceFields,
  peopleStepFields,
  voiceSenderField,
  withCollectedAttributes,
} from './sequence-people-fields.js';

export { parseWait } from './sequence-fields.js';

export class SequenceValidationError extends Error {
  override name = 'SequenceValidationError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const TEMPLATE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_STEPS = 50;

const emailAddress = z.email({ error: (issue) => `${JSON.stringify(issue.input)} is not a valid email address` });

/** A field read by one of the sequence-fields parsers, which answer a value or a message. */
function parsedWith<T>(parse: (value: unknown) => T) {
  return z.transform((value: unknown, ctx): Exclude<T, string> => {
    const parsed = parse(value);
    if (typeof parsed === 'string') {
      ctx.issues.push({ code: 'custom', message: parsed, input: value });
      return z.NEVER;
    }
    return parsed as Exclude<T, string>;
  });
}

const windowField = z.pipe(z.unknown(), parsedWith(parseWindow));

const stepSchema = z.strictObject({
  id: z.string().check(z.regex(SLUG, { error: (issue) => `${JSON.stringify(issue.input)} is not a valid step id — ${SLUG_HINT}` })),
  channel: z.enum(CHANNELS, { error: (issue) => `${JSON.stringify(issue.input)} is not a channel — use ${CHANNELS.slice(0, -1).join(', ')} or ${CHANNELS.at(-1)}` }),
  wait: z.pipe(z.unknown(), parsedWith(parseWait)),
  template: z.string().check(z.regex(TEMPLATE_FILE, { error: 'must be a file name inside the sequence folder (no slashes)' })),
  window: z.optional(windowField),
  newThread: z.optional(z.boolean()),
  ...peopleStepFields,
});

export const sequenceDefinitionSchema = z.strictObject({
  id: z.optional(z.string()),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(120))),
  description: z.optional(z.string().check(z.maxLength(2000))),
  owner: emailAddress,
  defaultTimezone: z.string().check(
    z.refine(isValidZone, {
      error: (issue) => `${JSON.stringify(issue.input)} is not an IANA time zone (e.g. America/New_York, Europe/Berlin)`,
    }),
  ),
  window: z.optional(windowField),
  stopOnReply: z._default(z.boolean(), true),
  stopOnReplyFrom: z.optional(
    z.enum(STOP_ON_REPLY_FROM, {
      error: (issue) => `${JSON.stringify(issue.input)} is not allowed — use prospect (the replier only) or account (everyone at the replier's company domain)`,
    }),
  ),
  allowConcurrent: z.optional(z.boolean()),
  onPermanentFailure: z._default(
    z.enum(['skip_step', 'fail_enrollment'], {
      error: (issue) => `${JSON.stringify(issue.input)} is not allowed — use skip_step or fail_enrollment`,
    }),
    'skip_step',
  ),
  sender: z.strictObject({
    name: z.string().check(z.trim(), z.minLength(1)),
    company: z.optional(z.string().check(z.trim(), z.minLength(1))),
    title: z.optional(z.string().check(z.trim(), z.minLength(1))),
    // `email: dana@example.com` is shorthand for `email: { from: dana@example.com }`.
    email: z.optional(
      z.pipe(
        z.transform((value: unknown) => (typeof value === 'string' ? { from: value } : value)),
        z.strictObject({ from: emailAddress, replyTo: z.optional(emailAddress) }),
      ),
    ),
    sms: z.optional(
      z.strictObject({
        from: z.optional(
          z.string().check(z.regex(E164, { error: (issue) => `${JSON.stringify(issue.input)} is not an E.164 number like +14155550123` })),
        ),
        messagingServiceSid: z.optional(z.string().check(z.regex(MESSAGING_SERVICE_SID, { error: 'must be "MG" followed by 32 hex digits' }))),
      }),
    ),
    voice: voiceSenderField,
  }),
  attributes: z.pipe(z.optional(z.unknown()), parsedWith(parseAttributeSamples)),
  steps: z.array(stepSchema).check(z.minLength(1, { error: 'needs at least one step' }), z.maxLength(MAX_STEPS, { error: `at most ${MAX_STEPS} steps` })),
  ...peopleSequenceFields,
});

export interface CompileSequenceInput {
  id: string;
  /** sequence.yaml, already parsed from YAML. */
  definition: unknown;
  /** Template file sources by file name (as the steps' `template` name them). */
  templates: Record<string, string>;
  /** Folder named in messages; default `templates/<id>`. */
  location?: string;
}

export type CompiledSequence = Omit<PublishedSequence, 'version' | 'publishedAt'>;

/** Email steps reply in the thread of the previous email unless they start a new one. */
export function isThreadedStep(definition: Pick<SequenceDefinition, 'steps'>, stepIndex: number): boolean {
  const step = definition.steps[stepIndex];
  if (step?.channel !== 'email' || step.newThread) return false;
  return definition.steps.slice(0, stepIndex).some((s) => s.channel === 'email');
}

/** Whether this is the sequence's first SMS step (it carries the opt-out instructions). */
export function isFirstSmsStep(definition: Pick<SequenceDefinition, 'steps'>, stepIndex: number): boolean {
  return definition.steps.findIndex((s) => s.channel === 'sms') === stepIndex && stepIndex >= 0;
}

/** Validates a definition and its templates; throws SequenceValidationError listing every problem. */
export function compileSequence(input: CompileSequenceInput): CompiledSequence {
  const location = input.location ?? `templates/${input.id}`;
  const yamlFile = `${location}/sequence.yaml`;
  const problems: string[] = [];
  if (!SLUG.test(input.id)) problems.push(`${location}: sequence id "${input.id}" is not valid — ${SLUG_HINT}`);

  const parsed = sequenceDefinitionSchema.safeParse(input.definition);
  if (!parsed.success) {
    throw new SequenceValidationError([...problems, ...formatIssues(yamlFile, parsed.error.issues, input.definition)]);
  }
  const raw = parsed.data;
  if (raw.id !== undefined && raw.id !== input.id) {
    problems.push(`${yamlFile}: id: "${raw.id}" does not match the folder name "${input.id}"`);
  }
  const definition: SequenceDefinition = {
    id: input.id,
    name: raw.name ?? input.id,
    ...(raw.description ? { description: raw.description } : {}),
    defaultTimezone: canonicalZone(raw.defaultTimezone),
    owner: raw.owner.toLowerCase(),
    window: raw.window ?? DEFAULT_WINDOW,
    stopOnReply: raw.stopOnReply,
    // Defaults are left out, so a definition that does not use them keeps its content hash.
    ...(raw.stopOnReplyFrom === 'account' ? { stopOnReplyFrom: 'account' as const } : {}),
    ...(raw.allowConcurrent ? { allowConcurrent: true } : {}),
    onPermanentFailure: raw.onPermanentFailure,
    sender: raw.sender,
    attributes: raw.attributes,
    steps: raw.steps.map((s) => ({
      id: s.id,
      channel: s.channel,
      wait: s.wait,
      template: s.template,
      ...(s.window ? { window: s.window } : {}),
      ...(s.newThread !== undefined ? { newThread: s.newThread } : {}),
      ...compilePeopleStepFields(s),
    })),
    // Only when given: sequences without them keep their content hash.
    ...(raw.exitOn && raw.exitOn.length > 0 ? { exitOn: [...new Set(raw.exitOn)] } : {}),
    ...(raw.recording ? { recording: { enabled: raw.recording.enabled, consentNotice: raw.recording.consentNotice ?? '' } } : {}),
  };
  definition.attributes = withCollectedAttributes(definition);
  problems.push(...checkSteps(definition, yamlFile), ...checkPeopleSteps(definition, raw.steps, yamlFile));

  const templates: Record<string, StepTemplate> = {};
  const lineOffsets: Record<string, Partial<Record<TemplatePart, number>>> = {};
  const inheritedSubjects = new Set<string>();
  const warnings: string[] = [];
  const subjectsByStep = new Map<string, string>();
  definition.steps.forEach((step, index) => {
    const file = `${location}/${step.template}`;
    const prefix = `${file} (step ${step.id})`;
    const source = input.templates[step.template];
    if (templateChannelOf(step.template) !== step.channel) return; // reported by checkSteps
    if (source === undefined) {
      problems.push(`${prefix}: template file not found`);
      return;
    }
    const result = parseTemplateFile(step.template, source);
    if (!result.ok) {
      problems.push(...result.errors.map((e) => `${prefix}: ${e}`));
      return;
    }
    const { template, lines, hasSubject } = result.value;
    if (template.channel === 'email') {
      const threaded = isThreadedStep(definition, index);
      const opener = threaded ? threadOpener(definition, index) : undefined;
      if (!threaded && !hasSubject) {
        problems.push(`${prefix}: "subject:" is required in the front matter — this email starts a thread`);
        return;
      }
      if (threaded && !hasSubject) {
        // Used only if the thread's first email was never sent (e.g. skipped after a failure).
        template.subject = (opener && subjectsByStep.get(opener.id)) ?? '';
        inheritedSubjects.add(step.id);
      } else if (threaded && opener) {
        warnings.push(
          `${prefix}: this follow-up replies in the thread of step ${opener.id} as "Re: <its subject>"; its own subject is only used if step ${opener.id} was not sent — set newThread: true to always use it`,
        );
      }
      subjectsByStep.set(step.id, template.subject);
    }
    templates[step.id] = template;
    lineOffsets[step.id] = lines;
  });
  if (problems.length > 0) throw new SequenceValidationError(problems);

  const checked = validateTemplates(definition, templates, { location, lineOffsets, inheritedSubjects });
  if (checked.errors.length > 0) throw new SequenceValidationError(checked.errors);
  const content = { definition, templates };
  return {
    id: definition.id,
    hash: createHash('sha256').update(stableStringify(content)).digest('hex'),
    definition,
    templates,
    warnings: [...warnings, ...checked.warnings],
  };
}

/** The email step whose subject a threaded follow-up replies to. */
function threadOpener(definition: SequenceDefinition, index: number): StepDefinition | undefined {
  for (let i = index - 1; i >= 0; i -= 1) {
    const step = definition.steps[i];
    if (step?.channel === 'email' && !isThreadedStep(definition, i)) return step;
  }
  return undefined;
}

function checkSteps(definition: SequenceDefinition, yamlFile: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const quietHours = (channel: StepDefinition['channel']) =>
    channel === 'sms'
      ? `SMS may only be sent ${SMS_QUIET_HOURS_START}–${SMS_QUIET_HOURS_END} local time`
      : `calls may only be placed ${CALL_HOURS.start}–${CALL_HOURS.end} local time`;
  definition.steps.forEach((step, index) => {
    const at = `${yamlFile}: step "${step.id}" (steps[${index}])`;
    if (seen.has(step.id)) problems.push(`${at}: id "${step.id}" is used by an earlier step`);
    seen.add(step.id);
    const kind = templateChannelOf(step.template);
    if (!kind) problems.push(`${at}: template "${step.template}" must end in .${step.channel}.liquid`);
    else if (kind !== step.channel) {
      problems.push(`${at}: template "${step.template}" is an ${kind} template but the step's channel is ${step.channel}`);
    }
    if (step.newThread !== undefined && step.channel !== 'email') problems.push(`${at}: newThread only applies to email steps`);
    const window = step.window ?? definition.window;
    if (!effectiveWindow(window, step.channel)) {
      const which = step.window ? 'its window' : 'the sequence window';
      problems.push(`${at}: ${which} ${window.start}–${window.end} leaves no time to send — ${quietHours(step.channel)}`);
    }
  });
  const firstEmail = definition.steps.find((s) => s.channel === 'email');
  if (firstEmail && !definition.sender.email) {
    problems.push(`${yamlFile}: sender.email.from is required because step "${firstEmail.id}" sends email`);
  }
  const firstSms = definition.steps.find((s) => s.channel === 'sms');
  const sms = definition.sender.sms;
  if (firstSms && !sms?.from && !sms?.messagingServiceSid) {
    problems.push(
      `${yamlFile}: sender.sms.from (an E.164 number) or sender.sms.messagingServiceSid is required because step "${firstSms.id}" sends SMS`,
    );
  }
  return problems;
}

/** JSON with sorted keys, so the content hash does not depend on key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
