/**
 * Reads the body of `POST /sequences/{id}/enrollments`: JSON `{"prospects": [...],
 * "columns"?: {...}}` or `text/csv` with a header row (and `?columns=` for a mapping).
 * Row-level problems become invalid rows, never a failed request; only a body that
 * cannot be read at all (or whose header cannot be mapped) is a 400.
 *
 * Row numbers (README "Row numbers"): JSON rows count from 1 in array order. CSV rows
 * are data records counted from the header, which is row 0, so row n is the (n+1)-th
 * row a spreadsheet shows. Empty lines (and lines of empty cells) are skipped without a
 * result but keep their number, so the numbers after them still match the file.
 */
import { parse, type CsvError } from 'csv-parse/sync';
import { enrollmentRequest } from '../../contract/sequences.js';
import {
  addressAliases,
  ColumnMappingError,
  parseColumnMapping,
  targetFor,
  type ColumnTarget,
} from '../../domain/prospect-columns.js';
import type { EnrollmentRowInput } from '../../use-cases/enroll-prospects.js';
import { decodeBody, parseContentType } from './body-encoding.js';
import { HttpError, describeZodError } from './http.js';

export interface EnrollmentBody {
  rows: EnrollmentRowInput[];
  /** JSON only: the request's explicit mapping of prospect keys (CSV rows arrive mapped). */
  columns?: ReadonlyMap<string, ColumnTarget>;
  /** `"reenroll": true` in a JSON body, or `?reenroll=true`: an ended run may start again. */
  reenroll: boolean;
  /** `?dryRun=true`: every row checked, nothing enrolled (use-cases/check-rows.ts). */
  dryRun: boolean;
}

export interface EnrollmentBodyInput {
  contentType: string | undefined;
  body: Uint8Array;
  /** Query parameters (already URL-decoded): `columns` may hold a JSON mapping. */
  query?: Record<string, string | undefined>;
}


export function parseEnrollmentBody(input: EnrollmentBodyInput): EnrollmentBody {
  const { type, charset } = parseContentType(input.contentType ?? 'application/json');
  const queryColumns = input.query?.columns !== undefined ? mappingFromQuery(input.query.columns) : undefined;
  const queryReenroll = input.query?.reenroll !== undefined ? booleanFromQuery(input.query.reenroll, 'reenroll') : undefined;
  const dryRun = input.query?.dryRun !== undefined ? booleanFromQuery(input.query.dryRun, 'dryRun') : false;
  switch (type) {
    case 'text/csv':
    case 'application/csv': {
      const text = decodeBody(input.body, { ...(charset ? { charset } : {}), fallback: 'windows-1252' });
      return { rows: parseCsvRows(text, queryColumns), reenroll: queryReenroll ?? false, dryRun };
    }
    case 'application/json':
    case '': {
      const body = parseJsonRows(decodeBody(input.body, charset ? { charset } : {}), queryColumns);
      return { ...body, reenroll: body.reenroll ?? queryReenroll ?? false, dryRun };
    }
    default:
      throw new HttpError(415, `unsupported content-type "${type.slice(0, 80)}"; send application/json or text/csv`);
  }
}

/** `?reenroll=true`: true/false (also 1/0, yes/no); anything else is a 400 naming the parameter. */
function booleanFromQuery(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no', ''].includes(value)) return false;
  throw new HttpError(400, `query parameter ${name}: expected true or false, got ${JSON.stringify(text.slice(0, 40))}`, undefined, name);
}

function mappingFromQuery(text: string): ReadonlyMap<string, ColumnTarget> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'query parameter columns: expected URL-encoded JSON like {"Work Mail":"email"}');
  }
  return mapping(value, 'columns');
}

function mapping(value: unknown, where: string): ReadonlyMap<string, ColumnTarget> {
  try {
    return parseColumnMapping(value, where);
  } catch (error) {
    if (error instanceof ColumnMappingError) throw new HttpError(400, error.message);
    throw error;
  }
}

function parseJsonRows(text: string, queryColumns: ReadonlyMap<string, ColumnTarget> | undefined): Omit<EnrollmentBody, 'reenroll' | 'dryRun'> & { reenroll?: boolean } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  const parsed = enrollmentRequest.safeParse(body);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    throw new HttpError(400, describeZodError(parsed.error), undefined, typeof field === 'string' ? field : undefined);
  }
  const columns = parsed.data.columns !== undefined ? mapping(parsed.data.columns, 'columns') : queryColumns;
  const rows = parsed.data.prospects.map((item, index): EnrollmentRowInput => {
    const row = index + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { row, error: `prospects[${index}]: expected an object with email and/or phone` };
    }
    return { row, data: item as Record<string, unknown> };
  });
  return { rows, ...(columns ? { columns } : {}), ...(parsed.data.reenroll !== undefined ? { reenroll: parsed.data.reenroll } : {}) };
}

// ----- CSV -------------------------------------------------------------------------------

/** One record of the file: its cells, or why it could not be read; it spans lines `line`..`end`. */
type CsvRecord = { line: number; end: number; cells: string[] } | { line: number; end: number; error: string };

