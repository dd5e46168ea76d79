/**
 * `npm start` as a child process for e2e tests: its output, its exit, and a wait for a
 * line of its banner. Every process started here is killed when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
const main = join(ROOT, 'functions/local/main.ts');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

export interface StartedApp {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * `npm start -- <args>`: what the script runs (tsx functions/local/main.ts), as ONE node
 * process (`node --import tsx`), so a signal, SIGKILL included, reaches the runtime itself
 * rather than a tsx parent that would leave it running.
 */
export function startApp(args: string[], env: Record<string, string> = {}): StartedApp {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const output = () => ({ stdout, stderr });
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const started = Date.now();
    while (!pattern.test(stdout)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited ${child.exitCode ?? child.signalCode}: ${stderr}`);
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return stdout;
  };
  return { child, exited, output, waitFor };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
