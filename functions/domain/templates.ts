/**
 * Rendering touches, and validating templates when a sequence is published.
 *
 * Variables (see liquid-engine.ts for the strictness rules):
 *   prospect.firstName, .lastName, .fullName, .company, .email, .phone, .timezone
 *   sender.name, .company, .title, .email, .phone
 *   attributes.<name>   custom prospect attributes declared in sequence.yaml
 *   unsubscribeUrl      email only
 *
 * Every email carries a visible unsubscribe link: if the rendered part does not
 * contain the URL, a footer is appended. The first SMS of a sequence carries the
 * opt-out instructions unless it already mentions STOP.
 */
import { htmlToText, textToHtml, withUnsubscribeFooter } from './email-body.js';
import {
  describeLiquidError,
  parseLiquid,
  PROSPECT_FIELDS,
  renderLiquid,
  SENDER_FIELDS,
  senderVars,
  type LiquidProblem,
  type TemplateVars,
} from './liquid-engine.js';
import type { Channel, SequenceDefinition, StepDefinition, StepTemplate } from './sequence.js';
import { countSmsSegments, type SmsEncoding } from './sms-segments.js';
import type { TemplatePart } from './template-file.js';

export { countSmsSegments } from './sms-segments.js';
export type { SmsEncoding, SmsSegmentCount } from './sms-segments.js';
export { templateVarsFor, type TemplateVars } from './liquid-engine.js';
export type { TemplatePart } from './template-file.js';

export type EmailTemplate = Extract<StepTemplate, { channel: 'email' }>;
export type SmsTemplate = Extract<StepTemplate, { channel: 'sms' }>;
/** A call's or task's script, or a voicemail drop's message: one text part. */
export type ScriptTemplate = Extract<StepTemplate, { channel: 'call' | 'voicemail' | 'task' }>;

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderedSms {
  body: string;
  segments: number;
  encoding: SmsEncoding;
}

export const SMS_OPT_OUT_FOOTER = 'Reply STOP to opt out.';

/** A touch could not be rendered (a variable missing at send time, a broken template). */
export class RenderError extends Error {
  override name = 'RenderError';
}

function render(source: string, vars: TemplateVars, mode: 'text' | 'html', part: string): string {
  try {
    return renderLiquid(source, vars, mode);
  } catch (error) {
    const problem = describeLiquidError(error);
    const where = problem.line === undefined ? part : `${part} line ${problem.line}`;
    throw new RenderError(`Cannot render ${where}: ${problem.message}`, { cause: error });
  }
}

/** "Re: <subject>" for follow-ups in the same thread, without stacking "Re: Re:". */
export function replySubject(subject: string): string {
  const clean = oneLine(subject);
  return /^re:/i.test(clean) ? clean : `Re: ${clean}`;
}

/** Header-safe: no line breaks (header injection), collapsed whitespace. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/**
 * Renders an email. With `threadSubject` (the subject of the thread's first email)
 * the subject becomes "Re: <threadSubject>" and the template's own subject is not
 * rendered. Empty `html` or `text` sources are derived from the other part after
 * rendering.
 */
export function renderEmail(
  template: EmailTemplate,
  vars: TemplateVars,
  options: { threadSubject?: string } = {},
): RenderedEmail {
  const unsubscribeUrl = vars.unsubscribeUrl;
  if (!unsubscribeUrl) throw new RenderError('Cannot render an email without unsubscribeUrl');
  const subject = options.threadSubject
    ? replySubject(options.threadSubject)
    : oneLine(render(template.subject, vars, 'text', 'subject'));
  if (!subject) throw new RenderError('Cannot render email: the subject is empty');

  let html = template.html ? render(template.html, vars, 'html', 'html body').trim() : undefined;
  let text = template.text ? render(template.text, vars, 'text', 'text body').trim() : undefined;
  if (html === undefined && text === undefined) throw new RenderError('Cannot render email: the template has no body');
  html ??= textToHtml(text ?? '');
  text ??= htmlToText(html);
  if (!text.trim()) throw new RenderError('Cannot render email: the body is empty');
  return { subject, ...withUnsubscribeFooter({ html, text }, unsubscribeUrl) };
}

