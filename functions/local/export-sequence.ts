/**
 * `npm run export:sequence -- <sequence id> [--version N] [--out DIR] [--force]`: writes a
 * published version back as files (`sequence.yaml` and one template per step), so a
 * version published from the console can go back under templates/ and into git. Reads
 * `GET /sequences/{id}/versions/{N}` (or the current version) from FOLLOWUP_URL (default
 * http://127.0.0.1:3000) with FOLLOWUP_API_KEY. The files publish as the same content
 * (same hash): restarting `npm start` on them is a no-op. See README "The console".
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { sequenceFiles } from '../domain/sequence-export.js';
import type { PublishedSequence } from '../domain/sequence.js';

const USAGE = 'Usage: npm run export:sequence -- <sequence id> [--version N] [--out DIR] [--force]   (FOLLOWUP_URL, FOLLOWUP_API_KEY)';

class ExportError extends Error {}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { version: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) return console.log(USAGE);
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new ExportError(USAGE);
  if (values.version !== undefined && !/^[1-9]\d{0,8}$/.test(values.version)) throw new ExportError(`--version must be a version number, got "${values.version}"`);
  const base = (process.env.FOLLOWUP_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const key = process.env.FOLLOWUP_API_KEY;
  if (!key) throw new ExportError('set FOLLOWUP_API_KEY (npm start prints it)');
  const path = `/sequences/${encodeURIComponent(id)}${values.version ? `/versions/${values.version}` : ''}`;
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await response.json().catch(() => ({}))) as { sequence?: PublishedSequence; error?: string; message?: string };
  if (!response.ok || !body.sequence) throw new ExportError(`GET ${path}: ${response.status} ${body.error ?? body.message ?? ''}`.trim());
  const files = sequenceFiles(body.sequence);
  const out = resolve(values.out ?? join('templates', id));
  const all: Record<string, string> = { 'sequence.yaml': stringify(files.definition, { lineWidth: 0 }), ...files.templates };
  if (!values.force) {
    for (const name of Object.keys(all)) {
      if (await stat(join(out, name)).catch(() => undefined)) throw new ExportError(`${join(out, name)} exists; pass --force to overwrite it`);
    }
  }
  await mkdir(out, { recursive: true });
  for (const [name, content] of Object.entries(all)) await writeFile(join(out, name), content);
  console.log(`Wrote version ${body.sequence.version} of ${id} to ${out}: ${Object.keys(all).join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ExportError ? error.message : `export failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
