/**
 * The console's JavaScript as a browser downloads it: the entry and every chunk it imports
 * statically (the first load), then the chunks loaded on demand (the editor and its YAML
 * library), each gzipped (level 9, as CDNs and the local server's peers compress). Target:
 * first load ≤ 150 KB gzipped. Builds web/dist first, so it measures the code as it is.
 * Run alone with `npx tsx bench/console-size.ts`, or through `npm run bench`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsole, CONSOLE_DIST } from '../web/build.js';

export const CONSOLE_FIRST_LOAD_TARGET_BYTES = 150 * 1024;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface ConsoleSize {
  files: { file: string; bytes: number; gzipBytes: number; firstLoad: boolean }[];
  firstLoadGzipBytes: number;
  lazyGzipBytes: number;
}

export async function measureConsole(): Promise<ConsoleSize> {
  await buildConsole();
  const manifest = JSON.parse(await readFile(join(CONSOLE_DIST, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const firstLoad = new Set<string>();
  const visit = (key: string) => {
    if (firstLoad.has(key)) return;
    firstLoad.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const files: ConsoleSize['files'] = [];
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.file.endsWith('.js')) continue;
    const bytes = await readFile(join(CONSOLE_DIST, chunk.file));
    files.push({ file: chunk.file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, firstLoad: firstLoad.has(key) });
  }
  const sum = (first: boolean) => files.filter((f) => f.firstLoad === first).reduce((total, f) => total + f.gzipBytes, 0);
  return { files, firstLoadGzipBytes: sum(true), lazyGzipBytes: sum(false) };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatConsoleSize(size: ConsoleSize): string {
  const lines = size.files
    .sort((a, b) => Number(b.firstLoad) - Number(a.firstLoad) || a.file.localeCompare(b.file))
    .map((f) => `  ${f.firstLoad ? 'first load' : 'on demand '}  ${f.file.padEnd(34)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzipBytes).padStart(8)}`);
  lines.push(
    `  first load: ${kb(size.firstLoadGzipBytes)} gzipped (target ≤ ${kb(CONSOLE_FIRST_LOAD_TARGET_BYTES)}); on demand: ${kb(size.lazyGzipBytes)} gzipped`,
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const size = await measureConsole();
  console.log(formatConsoleSize(size));
  if (size.firstLoadGzipBytes > CONSOLE_FIRST_LOAD_TARGET_BYTES) process.exitCode = 1;
}