// Upper-case STOP only: "don't stop by" must not suppress the required footer.
const MENTIONS_STOP = /\bSTOP\b/;

export function renderSms(
  template: SmsTemplate,
  vars: TemplateVars,
  options: { isFirstSmsOfSequence: boolean },
): RenderedSms {
  let body = render(template.body, vars, 'text', 'SMS body').trim();
  if (!body) throw new RenderError('Cannot render SMS: the body is empty');
  if (options.isFirstSmsOfSequence && !MENTIONS_STOP.test(body)) body = `${body} ${SMS_OPT_OUT_FOOTER}`;
  const { segments, encoding } = countSmsSegments(body);
  return { body, segments, encoding };
}

export function isScriptTemplate(template: StepTemplate): template is ScriptTemplate {
  return template.channel === 'call' || template.channel === 'voicemail' || template.channel === 'task';
}

/**
 * Renders a people step's script (a call's or task's, shown to the rep) or a voicemail
 * drop's message (read out by text-to-speech): plain text, whitespace kept as written.
 */
export function renderScript(template: ScriptTemplate, vars: TemplateVars): string {
  const text = render(template.body, vars, 'text', template.channel === 'voicemail' ? 'voicemail message' : 'script').trim();
  if (!text) throw new RenderError(`Cannot render ${template.channel}: the ${template.channel === 'voicemail' ? 'message' : 'script'} is empty`);
  return text;
}

/** Text-to-speech reads about 150 words a minute; a voicemail box cuts off after a minute or two. */
const VOICEMAIL_WARNING_CHARACTERS = 700;

// ---------------------------------------------------------------------------
// Validation at publish time
// ---------------------------------------------------------------------------

export interface TemplateValidationOptions {
  /** Folder named in messages; default `templates/<sequence id>`. */
  location?: string;
  /** Per step id: the file line (1-based) where each part starts, so messages give file lines. */
  lineOffsets?: Record<string, Partial<Record<TemplatePart, number>>>;
  /** Step ids whose subject was inherited from the thread's first email (validated there). */
  inheritedSubjects?: ReadonlySet<string>;
}

export interface TemplateValidationResult {
  errors: string[];
  warnings: string[];
}

export const SAMPLE_UNSUBSCRIBE_URL = 'https://followup.example/unsubscribe/sample-token';
const SUBJECT_WARNING_LENGTH = 78;

/** The prospect templates are validated (and previewed) with. */
export const SAMPLE_PROSPECT = {
  firstName: 'Alex',
  lastName: 'Morgan',
  fullName: 'Alex Morgan',
  company: 'Acme Logistics',
  email: 'alex.morgan@example.com',
  phone: '+12025550143',
};

const SUGGESTED_DEFAULTS: Record<string, string> = {
  'prospect.firstName': '"there"',
  'prospect.fullName': '"there"',
  'prospect.company': '"your team"',
};

/** The only prospect field a step of this channel can count on: its address (a task needs none). */
function sparseProspect(channel: Channel): Partial<typeof SAMPLE_PROSPECT> {
  switch (channel) {
    case 'email':
      return { email: SAMPLE_PROSPECT.email };
    case 'sms':
    case 'call':
    case 'voicemail':
      return { phone: SAMPLE_PROSPECT.phone };
    case 'task':
      return {};
  }
}

function sampleVars(definition: SequenceDefinition, channel: Channel, sparse: boolean): TemplateVars {
  const prospect = sparse ? sparseProspect(channel) : SAMPLE_PROSPECT;
  return {
    // Sparse data has no zone: callers may not pass the effective one to templateVarsFor.
    prospect: sparse ? prospect : { ...prospect, timezone: definition.defaultTimezone },
    sender: senderVars(definition.sender),
    ...(channel === 'email' ? { unsubscribeUrl: SAMPLE_UNSUBSCRIBE_URL } : {}),
    attributes: sparse ? {} : { ...definition.attributes },
  };
}

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const segments = path.split('.');
  let node = target;
  segments.slice(0, -1).forEach((segment) => {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  });
  node[segments[segments.length - 1] ?? path] = value;
}

interface FoundVariable {
  variable: string;
  line?: number;
  snippet?: string;
}

