/**
 * Progress of a long command on stderr, for every command that pages or uploads (export
 * today; the import command's upload and job too). On a terminal one line is redrawn in
 * place; otherwise (a pipe, a CI log, a test) a plain line is written at most every
 * `intervalMs`, plus a last one when it ends, so a log shows progress without a line per
 * row.
 */
import type { Output } from './output.js';

export interface ProgressState {
  /** Rows (or bytes) done so far. */
  done: number;
  /** When known. */
  total?: number;
  /** A short word for the unit: `rows`. */
  unit: string;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Writes the final line (always, even when the interval has not passed). */
  stop(final?: string): void;
}

export function createProgress(output: Output, label: string, options: { intervalMs?: number; now?: () => number } = {}): Progress {
  const intervalMs = options.intervalMs ?? 2000;
  const now = options.now ?? Date.now;
  const started = now();
  // The first plain line after one interval: a quick command prints only its final line.
  let lastWritten = started;
  let last: ProgressState | undefined;
  let drawn = false;

  const line = (state: ProgressState) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = state.done / seconds;
    const of = state.total !== undefined ? ` of ${state.total.toLocaleString('en-US')}` : '';
    const eta = state.total !== undefined && rate > 0 ? `, ETA ${Math.max(0, Math.ceil((state.total - state.done) / rate))} s` : '';
    return `${label}: ${state.done.toLocaleString('en-US')}${of} ${state.unit} (${Math.round(rate).toLocaleString('en-US')} ${state.unit}/s${eta})`;
  };

  return {
    update(state) {
      last = state;
      if (output.interactive) {
        process.stderr.write(`\r${line(state)}\u001b[K`);
        drawn = true;
        return;
      }
      if (now() - lastWritten < intervalMs) return;
      lastWritten = now();
      output.note(line(state));
    },
    stop(final) {
      if (drawn) process.stderr.write('\r\u001b[K');
      const text = final ?? (last ? line(last) : undefined);
      if (text) output.note(text);
    },
  };
}
