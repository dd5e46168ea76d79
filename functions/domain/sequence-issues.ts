/**
 * zod issues → lines a marketer can act on: the file, the step (by its id, not an
 * array index) and the field, e.g.
 *   templates/x/sequence.yaml: step "checkin" (steps[1]): wait: "3 weeks" is not a valid wait — …
 */
import type * as z from '../zod.js';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** "sender.email.from", with steps rendered as their own prefix. */
function describePath(path: readonly PathKey[], root: unknown): { where: string; field: string } {
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const id = valueAt(root, ['steps', path[1], 'id']);
    const step = typeof id === 'string' && id ? `step "${id}"` : `step #${path[1] + 1}`;
    return { where: `${step} (steps[${path[1]}])`, field: path.slice(2).map(String).join('.') };
  }
  return { where: '', field: path.map(String).join('.') };
}

function messageFor(issue: Issue, root: unknown): string[] {
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length === 0) return ['the file must be a mapping of fields (name:, owner:, steps: …)'];
      if (value === undefined) return ['is required'];
      return [`must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${JSON.stringify(value)}`];
    case 'unrecognized_keys':
      return issue.keys.map((key) => `unknown field "${key}"`);
    case 'too_small':
      if (issue.origin === 'string') return ['must not be empty'];
      return [issue.message];
    case 'too_big':
      if (issue.origin === 'string') return [`is too long (at most ${String(issue.maximum)} characters)`];
      return [issue.message];
    default:
      return [issue.message];
  }
}

export function formatIssues(file: string, issues: readonly Issue[], root: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    for (const message of messageFor(issue, root)) {
      const { where, field } = describePath(issue.path, root);
      const location = [where, field].filter(Boolean).join(': ');
      lines.push(location ? `${file}: ${location}: ${message}` : `${file}: ${message}`);
    }
  }
  return [...new Set(lines)];
}
