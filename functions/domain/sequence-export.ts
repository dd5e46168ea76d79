/**
 * A published version back as the files a marketer writes (`sequence.yaml` as a plain
 * object, ready for a YAML serialiser, and one template file per step), for the console's
 * editor and for exporting a version back to `templates/<id>/` (README "The console").
 * The inverse of `compileSequence` + `parseTemplateFile`: publishing these files again
 * gives the same content hash. Pure and free of Node or heavy libraries, so the web
 * console bundles it.
 */
import type { SequenceDefinition, StepTemplate, Wait, WaitUnit } from './sequence.js';

const UNIT_NAMES: Record<WaitUnit, [one: string, many: string]> = {
  minutes: ['minute', 'minutes'],
  hours: ['hour', 'hours'],
  days: ['day', 'days'],
  businessDays: ['business day', 'business days'],
};

/** `{amount: 2, unit: 'businessDays'}` → `2 business days`; no wait → `0`. */
export function formatWait(wait: Wait): string {
  if (wait.amount === 0) return '0';
  const [one, many] = UNIT_NAMES[wait.unit];
  return `${wait.amount} ${wait.amount === 1 ? one : many}`;
}

/** The definition as `sequence.yaml` would say it (waits and `dueWithin` as words; everything else as published). */
export function authoredDefinition(definition: SequenceDefinition): Record<string, unknown> {
  const { steps, ...rest } = definition;
  return { ...rest, steps: steps.map((step) => ({ ...step, wait: formatWait(step.wait), ...(step.dueWithin ? { dueWithin: formatWait(step.dueWithin) } : {}) })) };
}

/**
 * One template file's source. Email: the front matter (`subject:`, and `text: |` when an
 * HTML body has its own text part), then the body; a part that was derived from the other
 * is empty in the published template and stays out. SMS, and the scripts of call, voicemail
 * and task steps: the body.
 */
export function templateFileSource(template: StepTemplate): string {
  switch (template.channel) {
    case 'sms':
    case 'call':
    case 'voicemail':
    case 'task':
      return `${template.body}\n`;
    case 'email': {
      const front: string[] = [];
      if (template.subject) front.push(`subject: ${quoteIfNeeded(template.subject)}`);
      const body = template.html || template.text;
      if (template.html && template.text) {
        front.push('text: |', ...template.text.split('\n').map((line) => (line ? `  ${line}` : '')));
      }
      return front.length > 0 ? `---\n${front.join('\n')}\n---\n${body}\n` : `${body}\n`;
    }
  }
}

/** The front-matter reader strips one pair of surrounding quotes: a subject that has them keeps them. */
function quoteIfNeeded(value: string): string {
  const quoted = /^(["']).*\1$/s.exec(value);
  if (!quoted) return value;
  return quoted[1] === '"' ? `'${value}'` : `"${value}"`;
}

/** Every file of a version: `sequence.yaml` (as an object) and the template sources by file name. */
export function sequenceFiles(sequence: { definition: SequenceDefinition; templates: Record<string, StepTemplate> }): {
  definition: Record<string, unknown>;
  templates: Record<string, string>;
} {
  const templates: Record<string, string> = {};
  for (const step of sequence.definition.steps) {
    const template = sequence.templates[step.id];
    if (template) templates[step.template] = templateFileSource(template);
  }
  return { definition: authoredDefinition(sequence.definition), templates };
}
