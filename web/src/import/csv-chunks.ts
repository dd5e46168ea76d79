/**
 * Splits a CSV file into chunks the API can take one request at a time, so a
 * 100,000-row list imports from the browser: every chunk holds whole records (a quoted
 * cell with line breaks is never cut), starts with the file's header record, and knows
 * which row and line of the file it starts at, so the API's per-row results are
 * renumbered to the file's own numbering (README "Row numbers": the header is row 0,
 * every record after it counts, blank ones included).
 *
 * Records are found as the API's reader finds them (functions/handlers/shared/
 * enrollment-body.ts: csv-parse with relax_quotes, then its repair of broken quotes): a
 * quote opens a quoted cell only as a cell's first character, `""` inside it is a quote,
 * a quote elsewhere is literal; LF, CRLF and CR end a record. A record whose quote never
 * closes, or that spans several lines with a cell count other than the header's, is
 * broken: the API reports its first line alone as invalid and reads the following lines
 * on their own, so it counts here as one row of one line too.
 *
 * Pure: strings in, strings out (the file is decoded first: `decodeCsv`).
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export interface CsvRecordSpan {
  /** Offsets in the text: `[start, end)`, line break included. */
  start: number;
  end: number;
  /** File line (1-based) the record starts on. */
  line: number;
  /** Lines the record spans. */
  lines: number;
  cells: number;
  /** Every cell empty or white space: the API skips it without a result, but it keeps its number. */
  blank: boolean;
  /** An unclosed quote or a broken multi-line record: the API reports this row as invalid. */
  broken: boolean;
}

interface RawRecord {
  end: number;
  cells: number;
  blank: boolean;
  /** Line breaks inside quoted cells. */
  innerBreaks: number;
  /** Where the record's first line ends (after its line break). */
  firstLineEnd: number;
  unclosed: boolean;
}

function lineBreakLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === CR) return text.charCodeAt(i + 1) === LF ? 2 : 1;
  return c === LF ? 1 : 0;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09;

/** One record from `start`; with `cells`, its cell values (untrimmed) are collected. */
function readRecord(text: string, start: number, cells?: string[]): RawRecord {
  let count = 1;
  let blank = true;
  let innerBreaks = 0;
  let firstLineEnd = -1;
  let inQuotes = false;
  let fieldStart = true;
  let cell = '';
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE) {
          blank = false;
          if (cells) cell += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      const breakLength = lineBreakLength(text, i);
      if (breakLength > 0) {
        innerBreaks += 1;
        if (firstLineEnd < 0) firstLineEnd = i + breakLength;
        if (cells) cell += text.slice(i, i + breakLength);
        i += breakLength;
        continue;
      }
      if (!isSpace(c)) blank = false;
      if (cells) cell += text[i];
      i += 1;
      continue;
    }
    if (c === COMMA) {
      count += 1;
      fieldStart = true;
      cells?.push(cell);
      cell = '';
      i += 1;
      continue;
    }
    const breakLength = lineBreakLength(text, i);
    if (breakLength > 0) {
      cells?.push(cell);
      const end = i + breakLength;
      return { end, cells: count, blank, innerBreaks, firstLineEnd: firstLineEnd < 0 ? end : firstLineEnd, unclosed: false };
    }
    if (c === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      i += 1;
      continue;
    }
    fieldStart = false;
    if (!isSpace(c)) blank = false;
    if (cells) cell += text[i];
    i += 1;
  }
  cells?.push(cell);
  return { end: text.length, cells: count, blank, innerBreaks, firstLineEnd: firstLineEnd < 0 ? text.length : firstLineEnd, unclosed: inQuotes };
}

/** Every record of the text, in order; the header is the first record that is not blank. */
export function* csvRecords(text: string): Generator<CsvRecordSpan & { header: boolean }> {
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let expectedCells: number | undefined;
  while (position < text.length) {
    const raw = readRecord(text, position);
    const multiLine = raw.innerBreaks > 0;
    const broken = raw.unclosed || (expectedCells !== undefined && multiLine && raw.cells !== expectedCells);
    if (broken && multiLine) {
      // Only its first line is the row; the lines it swallowed are read again.
      yield { start: position, end: raw.firstLineEnd, line, lines: 1, cells: raw.cells, blank: false, broken: true, header: false };
      position = raw.firstLineEnd;
      line += 1;
      continue;
    }
    const header = expectedCells === undefined && !raw.blank;
    if (header) expectedCells = raw.cells;
    const lines = raw.innerBreaks + 1;
    yield { start: position, end: raw.end, line, lines, cells: raw.cells, blank: raw.blank, broken, header };
    position = raw.end;
    line += lines;
  }
}