/** Recoveries from a broken quote per body; past that the swallowed lines are reported, not re-read. */
const MAX_QUOTE_RECOVERIES = 50;

/** Where a chunk of a larger file starts (domain/csv-records.ts): its rows and lines are numbered as the file's. */
export interface CsvOrigin {
  rowOffset: number;
  lineOffset: number;
}

/**
 * One chunk of an import job's file (a CSV body of its own, led by the header): the same
 * reading as a CSV request body, rows and lines numbered as in the whole file.
 */
export function parseCsvChunk(
  chunk: { text: string; firstRow: number; firstLine: number; headerLines: number },
  columns: ReadonlyMap<string, ColumnTarget> | undefined,
): EnrollmentRowInput[] {
  return parseCsvRows(chunk.text, columns, { rowOffset: chunk.firstRow - 1, lineOffset: chunk.firstLine - chunk.headerLines - 1 });
}

/** Checks a file's header record alone (400-style HttpError when it maps no address column, repeats a column…). */
export function checkCsvHeader(headerText: string, columns: ReadonlyMap<string, ColumnTarget> | undefined): void {
  parseCsvRows(headerText, columns);
}

/** A JSON column mapping (`{"Work Mail": "email"}`) as the routes read it; 400 naming `where` when it is not one. */
export function columnMapping(value: unknown, where: string): ReadonlyMap<string, ColumnTarget> {
  return mapping(value, where);
}

function parseCsvRows(text: string, columns: ReadonlyMap<string, ColumnTarget> | undefined, origin: CsvOrigin = { rowOffset: 0, lineOffset: 0 }): EnrollmentRowInput[] {
  const reader = new CsvReader();
  const records = reader.read(text, 1);
  const headerIndex = records.findIndex((record) => !('cells' in record) || !isBlank(record.cells));
  const header = records[headerIndex];
  if (!header) throw new HttpError(400, 'CSV body is empty; expected a header row and data rows');
  if (!('cells' in header)) throw new HttpError(400, `CSV header row could not be read: ${header.error}`);
  const targets = mapHeader(header.cells, columns);
  reader.expectCells(header.cells.length);

  // Broken multi-line records are only recognisable once the header's width is known.
  const data = reader.recover(records.slice(headerIndex + 1), text);
  const rows: EnrollmentRowInput[] = [];
  data.forEach((record, index) => {
    const row = origin.rowOffset + index + 1;
    const line = origin.lineOffset + record.line;
    if (!('cells' in record)) {
      rows.push({ row, error: `line ${line}: ${record.error}` });
      return;
    }
    if (isBlank(record.cells)) return;
    if (record.cells.length !== header.cells.length) {
      rows.push({
        row,
        error: `line ${line}: expected ${header.cells.length} cells (${header.cells.join(', ').slice(0, 200)}), got ${record.cells.length}`,
      });
      return;
    }
    rows.push({ row, data: rowData(targets, record.cells) });
  });
  return rows;
}

function isBlank(cells: string[]): boolean {
  return cells.every((cell) => cell === '');
}

/** The prospect object of one row, keyed by field names (attributes in a null-prototype object). */
function rowData(targets: readonly ColumnTarget[], cells: string[]): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null);
  const attributes: Record<string, string> = Object.create(null);
  targets.forEach((target, index) => {
    const cell = cells[index] ?? '';
    if (target.kind === 'field') data[target.field] = cell;
    else if (target.kind === 'attribute') Object.defineProperty(attributes, target.name, { value: cell, enumerable: true, writable: true, configurable: true });
  });
  data.attributes = attributes;
  return data;
}

/** Header cells → what each column feeds; 400 for duplicates and for no address column at all. */
function mapHeader(header: string[], columns: ReadonlyMap<string, ColumnTarget> | undefined): ColumnTarget[] {
  const targets = header.map((name): ColumnTarget => (name.trim() === '' ? { kind: 'ignore' } : targetFor(name, columns)));
  const seenNames = new Map<string, number>();
  header.forEach((name, index) => {
    const earlier = seenNames.get(name);
    if (earlier !== undefined && name.trim() !== '' && targets[index]?.kind !== 'ignore') {
      throw new HttpError(400, `CSV header "${name.slice(0, 80)}" appears twice (columns ${earlier + 1} and ${index + 1}); rename or remove one`);
    }
    seenNames.set(name, index);
  });
  const byTarget = new Map<string, number>();
  targets.forEach((target, index) => {
    if (target.kind === 'ignore') return;
    const key = target.kind === 'field' ? `field:${target.field}` : `attribute:${target.name}`;
    const earlier = byTarget.get(key);
    if (earlier !== undefined) {
      const what = target.kind === 'field' ? target.field : `attributes.${target.name}`;
      throw new HttpError(
        400,
        `CSV columns "${header[earlier]?.slice(0, 80)}" and "${header[index]?.slice(0, 80)}" both map to ${what}; drop one, or say which to use with ?columns={"${header[index]?.slice(0, 80)}":"ignore"}`,
      );
    }
    byTarget.set(key, index);
  });
  if (!byTarget.has('field:email') && !byTarget.has('field:phone')) {
    throw new HttpError(
      400,
      `CSV header has no email or phone column (headers seen: ${header.map((h) => JSON.stringify(h.slice(0, 40))).join(', ').slice(0, 400) || 'none'}); accepted headers: ${addressAliases()}, or map one with ?columns={"<header>":"email"}`,
    );
  }
  return targets;
}