/** Renders repeatedly, filling each undefined variable, so ALL of them are reported, not just the first. */
function undefinedVariables(
  source: string,
  mode: 'text' | 'html',
  data: TemplateVars,
): { found: FoundVariable[]; problem?: LiquidProblem } {
  const scope = structuredClone(data) as unknown as Record<string, unknown>;
  const found: FoundVariable[] = [];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      renderLiquid(source, scope, mode);
      return { found };
    } catch (error) {
      const problem = describeLiquidError(error);
      const variable = problem.variable;
      if (problem.kind !== 'undefined-variable' || !variable || found.some((f) => f.variable === variable)) {
        return { found, problem };
      }
      found.push({ variable, ...(problem.line === undefined ? {} : { line: problem.line }), ...(problem.snippet ? { snippet: problem.snippet } : {}) });
      setPath(scope, variable, 'sample');
    }
  }
  return { found };
}

const SENDER_SETTING: Record<string, string> = {
  name: 'sender.name',
  company: 'sender.company',
  title: 'sender.title',
  email: 'sender.email.from',
  phone: 'sender.sms.from',
};

/** Why a variable is undefined even with full sample data. */
function unknownVariableMessage(variable: string, channel: Channel): string {
  const [root, field] = variable.split('.');
  if (root === 'prospect') {
    return `unknown variable "${variable}" — prospects have ${PROSPECT_FIELDS.join(', ')}; custom fields are attributes.<name>`;
  }
  if (root === 'sender' && field && (SENDER_FIELDS as readonly string[]).includes(field)) {
    return `variable "${variable}" is not set — add ${SENDER_SETTING[field] ?? variable} to sequence.yaml, or add | default: "…"`;
  }
  if (root === 'sender') return `unknown variable "${variable}" — sender has ${SENDER_FIELDS.join(', ')}`;
  if (root === 'attributes' && field) {
    return `unknown variable "${variable}" — declare ${field} under attributes: in sequence.yaml with a sample value`;
  }
  if (root === 'unsubscribeUrl' && channel !== 'email') return `variable "unsubscribeUrl" is only available in email templates`;
  return `unknown variable "${variable}" — available: prospect.*, sender.*, attributes.*${channel === 'email' ? ', unsubscribeUrl' : ''}`;
}

function mayBeMissingMessage(found: FoundVariable): string {
  if (found.snippet && /\|\s*default\s*:/.test(found.snippet)) {
    return `variable "${found.variable}" may be missing — | default: must be the FIRST filter`;
  }
  const suggestion = SUGGESTED_DEFAULTS[found.variable];
  return suggestion
    ? `variable "${found.variable}" may be missing — add | default: ${suggestion}`
    : `variable "${found.variable}" may be missing — add | default: "…" or wrap it in {% if ${found.variable} %}`;
}

function templateParts(template: StepTemplate, skipSubject: boolean) {
  if (template.channel !== 'email') return [{ part: 'body' as const, source: template.body, mode: 'text' as const }];
  return [
    ...(skipSubject ? [] : [{ part: 'subject' as const, source: template.subject, mode: 'text' as const }]),
    ...(template.html ? [{ part: 'html' as const, source: template.html, mode: 'html' as const }] : []),
    ...(template.text ? [{ part: 'text' as const, source: template.text, mode: 'text' as const }] : []),
  ];
}

/**
 * Renders every step against full sample data (all prospect fields and declared
 * attribute samples) and sparse data (only the address the channel needs), so a
 * variable that may be missing at send time is reported before publishing.
 */
