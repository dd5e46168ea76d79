/**
 * Cuts a CSV file into chunks of whole records while it streams, so an import job of any
 * size reads its file once with flat memory and hands each chunk to the same CSV reader a
 * small enrollment request uses (handlers/shared/enrollment-body.ts), one chunk at a time.
 *
 * Records are found as that reader finds them (csv-parse with relax_quotes, then its
 * repair of broken quotes): a quote opens a quoted cell only as a cell's first character,
 * `""` inside it is a quote, a quote elsewhere is literal; LF, CRLF and CR end a record
 * outside quotes. A record whose quote never closes, or that spans several lines with a
 * cell count other than the header's, is broken: the reader reports its first line alone
 * as invalid and reads the following lines on their own, so it is cut after its first line
 * here too. A quote left open for more than `maxRecordChars` is cut the same way, which
 * bounds memory whatever the file holds.
 *
 * Every chunk is a CSV text of its own: the header record, then the data records, with the
 * file row of its first record (the header is row 0; README "Row numbers") and the file
 * line it starts at, so the reader's row and line numbers are shifted to the file's.
 *
 * Pure: text in (in pieces of any size, as a decoder gives them), chunks out.
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export interface CsvChunk {
  /** Position of the chunk in the file, from 0. */
  index: number;
  /** The header record, then whole data records: a CSV body of its own. */
  text: string;
  /** File row of the chunk's first data record (the header is row 0). */
  firstRow: number;
  /** Data records in the chunk (blank ones included). */
  rows: number;
  /** File line of the chunk's first data record. */
  firstLine: number;
  /** Lines the header takes at the top of the chunk. */
  headerLines: number;
}

export interface ChunkLimits {
  /** At most this many records per chunk. */
  maxRows: number;
  /** At most this many characters of records per chunk, unless one record alone is longer. */
  maxChars: number;
  /** A quoted cell still open after this many characters is cut at its first line (a broken quote). */
  maxRecordChars: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxRows: 1000, maxChars: 60_000, maxRecordChars: 1_000_000 };

interface RawRecord {
  end: number;
  cells: number;
  blank: boolean;
  /** Line breaks inside quoted cells. */
  innerBreaks: number;
  /** Where the record's first line ends (after its line break). */
  firstLineEnd: number;
  /** The text ended before the record did (inside quotes, or without its line break). */
  incomplete: boolean;
  unclosed: boolean;
}

function lineBreakLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === CR) return text.charCodeAt(i + 1) === LF ? 2 : i + 1 < text.length ? 1 : -1;
  return c === LF ? 1 : 0;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09;

/** One record from `start`. A CR as the text's last character may be half of a CRLF: incomplete. */
function readRecord(text: string, start: number): RawRecord {
  let count = 1;
  let blank = true;
  let innerBreaks = 0;
  let firstLineEnd = -1;
  let inQuotes = false;
  let fieldStart = true;
  let i = start;
  const incomplete = (): RawRecord => ({
    end: text.length,
    cells: count,
    blank,
    innerBreaks,
    firstLineEnd: firstLineEnd < 0 ? text.length : firstLineEnd,
    incomplete: true,
    unclosed: inQuotes,
  });
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === QUOTE) {
        if (i + 1 >= text.length) return incomplete();
        if (text.charCodeAt(i + 1) === QUOTE) {
          blank = false;
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      const breakLength = lineBreakLength(text, i);
      if (breakLength < 0) return incomplete();
      if (breakLength > 0) {
        innerBreaks += 1;
        if (firstLineEnd < 0) firstLineEnd = i + breakLength;
        i += breakLength;
        continue;
      }
      if (!isSpace(c)) blank = false;
      i += 1;
      continue;
    }
    if (c === COMMA) {
      count += 1;
      fieldStart = true;
      i += 1;
      continue;
    }
    const breakLength = lineBreakLength(text, i);
    if (breakLength < 0) return incomplete();
    if (breakLength > 0) {
      const end = i + breakLength;
      return { end, cells: count, blank, innerBreaks, firstLineEnd: firstLineEnd < 0 ? end : firstLineEnd, incomplete: false, unclosed: false };
    }
    if (c === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      i += 1;
      continue;
    }
    fieldStart = false;
    if (!isSpace(c)) blank = false;
    i += 1;
  }
  return incomplete();
}

/**
 * Feed it text with `push`, then `end()`: each returns the chunks completed meanwhile.
 * Holds at most one chunk plus one unfinished record.
 */
