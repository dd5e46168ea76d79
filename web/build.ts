/**
 * Builds the console into web/dist when it is missing or older than its sources, so
 * `npm ci && npm start` serves a working console and `npm test` tests the current one
 * (a build takes a few seconds). `tsx web/build.ts` checks and builds; `--force` always
 * builds. Sources: everything under web/ but dist, the shared code the console imports
 * (functions/contract, functions/domain, functions/routes.ts, functions/zod.ts) and the
 * lockfile.
 */
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const WEB = import.meta.dirname;
const ROOT = resolve(WEB, '..');
export const CONSOLE_DIST = join(WEB, 'dist');
const SOURCES = [
  join(WEB, 'src'),
  join(WEB, 'index.html'),
  join(WEB, 'vite.config.ts'),
  join(ROOT, 'functions/contract'),
  join(ROOT, 'functions/domain'),
  join(ROOT, 'functions/routes.ts'),
  join(ROOT, 'functions/zod.ts'),
  join(ROOT, 'package-lock.json'),
];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** Whether web/dist is missing or older than any source. */
export async function consoleBuildIsStale(): Promise<boolean> {
  const built = await stat(join(CONSOLE_DIST, 'index.html')).catch(() => undefined);
  if (!built) return true;
  const sources = await Promise.all(SOURCES.map(newestMtime));
  return Math.max(...sources) > built.mtimeMs;
}

/**
 * Runs `vite build` in a process of its own with NODE_ENV=production: under vitest
 * NODE_ENV is `test`, and the JSX transform would then emit its development form.
 */
export async function buildConsole(): Promise<void> {
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  const { status, error } = spawnSync(process.execPath, [vite, 'build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (error) throw error;
  if (status !== 0) throw new Error(`vite build exited with ${status}`);
}

/** Builds when stale; answers whether it built. */
export async function ensureConsoleBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  if (!options.force && !(await consoleBuildIsStale())) return false;
  const started = Date.now();
  options.log?.('Building the console (web/dist)…');
  await buildConsole();
  options.log?.(`Console built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  ensureConsoleBuilt({ force: process.argv.includes('--force'), log: (line) => console.log(line) }).catch((error: unknown) => {
    console.error(`The console could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
