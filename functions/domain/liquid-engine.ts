/**
 * The Liquid engine every template goes through: one instance per container,
 * strict so that typos fail at publish time instead of sending "Hi ,".
 *
 * - strictVariables: an undefined variable is an error…
 * - lenientIf: …except in `{% if %}`/`{% unless %}` and when `| default:` is the
 *   FIRST filter, so optional data is handled explicitly in the template.
 * - strictFilters: an unknown filter fails at parse time.
 * - HTML parts are rendered with output escaping (a company called "A&B <Labs>"
 *   must not break the markup); text parts and SMS are not. One instance serves
 *   both: the escape hook checks which globals object the render was given.
 * - No file system: `{% include %}`/`{% render %}` cannot read server files.
 */
import { Liquid, type Template } from 'liquidjs';
import { escapeHtmlOnce } from './email-body.js';
import type { Prospect } from './records.js';
import type { SenderIdentity } from './sequence.js';
import { LruCache } from './lru-cache.js';

export interface ProspectVars {
  firstName?: string;
  lastName?: string;
  fullName?: string;
  company?: string;
  email?: string;
  phone?: string;
  timezone?: string;
}

export interface SenderVars {
  name: string;
  company?: string;
  title?: string;
  email?: string;
  phone?: string;
}

/** What templates see. Missing values are ABSENT (never ""), so strict mode and `| default:` behave as validated. */
export interface TemplateVars {
  prospect: ProspectVars;
  sender: SenderVars;
  /** Email only. */
  unsubscribeUrl?: string;
  attributes: Record<string, string>;
}

export const PROSPECT_FIELDS = ['firstName', 'lastName', 'fullName', 'company', 'email', 'phone', 'timezone'] as const;
export const SENDER_FIELDS = ['name', 'company', 'title', 'email', 'phone'] as const;

const HTML_GLOBALS: object = Object.freeze({});
const TEXT_GLOBALS: object = Object.freeze({});

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  lenientIf: true,
  ownPropertyOnly: true,
  // An empty in-memory file system: include/render/layout find nothing.
  templates: {},
  // Rendering runs inside the touch worker; a runaway loop must fail fast.
  renderLimit: 2_000,
  parseLimit: 200_000,
  memoryLimit: 10_000_000,
  outputEscape(this: { context?: { globals?: unknown } }, value: unknown): string {
    // Text renders: hand the value back untouched so Liquid stringifies it as usual.
    if (this.context?.globals !== HTML_GLOBALS) return value as string;
    return escapeHtmlOnce(value === undefined || value === null ? '' : Array.isArray(value) ? value.join('') : String(value));
  },
});

// Parsing is the expensive part; a warm container renders the same few templates
// thousands of times. Bounded so that many sequence versions cannot grow it forever.
const PARSE_CACHE_LIMIT = 500;
const parseCache = new LruCache<string, Template[]>(PARSE_CACHE_LIMIT);

/** Parses Liquid source (cached); throws liquidjs errors (see describeLiquidError). */
export function parseLiquid(source: string): Template[] {
  const cached = parseCache.get(source);
  if (cached) return cached;
  const parsed = liquid.parse(source);
  parseCache.set(source, parsed);
  return parsed;
}

export type OutputMode = 'text' | 'html';

/** Renders synchronously; throws liquidjs errors (see describeLiquidError). */
export function renderLiquid(source: string, vars: object, mode: OutputMode): string {
  const globals = mode === 'html' ? HTML_GLOBALS : TEXT_GLOBALS;
  return String(liquid.renderSync(parseLiquid(source), vars, { globals }));
}

export interface LiquidProblem {
  kind: 'undefined-variable' | 'unknown-filter' | 'syntax' | 'render';
  /** For undefined-variable: the dotted path that was missing, e.g. "prospect.firstName". */
  variable?: string;
  /** For unknown-filter. */
  filter?: string;
  /** 1-based line inside the rendered source. */
  line?: number;
  /** The `{{ … }}` or `{% … %}` text that failed, when known. */
  snippet?: string;
  /** Readable message without position. */
  message: string;
}