/** The cells of one record (as the API would read them before trimming). */
export function cellsOf(text: string, span: Pick<CsvRecordSpan, 'start' | 'end'>): string[] {
  const cells: string[] = [];
  readRecord(text.slice(0, span.end), span.start, cells);
  return cells;
}

export interface CsvChunk {
  /** The header record, then whole data records: a CSV body of its own. */
  text: string;
  /** File row of the chunk's first record (the header is row 0). */
  firstRow: number;
  /** Records in the chunk (blank ones included). */
  rows: number;
  /** File line of the chunk's first data record. */
  firstLine: number;
  /** Lines the header takes at the top of the chunk. */
  headerLines: number;
}

export interface CsvPlan {
  /** The header's cells (untrimmed, as in the file). */
  header: string[];
  /** Data records in the file (blank ones included): the last row number. */
  rows: number;
  chunks: CsvChunk[];
}

export interface ChunkLimits {
  /** At most this many records per chunk. */
  maxRows: number;
  /** At most this many characters per chunk (header included), unless one record alone is longer. */
  maxChars: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxRows: 1000, maxChars: 300_000 };

/** Splits a decoded CSV into chunks of whole records, each led by the header. */
export function planCsvChunks(text: string, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): CsvPlan {
  let header: (CsvRecordSpan & { text: string }) | undefined;
  let headerCells: string[] = [];
  const chunks: CsvChunk[] = [];
  let row = 0;
  let current: { start: number; end: number; firstRow: number; firstLine: number; rows: number } | undefined;
  const flush = () => {
    if (!current || !header) return;
    chunks.push({
      text: header.text + text.slice(current.start, current.end),
      firstRow: current.firstRow,
      rows: current.rows,
      firstLine: current.firstLine,
      headerLines: header.lines,
    });
    current = undefined;
  };
  for (const span of csvRecords(text)) {
    if (!header) {
      if (!span.header) continue;
      const raw = text.slice(span.start, span.end);
      // A header without a line break (the file's last line) still needs one before the rows.
      header = { ...span, text: lineBreakLength(raw, raw.length - 1) > 0 ? raw : `${raw}\n` };
      headerCells = cellsOf(text, span);
      continue;
    }
    row += 1;
    if (current && (current.rows >= limits.maxRows || header.text.length + (span.end - current.start) > limits.maxChars)) flush();
    if (!current) current = { start: span.start, end: span.end, firstRow: row, firstLine: span.line, rows: 0 };
    current.end = span.end;
    current.rows += 1;
  }
  flush();
  return { header: headerCells, rows: row, chunks };
}

/** The first `count` data records' cells, for a preview table. */
export function previewRows(text: string, count: number): { header: string[]; rows: { row: number; line: number; cells: string[] }[] } {
  let header: string[] | undefined;
  const rows: { row: number; line: number; cells: string[] }[] = [];
  let row = 0;
  for (const span of csvRecords(text)) {
    if (!header) {
      if (span.header) header = cellsOf(text, span);
      continue;
    }
    row += 1;
    if (!span.blank) rows.push({ row, line: span.line, cells: cellsOf(text, span) });
    if (rows.length >= count) break;
  }
  return { header: header ?? [], rows };
}

/** A line number the API gave for a chunk (`line 3: …`), as a line of the whole file. */
export function fileLine(chunk: CsvChunk, chunkLine: number): number {
  return chunk.firstLine + (chunkLine - chunk.headerLines - 1);
}

/**
 * Bytes → text as the API reads a CSV without a charset: a UTF-16 byte-order mark decides,
 * else bytes that are valid UTF-8 are UTF-8, else Windows-1252 (what Excel writes). The
 * chunks are then sent as UTF-8 with `charset=utf-8`, so every chunk is read alike.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

/** One CSV line of cells; a cell a spreadsheet would run as a formula is prefixed with `'`. */
export function csvLine(cells: readonly (string | number | undefined)[]): string {
  return cells
    .map((value) => {
      let cell = value === undefined ? '' : String(value);
      if (/^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
      return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
    })
    .join(',');
}
