/**
 * Where each line of a failed publish belongs. `PUT /sequences/{id}` answers 400 with one
 * line per problem (`details`), each naming the file, the step and often the line
 * (functions/domain/sequence-definition.ts writes them); the editor shows each at the
 * file it names.
 */
export const DEFINITION_FILE = 'sequence.yaml';

export interface Problem {
  /** `sequence.yaml` or a template file name. */
  file: string;
  step?: string;
  line?: number;
  message: string;
}

/**
 * One line of the API's validation answer → where it belongs, e.g.
 * `templates/x/02-check-in.sms.liquid (step check-in): unknown variable … (line 1)` or
 * `templates/x/sequence.yaml: step "check-in" (steps[1]): wait: … is not a valid wait`.
 */
export function locateProblem(text: string, templateFiles: readonly string[]): Problem {
  const file = /^(?:[^\s:]*\/)?([^/\s:()]+?)(?= \(step |:)/.exec(text)?.[1];
  const step = /\(step ([^)]+)\)/.exec(text)?.[1] ?? /step "([^"]+)"/.exec(text)?.[1];
  const line = Number(/\(line (\d+)\)\s*$/.exec(text)?.[1] ?? /\bline (\d+):/.exec(text)?.[1] ?? Number.NaN);
  const known = file && (file === DEFINITION_FILE || templateFiles.includes(file)) ? file : DEFINITION_FILE;
  return { file: known, ...(step ? { step } : {}), ...(Number.isFinite(line) ? { line } : {}), message: text };
}