interface TokenLike {
  getPosition?: () => [number, number];
  input?: string;
  begin?: number;
  end?: number;
}

/** The failing token's line, and the source from it to the end of its `{{ }}`/`{% %}` (to see its filters). */
function errorPosition(error: unknown): { line?: number; snippet?: string } {
  const token = (error as { token?: TokenLike }).token;
  const line = token?.getPosition?.()[0];
  let snippet: string | undefined;
  if (token && typeof token.input === 'string' && typeof token.begin === 'number' && typeof token.end === 'number') {
    const close = token.input.slice(token.end).search(/[}%]\}/);
    snippet = token.input.slice(token.begin, close < 0 ? token.end : token.end + close);
  }
  return { ...(line === undefined ? {} : { line }), ...(snippet === undefined ? {} : { snippet }) };
}

/** Turns a liquidjs error into something a marketer can act on. */
export function describeLiquidError(error: unknown): LiquidProblem {
  const raw = error instanceof Error ? error : new Error(String(error));
  const original = (raw as { originalError?: Error }).originalError;
  const base = (original?.message ?? raw.message).replace(/, line:\d+, col:\d+$/, '');
  const position = errorPosition(raw);
  const variableName = (original as { variableName?: unknown } | undefined)?.variableName;
  if (typeof variableName === 'string' || raw.name === 'UndefinedVariableError') {
    const variable = typeof variableName === 'string' ? variableName : base.replace(/^undefined variable: /, '');
    return { kind: 'undefined-variable', variable, message: `undefined variable "${variable}"`, ...position };
  }
  const filter = /^undefined filter: (.+)$/.exec(base)?.[1];
  if (filter) return { kind: 'unknown-filter', filter, message: `unknown filter "${filter}"`, ...position };
  const tag = /^tag "(.+)" not found$/.exec(base)?.[1];
  if (tag) return { kind: 'syntax', message: `unknown tag "{% ${tag} %}"`, ...position };
  const unclosedTag = /^tag \{%-?\s*(\w+)[\s\S]*not closed$/.exec(base)?.[1];
  if (unclosedTag) {
    return { kind: 'syntax', message: `"{% ${unclosedTag} %}" is not closed — add "{% end${unclosedTag} %}"`, ...position };
  }
  if (/^output .* not closed$/.test(base)) {
    return { kind: 'syntax', message: `"{{" is not closed — add "}}"`, ...position };
  }
  const isSyntax = raw.name === 'ParseError' || raw.name === 'TokenizationError';
  return { kind: isSyntax ? 'syntax' : 'render', message: base, ...position };
}

/** Sender fields as templates see them, from the sequence's sender block. */
export function senderVars(sender: SenderIdentity): SenderVars {
  return {
    ...compact({ company: sender.company, title: sender.title, email: sender.email?.from, phone: sender.sms?.from }),
    name: sender.name,
  };
}

/**
 * Builds the template variables for one touch. `timezone` should be the
 * effective zone (computeNextTouchAt's), so `prospect.timezone` is always set.
 */
export function templateVarsFor(input: {
  prospect: Pick<Prospect, 'email' | 'phone' | 'firstName' | 'lastName' | 'company' | 'timezone' | 'attributes'>;
  sender: SenderIdentity;
  unsubscribeUrl?: string;
  timezone?: string;
}): TemplateVars {
  const { prospect } = input;
  const fullName = [prospect.firstName, prospect.lastName].filter((p) => p?.trim()).join(' ');
  return {
    prospect: compact({
      firstName: prospect.firstName,
      lastName: prospect.lastName,
      fullName,
      company: prospect.company,
      email: prospect.email,
      phone: prospect.phone,
      timezone: input.timezone ?? prospect.timezone,
    }),
    sender: senderVars(input.sender),
    ...(input.unsubscribeUrl ? { unsubscribeUrl: input.unsubscribeUrl } : {}),
    attributes: compact(prospect.attributes ?? {}),
  };
}

/** Drops undefined and blank values: in strict mode "absent" must mean absent. */
function compact(values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() !== '') out[key] = value;
  }
  return out;
}
