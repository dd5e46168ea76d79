/**
 * Sequences as files: `templates/<sequence-id>/sequence.yaml` plus the step
 * template files next to it (`*.email.liquid`, `*.sms.liquid`). Reads them and
 * hands them to compileSequence. Folders without a sequence.yaml (and loose files
 * such as a sample CSV) are ignored.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compileSequence, SequenceValidationError, type CompiledSequence } from '../domain/sequence-definition.js';
import { parseSequenceYaml as parseYaml, readSequenceFolder, SEQUENCE_FILE, SequenceFolderError } from './sequence-folder.js';

export { SEQUENCE_FILE } from './sequence-folder.js';

/** Folder problems become validation problems, reported with the sequences' own. */
function asValidationError(error: unknown): unknown {
  return error instanceof SequenceFolderError ? new SequenceValidationError(error.problems) : error;
}

/** Parses sequence.yaml; syntax errors name the file and the line. */
export function parseSequenceYaml(source: string, file: string): unknown {
  try {
    return parseYaml(source, file);
  } catch (error) {
    throw asValidationError(error);
  }
}

/** Loads and compiles one sequence folder; the folder name is the sequence id. */
export async function loadSequenceFromDirectory(dir: string): Promise<CompiledSequence> {
  const { id, definition, templates, location } = await readSequenceFolder(dir).catch((error: unknown) => {
    throw asValidationError(error);
  });
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
