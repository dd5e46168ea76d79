/**
 * What the CLI prints. Results go to stdout (a table for people, the API's JSON with
 * `--json`, CSV for exports); notes, progress and errors go to stderr, so
 * `followup export ID > results.csv` and `followup inbox --json | jq` get only data.
 * Plain text whatever the terminal: no colours or cursor moves, so output piped to a file
 * or read by a test is what a person sees.
 */
export interface Output {
  /** `--json`: print the API's answers as JSON instead of tables. */
  readonly json: boolean;
  /** A result line (or block) on stdout. */
  print(text: string): void;
  /** A note for the person on stderr. */
  note(text: string): void;
  /** Raw bytes on stdout (CSV parts), no newline added. */
  write(text: string): Promise<void>;
  /** Whether stderr is a terminal (progress may redraw a line then). */
  readonly interactive: boolean;
}

export function processOutput(json: boolean): Output {
  return {
    json,
    print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    note: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    write: (text) =>
      new Promise((resolve, reject) => {
        // Waits for a slow reader (a pipe to `head`, a disk) instead of buffering every part.
        process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
      }),
    interactive: process.stderr.isTTY === true,
  };
}

export function printJson(output: Output, value: unknown): void {
  output.print(JSON.stringify(value, null, 2));
}

export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell; an empty cell shows as `-`. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = (cell: Cell) => (cell === undefined || cell === null || cell === '' ? '-' : String(cell).replace(/\s+/g, ' '));
  const cells = [headers.map((h) => h), ...rows.map((row) => row.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** `label  value` lines, labels aligned. */
export function fields(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${value === undefined || value === null || value === '' ? '-' : String(value)}`).join('\n');
}

/** A rate as a person reads it: `12.5%`, or `-` when nothing was sent. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/** A long text cut for a table cell. */
export function truncate(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
