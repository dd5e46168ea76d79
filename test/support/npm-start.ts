/**
 * `npm start` as a child process for e2e tests: its output, its exit, and a wait for a
 * line of its banner. Every process started here is killed when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
const main = join(ROOT, 'functions/local/main.ts');
const started: StartedApp[] = [];

afterAll(() => {
  for (const app of started) {
    try {
      app.signal('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface StartedApp {
  child: ChildProcess;
  /** Sends a signal the way a terminal does: to the runtime (and, through npm, to its whole process group). */
  signal(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * `npm start -- <args>`. By default what the script runs (tsx functions/local/main.ts) as
 * ONE node process (`node --import tsx`), so a signal reaches the runtime itself and its
 * exit code is the test's to read. With `viaNpm`, the real `npm start` in a process group
 * of its own (npm → sh → tsx → node), and `signal` goes to the whole group as a terminal's
 * Ctrl-C would: a SIGKILL sent to npm alone would leave the runtime running.
 */
export function startApp(args: string[], env: Record<string, string> = {}, options: { viaNpm?: boolean } = {}): StartedApp {
  const [command, commandArgs] = options.viaNpm
    ? ['npm', ['start', '--silent', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', main, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.viaNpm ? { detached: true } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const output = () => ({ stdout, stderr });
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const since = Date.now();
    while (!pattern.test(stdout)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited ${child.exitCode ?? child.signalCode}: ${stderr}`);
      if (Date.now() - since > timeoutMs) throw new Error(`timed out waiting for ${pattern}: ${stdout} ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return stdout;
  };
  const signal = (name: NodeJS.Signals) => {
    if (options.viaNpm && child.pid !== undefined) process.kill(-child.pid, name);
    else child.kill(name);
  };
  const app = { child, signal, exited, output, waitFor };
  started.push(app);
  return app;
}

/** Resolves once nothing listens on the port any more (the runtime has gone). */
export async function portClosed(port: number, timeoutMs = 20_000): Promise<void> {
  const since = Date.now();
  for (;;) {
    const open = await new Promise<boolean>((resolveOpen) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolveOpen(true)));
      socket.once('error', () => resolveOpen(false));
    });
    if (!open) return;
    if (Date.now() - since > timeoutMs) throw new Error(`port ${port} is still open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
