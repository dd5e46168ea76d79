/**
 * Template files as marketers write them.
 *
 * `<name>.sms.liquid` — the whole file (trimmed) is the SMS body. So is a people step's:
 * `<name>.call.liquid` and `<name>.task.liquid` (the script the rep reads),
 * `<name>.voicemail.liquid` (the message a voicemail drop reads out).
 *
 * `<name>.email.liquid` — optional front matter between two `---` lines, then the body:
 *
 *     ---
 *     subject: Quick question about {{ prospect.company | default: "your team" }}
 *     ---
 *     Hi {{ prospect.firstName | default: "there" }},
 *     …
 *
 *   - `subject:` is required for an email that starts a thread (the sequence's first
 *     email, or a step with `newThread: true`). Follow-ups reply in that thread as
 *     "Re: <first subject>", so their `subject:` may be omitted; when given it is only
 *     used if the thread's first email was never sent.
 *   - Front matter values are taken verbatim (no YAML quoting needed for `{{ }}`);
 *     surrounding quotes are removed. A multi-line value is written `key: |` followed
 *     by indented lines.
 *   - If the body contains HTML tags it is the HTML part and the text part is derived
 *     from it (html-to-text) unless `text: |` gives one. A plain-text body is the
 *     text part and the HTML part is derived from it (blank lines → paragraphs,
 *     escaped, line breaks → <br>, URLs → links). Derivation happens after rendering.
 *   - Every email gets a visible unsubscribe link appended unless the body already
 *     uses `{{ unsubscribeUrl }}`.
 */
import { looksLikeHtml } from './email-body.js';
import type { Channel, StepTemplate } from './sequence.js';

export type TemplatePart = 'subject' | 'html' | 'text' | 'body';

export interface ParsedTemplateFile {
  template: StepTemplate;
  /** File line (1-based) where each part's source starts, for error messages. */
  lines: Partial<Record<TemplatePart, number>>;
  /** Email only: whether the file has its own `subject:`. */
  hasSubject: boolean;
}

export type ParseTemplateFileResult = { ok: true; value: ParsedTemplateFile } | { ok: false; errors: string[] };

const FRONT_MATTER_KEYS = ['subject', 'text'] as const;
type FrontMatterKey = (typeof FRONT_MATTER_KEYS)[number];

/** The channel a template file is for, from its extension. */
export function templateChannelOf(fileName: string): Channel | undefined {
  const match = /\.(email|sms|call|voicemail|task)\.liquid$/.exec(fileName);
  return match ? (match[1] as Channel) : undefined;
}

/** Trims a part and says on which line of the original its first character is. */
function trimWithLine(source: string, firstLine: number): { text: string; line: number } {
  const leading = /^\s*/.exec(source)?.[0] ?? '';
  return { text: source.trim(), line: firstLine + (leading.match(/\n/g)?.length ?? 0) };
}

function unquote(value: string): string {
  const match = /^(["'])(.*)\1$/.exec(value);
  return match && !match[2]?.includes(match[1] ?? '') ? (match[2] ?? '') : value;
}

interface FrontMatter {
  values: Partial<Record<FrontMatterKey, { value: string; line: number }>>;
  errors: string[];
}

/** A deliberately tiny `key: value` reader: real YAML would choke on `subject: {{ x }}`. */
function parseFrontMatter(lines: string[], firstLine: number): FrontMatter {
  const result: FrontMatter = { values: {}, errors: [] };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const lineNo = firstLine + i;
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const match = /^([A-Za-z][\w-]*)\s*:(.*)$/.exec(line);
    if (!match) {
      result.errors.push(`line ${lineNo}: expected "key: value" in the front matter, got "${line.trim()}"`);
      continue;
    }
    const key = match[1] ?? '';
    let value = (match[2] ?? '').trim();
    let valueLine = lineNo;
    if (/^[|>][+-]?$/.test(value)) {
      const block: string[] = [];
      while (i + 1 < lines.length && (/^\s/.test(lines[i + 1] ?? '') || !(lines[i + 1] ?? '').trim())) {
        block.push(lines[i + 1] ?? '');
        i += 1;
      }
      const indent = Math.min(...block.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)?.[0].length ?? 0));
      value = block.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n').trim();
      valueLine = lineNo + 1;
    } else {
      value = unquote(value);
    }
    if (!(FRONT_MATTER_KEYS as readonly string[]).includes(key)) {
      result.errors.push(`line ${lineNo}: unknown front matter field "${key}" — allowed: ${FRONT_MATTER_KEYS.join(', ')}`);
      continue;
    }
    if (result.values[key as FrontMatterKey]) {
      result.errors.push(`line ${lineNo}: "${key}" is given twice`);
      continue;
    }
    result.values[key as FrontMatterKey] = { value, line: valueLine };
  }
  return result;
}

/** Parses one template file; errors are relative to the file (the caller prefixes file and step). */
export function parseTemplateFile(fileName: string, rawSource: string): ParseTemplateFileResult {
  const source = rawSource.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const channel = templateChannelOf(fileName);
  if (!channel) {
    return { ok: false, errors: ['template files must end in .email.liquid, .sms.liquid, .call.liquid, .voicemail.liquid or .task.liquid'] };
  }

  if (channel !== 'email') {
    // SMS, and people steps' scripts (a call's or task's, a voicemail's message): the whole file.
    const body = trimWithLine(source, 1);
    if (!body.text) return { ok: false, errors: [channel === 'sms' ? 'the SMS body is empty' : `the ${channel} script is empty`] };
    const template: StepTemplate = { channel, body: body.text };
    return { ok: true, value: { template, lines: { body: body.line }, hasSubject: false } };
  }

  const lines = source.split('\n');
  let frontMatter: FrontMatter = { values: {}, errors: [] };
  let bodyStart = 0;
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
    if (close < 0) return { ok: false, errors: ['the front matter starting on line 1 has no closing "---" line'] };
    frontMatter = parseFrontMatter(lines.slice(1, close), 2);
    bodyStart = close + 1;
  }
  const errors = [...frontMatter.errors];
  const body = trimWithLine(lines.slice(bodyStart).join('\n'), bodyStart + 1);
  const { subject, text } = frontMatter.values;
  if (!body.text) errors.push('the email body is empty');
  const isHtml = looksLikeHtml(body.text);
  if (text && !isHtml) errors.push(`line ${text.line}: "text:" is only for HTML bodies; this body is already plain text`);
  if (subject && !subject.value) errors.push(`line ${subject.line}: "subject:" is empty`);
  if (errors.length > 0) return { ok: false, errors };

  const template: StepTemplate = {
    channel: 'email',
    subject: subject?.value ?? '',
    // An empty part is derived from the other one after rendering.
    html: isHtml ? body.text : '',
    text: isHtml ? (text?.value ?? '') : body.text,
  };
  const partLines: Partial<Record<TemplatePart, number>> = isHtml
    ? { html: body.line, ...(text ? { text: text.line } : {}) }
    : { text: body.line };
  if (subject) partLines.subject = subject.line;
  return { ok: true, value: { template, lines: partLines, hasSubject: subject !== undefined } };
}