export class CsvChunker {
  private buffer = '';
  /** Offset in `buffer` of the first record not yet placed in a chunk. */
  private position = 0;
  private line = 1;
  private row = 0;
  private index = 0;
  private first = true;
  private header: { text: string; cells: number; lines: number } | undefined;
  private current: { text: string[]; chars: number; firstRow: number; firstLine: number; rows: number } | undefined;
  private readonly limits: ChunkLimits;

  constructor(limits: Partial<ChunkLimits> = {}) {
    this.limits = { ...DEFAULT_CHUNK_LIMITS, ...limits };
  }

  /** The header's number of cells, once read. */
  get headerCells(): number | undefined {
    return this.header?.cells;
  }

  /** Data records seen so far (the last row number). */
  get rowsSeen(): number {
    return this.row;
  }

  push(text: string): CsvChunk[] {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer = this.buffer.slice(this.position) + text;
    this.position = 0;
    return this.drain(false);
  }

  end(): CsvChunk[] {
    const chunks = this.drain(true);
    const last = this.flush();
    return last ? [...chunks, last] : chunks;
  }

  private drain(final: boolean): CsvChunk[] {
    const chunks: CsvChunk[] = [];
    const text = this.buffer;
    while (this.position < text.length) {
      const raw = readRecord(text, this.position);
      if (raw.incomplete && !final) {
        // A quote open for too long is a broken record: cut it at its first line, as the reader will.
        const tooLong = raw.unclosed && raw.innerBreaks > 0 && raw.end - this.position > this.limits.maxRecordChars;
        if (!tooLong) break;
        this.place({ ...raw, unclosed: true }, chunks);
        continue;
      }
      this.place(raw, chunks);
    }
    return chunks;
  }

  /** Places the record at `position` (or its first line, when broken) and moves past it. */
  private place(raw: RawRecord, chunks: CsvChunk[]): void {
    const text = this.buffer;
    const multiLine = raw.innerBreaks > 0;
    const broken = raw.unclosed || (this.header !== undefined && multiLine && raw.cells !== this.header.cells);
    const end = broken && multiLine ? raw.firstLineEnd : raw.end;
    const lines = broken && multiLine ? 1 : raw.innerBreaks + 1;
    const recordText = text.slice(this.position, end);
    const line = this.line;
    this.position = end;
    this.line += lines;
    if (!this.header) {
      if (raw.blank && !broken) return;
      // A header without a line break (the file's last line) still needs one before the rows.
      const last = recordText.charCodeAt(recordText.length - 1);
      this.header = { text: last === LF || last === CR ? recordText : `${recordText}\n`, cells: raw.cells, lines };
      return;
    }
    this.row += 1;
    const current = this.current;
    if (current && (current.rows >= this.limits.maxRows || current.chars + recordText.length > this.limits.maxChars)) {
      const done = this.flush();
      if (done) chunks.push(done);
    }
    this.current ??= { text: [], chars: 0, firstRow: this.row, firstLine: line, rows: 0 };
    this.current.text.push(recordText);
    this.current.chars += recordText.length;
    this.current.rows += 1;
  }

  private flush(): CsvChunk | undefined {
    const current = this.current;
    if (!current || !this.header) return undefined;
    this.current = undefined;
    return {
      index: this.index++,
      text: this.header.text + current.text.join(''),
      firstRow: current.firstRow,
      rows: current.rows,
      firstLine: current.firstLine,
      headerLines: this.header.lines,
    };
  }

  /** The header record's text, once read (undefined for a file of blank lines). */
  get headerText(): string | undefined {
    return this.header?.text;
  }
}

/**
 * The cells of every record of a CSV text, in order, read like the records above (a quote
 * opens a quoted cell only as its first character, `""` inside it is a quote; LF, CRLF and
 * CR end a record): for what shows a file's first rows (the console's import preview) and
 * for reading our own results files. Cells are as written (untrimmed); blank records too.
 */
export function* csvCells(text: string): Generator<string[]> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const cells: string[] = [];
    let cell = '';
    let inQuotes = false;
    let fieldStart = true;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inQuotes) {
        if (c !== QUOTE) cell += text[i];
        else if (text.charCodeAt(i + 1) === QUOTE) {
          cell += '"';
          i++;
        } else inQuotes = false;
        continue;
      }
      if (c === COMMA) {
        cells.push(cell);
        cell = '';
        fieldStart = true;
        continue;
      }
      if (c === CR || c === LF) {
        i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        break;
      }
      if (c === QUOTE && fieldStart) inQuotes = true;
      else cell += text[i];
      fieldStart = false;
    }
    cells.push(cell);
    yield cells;
  }
}