export function validateTemplates(
  definition: SequenceDefinition,
  templates: Record<string, StepTemplate>,
  options: TemplateValidationOptions = {},
): TemplateValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const location = options.location ?? `templates/${definition.id}`;
  const firstSms = definition.steps.find((s) => s.channel === 'sms')?.id;

  for (const step of definition.steps) {
    const file = `${location}/${step.template}`;
    const prefix = `${file} (step ${step.id})`;
    const template = templates[step.id];
    if (!template) {
      errors.push(`${prefix}: template not found`);
      continue;
    }
    if (template.channel !== step.channel) {
      errors.push(`${prefix}: the step's channel is ${step.channel} but the template is for ${template.channel}`);
      continue;
    }
    const stepErrors: string[] = [];
    const inherited = options.inheritedSubjects?.has(step.id) ?? false;
    for (const { part, source, mode } of templateParts(template, inherited)) {
      const offset = options.lineOffsets?.[step.id]?.[part] ?? 1;
      const at = (line?: number) => (line === undefined ? '' : ` (line ${offset + line - 1})`);
      try {
        parseLiquid(source);
      } catch (error) {
        const problem = describeLiquidError(error);
        stepErrors.push(`${prefix}: ${problem.message}${at(problem.line)}`);
        continue;
      }
      const full = undefinedVariables(source, mode, sampleVars(definition, step.channel, false));
      for (const found of full.found) stepErrors.push(`${prefix}: ${unknownVariableMessage(found.variable, step.channel)}${at(found.line)}`);
      if (full.problem) {
        stepErrors.push(`${prefix}: ${full.problem.message}${at(full.problem.line)}`);
        continue;
      }
      const sparseData = sampleVars(definition, step.channel, true);
      for (const found of full.found) setPath(sparseData as unknown as Record<string, unknown>, found.variable, 'sample');
      const sparse = undefinedVariables(source, mode, sparseData);
      for (const found of sparse.found) stepErrors.push(`${prefix}: ${mayBeMissingMessage(found)}${at(found.line)}`);
      if (sparse.problem) stepErrors.push(`${prefix}: ${sparse.problem.message}${at(sparse.problem.line)}`);
    }
    if (stepErrors.length === 0) {
      checkRenderedStep(definition, step, template, { prefix, inherited, isFirstSms: step.id === firstSms }, stepErrors, warnings);
    }
    errors.push(...stepErrors);
  }
  return { errors, warnings };
}

/** Renders the whole touch as it would be sent, for length warnings and empty-output errors. */
function checkRenderedStep(
  definition: SequenceDefinition,
  step: StepDefinition,
  template: StepTemplate,
  context: { prefix: string; inherited: boolean; isFirstSms: boolean },
  errors: string[],
  warnings: string[],
): void {
  const { prefix } = context;
  for (const sparse of [false, true]) {
    const vars = sampleVars(definition, step.channel, sparse);
    const data = sparse ? 'a prospect with only an address' : 'sample data';
    try {
      if (isScriptTemplate(template)) {
        const script = renderScript(template, vars);
        if (!sparse && template.channel === 'voicemail' && !step.voicemail?.recordingUrl && script.length > VOICEMAIL_WARNING_CHARACTERS) {
          warnings.push(
            `${prefix}: the voicemail message is ${script.length} characters with ${data} — read out, that is over a minute; many voicemail boxes cut off sooner`,
          );
        }
      } else if (template.channel === 'sms') {
        const sms = renderSms(template, vars, { isFirstSmsOfSequence: context.isFirstSms });
        if (!sparse && sms.segments > 1) {
          const { units, nonGsmCharacters } = countSmsSegments(sms.body);
          const why = nonGsmCharacters.length ? `; ${nonGsmCharacters.slice(0, 5).join(' ')} force${nonGsmCharacters.length === 1 ? 's' : ''} UCS-2` : '';
          warnings.push(
            `${prefix}: SMS is ${sms.segments} segments (${sms.encoding}, ${units} ${sms.encoding === 'GSM-7' ? 'characters' : 'UTF-16 units'}) with ${data}${context.isFirstSms ? ' and the opt-out footer' : ''} — each segment is billed${why}`,
          );
        }
      } else {
        const email = renderEmail(template, vars, context.inherited ? { threadSubject: 'sample' } : {});
        if (!sparse && !context.inherited && email.subject.length > SUBJECT_WARNING_LENGTH) {
          warnings.push(
            `${prefix}: subject is ${email.subject.length} characters with ${data} — over ${SUBJECT_WARNING_LENGTH} it is often cut off`,
          );
        }
      }
    } catch (error) {
      const reason = error instanceof RenderError ? error.message.replace(/^Cannot render (email|SMS): /, '') : String(error);
      errors.push(`${prefix}: with ${data}: ${reason}`);
    }
  }
}
