/**
 * The CLI's pure parts: `--since` values, tables, one-line errors, and the progress lines
 * a pipe gets (one per interval, then the last one), without a server.
 */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { oneLine } from '../../../cli/client.js';
import { parseSince, sinceInstant } from '../../../cli/options.js';
import type { Output } from '../../../cli/output.js';
import { table } from '../../../cli/output.js';
import { createProgress } from '../../../cli/progress.js';

describe('--since', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    ['30m', '2026-11-25T11:30:00.000Z'],
    ['12h', '2026-11-25T00:00:00.000Z'],
    ['1d', '2026-11-24T12:00:00.000Z'],
    ['2 weeks', '2026-11-11T12:00:00.000Z'],
    ['3 Days', '2026-11-22T12:00:00.000Z'],
  ])('%s counts back from the server time', (value, expected) => {
    expect(sinceInstant(parseSince(value), now)).toBe(expected);
  });

  it('takes an ISO time with a zone as given', () => {
    expect(sinceInstant(parseSince('2026-11-23T00:00:00+01:00'), now)).toBe('2026-11-23T00:00:00+01:00');
  });

  it.each(['yesterday', '1y', '2026-11-23', '2026-11-23T00:00:00', '-1d', ''])('refuses %j as a usage error', (value) => {
    expect(() => parseSince(value)).toThrow(InvalidArgumentError);
  });
});

describe('tables and error lines', () => {
  it('pads columns, shows empty cells as -, keeps cells on one line', () => {
    expect(table(['A', 'LONG HEADER', 'C'], [['x', undefined, 'multi\nline'], ['longer', 2, '']])).toBe(
      ['A       LONG HEADER  C', 'x       -            multi line', 'longer  2            -'].join('\n'),
    );
  });

  it('joins a multi-line server message into one line', () => {
    expect(oneLine('first problem\n\n  second problem\r\nthird')).toBe('first problem; second problem; third');
  });
});

describe('progress in a pipe', () => {
  function fakeOutput() {
    const notes: string[] = [];
    const output: Output = { json: false, interactive: false, print: () => undefined, note: (text) => notes.push(text), write: async () => undefined };
    return { output, notes };
  }

  it('writes a plain line at most once per interval, then the final one', () => {
    let t = 0;
    const { output, notes } = fakeOutput();
    const progress = createProgress(output, 'import leads.csv', { intervalMs: 2000, now: () => t });
    for (t = 0; t <= 5000; t += 500) progress.update({ done: t, total: 10_000, unit: 'rows' });
    progress.stop();
    expect(notes).toEqual([
      'import leads.csv: 2,000 of 10,000 rows (1,000 rows/s, ETA 8 s)',
      'import leads.csv: 4,000 of 10,000 rows (1,000 rows/s, ETA 6 s)',
      // stop() at t = 5500 repeats the last state, with the rate at that time
      'import leads.csv: 5,000 of 10,000 rows (909 rows/s, ETA 6 s)',
    ]);
    expect(notes.join('')).not.toMatch(/[\r\u001b]/);
  });

  it('a quick job prints only its final line', () => {
    const { output, notes } = fakeOutput();
    const progress = createProgress(output, 'export', { now: () => 10 });
    progress.update({ done: 3, unit: 'rows' });
    progress.stop('exported 3 enrollments (1 part)');
    expect(notes).toEqual(['exported 3 enrollments (1 part)']);
  });
});
