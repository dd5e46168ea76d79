/**
 * What a sequence folder holds, read as it is authored: `sequence.yaml` (parsed, not yet
 * validated) and the step template files (`*.liquid`) by name. The embedded runtime
 * compiles what this reads (sequence-files.ts); the CLI's `followup sequences publish DIR`
 * sends it as the body of `PUT /sequences/{id}`, so the server validates it. Depends on
 * `yaml` alone, so the CLI does not load the template engine.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const SEQUENCE_FILE = 'sequence.yaml';
export const TEMPLATE_SUFFIX = '.liquid';

export interface SequenceFolder {
  /** The folder name: the sequence id. */
  id: string;
  /** How the folder is named in messages. */
  location: string;
  definition: unknown;
  templates: Record<string, string>;
}

/** The folder could not be read as a sequence; `problems` name the file (and the line). */
export class SequenceFolderError extends Error {
  override name = 'SequenceFolderError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** How a path is shown in messages: relative to the working directory when inside it. */
export function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : dir;
}

/** Parses sequence.yaml; syntax errors name the file and the line. */
export function parseSequenceYaml(source: string, file: string): unknown {
  const doc = parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new SequenceFolderError(
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

export async function readSequenceFolder(dir: string): Promise<SequenceFolder> {
  const id = path.basename(path.resolve(dir));
  const location = displayPath(dir);
  const yamlFile = `${location}/${SEQUENCE_FILE}`;
  let source: string;
  try {
    source = await readFile(path.join(dir, SEQUENCE_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SequenceFolderError([`${yamlFile}: file not found`]);
    throw error;
  }
  const definition = parseSequenceYaml(source, yamlFile);
  const templates: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(TEMPLATE_SUFFIX)) {
      templates[entry.name] = await readFile(path.join(dir, entry.name), 'utf8');
    }
  }
  return { id, location, definition, templates };
}