/**
 * One csv-parse call reads the whole body. A quote opened inside a cell may legally span
 * lines (RFC 4180), so a stray opening quote can swallow the following lines into one
 * record. Such a record is recognisable: it spans several lines and has the wrong number
 * of cells, or its quote is never closed. Then only its first line is reported invalid,
 * and the lines it swallowed are parsed again on their own (a second call, on that part
 * only). A quote inside an unquoted cell (`5" floppy`) is read literally (relax_quotes).
 * A swallowed record that happens to have the right number of cells is indistinguishable
 * from a cell with line breaks, and is read as one.
 */
class CsvReader {
  private expected: number | undefined;
  private recoveries = 0;
  private lineStarts: number[] | undefined;

  expectCells(count: number): void {
    this.expected = count;
  }

  /** Records of `text`, whose first line is line `firstLine` of the body. */
  read(text: string, firstLine: number): CsvRecord[] {
    const skipped: { line: number; code: string }[] = [];
    const parsed = parse(text, {
      bom: true,
      // Cells are trimmed below, not by csv-parse: its trim turns a stray quote into an
      // error after which it skips the rest of the file.
      trim: false,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      skip_records_with_error: true,
      info: true,
      on_skip: (error: CsvError | undefined) => {
        if (error) skipped.push({ line: Number(error.lines), code: error.code });
        return undefined;
      },
    }) as unknown as { record: string[]; info: { lines: number } }[];

    const ends: { end: number; cells?: string[]; code?: string }[] = parsed.map((p) => ({ end: p.info.lines, cells: p.record.map((cell) => cell.trim()) }));
    if (skipped.length > 0) {
      ends.push(...skipped.map((s) => ({ end: s.line, code: s.code })));
      ends.sort((a, b) => a.end - b.end);
    }
    const records: CsvRecord[] = [];
    let previousEnd = 0;
    for (const { end, cells, code } of ends) {
      const line = firstLine + previousEnd;
      const absoluteEnd = firstLine + end - 1;
      records.push(cells ? { line, end: absoluteEnd, cells } : { line, end: Math.max(line, absoluteEnd), error: quoteError(code) });
      previousEnd = Math.max(previousEnd, end);
    }
    // After an error csv-parse may stop early; whatever it did not reach is read again.
    if (skipped.length > 0 && this.recoveries < MAX_QUOTE_RECOVERIES) {
      const rest = this.linesOf(text, previousEnd + 1, Number.MAX_SAFE_INTEGER, true);
      if (rest.trim() !== '') {
        this.recoveries += 1;
        records.push(...this.read(rest, firstLine + previousEnd));
      }
    }
    return records;
  }

  /** Replaces each broken multi-line record by an error for its first line and the lines it swallowed. */
  recover(records: CsvRecord[], body: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (const record of records) {
      const { end } = record;
      const broken = !('cells' in record) || (end > record.line && record.cells.length !== this.expected);
      if (!broken) {
        out.push(record);
        continue;
      }
      out.push({ line: record.line, end: record.line, error: 'error' in record ? record.error : quoteError(undefined) });
      if (end <= record.line) continue;
      if (this.recoveries >= MAX_QUOTE_RECOVERIES) {
        for (let line = record.line + 1; line <= end; line += 1) {
          out.push({ line, end: line, error: 'not read: too many broken quotes earlier in the file; fix them and send the rest again' });
        }
        continue;
      }
      this.recoveries += 1;
      const swallowed = this.linesOf(body, record.line + 1, end);
      out.push(...this.recover(this.read(swallowed, record.line + 1), body));
    }
    return out;
  }

  /** The text of lines `from`..`to` (1-based, inclusive) of `text`, with their line breaks. */
  private linesOf(text: string, from: number, to: number, uncached = false): string {
    let starts = uncached ? undefined : this.lineStarts;
    if (!starts) {
      starts = [0];
      for (const match of text.matchAll(/\r\n|\r|\n/g)) starts.push((match.index ?? 0) + match[0].length);
      if (!uncached) this.lineStarts = starts;
    }
    return text.slice(starts[from - 1] ?? text.length, starts[to] ?? text.length);
  }
}

/** Every error left with relax_quotes and relax_column_count is about quotes. */
function quoteError(code: string | undefined): string {
  const detail = code === undefined || code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote opened in this row is not closed where the row ends' : 'a quoted cell is followed by more text';
  return `${detail}; quote the whole cell and double the quotes inside it ("5"" floppy"), or remove the quote`;
}
