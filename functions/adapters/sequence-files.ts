/**
 * Sequences as files: `templates/<sequence-id>/sequence.yaml` plus the step
 * template files next to it (`*.email.liquid`, `*.sms.liquid`). Reads them and
 * hands them to compileSequence. Folders without a sequence.yaml (and loose files
 * such as a sample CSV) are ignored.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { compileSequence, SequenceValidationError, type CompiledSequence } from '../domain/sequence-definition.js';

export const SEQUENCE_FILE = 'sequence.yaml';

/** How a path is shown in messages: relative to the working directory when inside it. */
function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : dir;
}

/** Parses sequence.yaml; syntax errors name the file and the line. */
export function parseSequenceYaml(source: string, file: string): unknown {
  const doc = parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new SequenceValidationError(
      doc.errors.map((error) => {
        const at = error.linePos?.[0];
        const where = at ? ` line ${at.line}, column ${at.col}` : '';
        const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
        return `${file}${where}: ${message}`;
      }),
    );
  }
  return doc.toJS();
}

/** Loads and compiles one sequence folder; the folder name is the sequence id. */
export async function loadSequenceFromDirectory(dir: string): Promise<CompiledSequence> {
  const id = path.basename(path.resolve(dir));
  const location = displayPath(dir);
  const yamlFile = `${location}/${SEQUENCE_FILE}`;
  let source: string;
  try {
    source = await readFile(path.join(dir, SEQUENCE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SequenceValidationError([`${yamlFile}: file not found`]);
    throw error;
  }
  const definition = parseSequenceYaml(source, yamlFile);
  const templates: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.liquid')) {
      templates[entry.name] = await readFile(path.join(dir, entry.name), 'utf8');
    }
  }
  return compileSequence({ id, definition, templates, location });
}

/**
 * Every sequence under `root` (one folder each), sorted by id. Problems of all
 * sequences are reported together in one SequenceValidationError.
 */
export async function loadSequencesFromDirectory(root: string): Promise<CompiledSequence[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const sequences: CompiledSequence[] = [];
  const problems: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, entry.name);
    const hasDefinition = (await readdir(dir)).includes(SEQUENCE_FILE);
    if (!hasDefinition) continue;
    try {
      sequences.push(await loadSequenceFromDirectory(dir));
    } catch (error) {
      if (error instanceof SequenceValidationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new SequenceValidationError(problems);
  return sequences;
}
