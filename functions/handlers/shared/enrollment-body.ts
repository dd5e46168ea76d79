/**
 * Reads the body of `POST /sequences/{id}/enrollments`: JSON `{"prospects": [...]}` or
 * `text/csv` with a header row. Row-level problems become invalid rows, never a failed
 * request; only a body that cannot be read at all is a 400.
 */
import { parse } from 'csv-parse/sync';
import * as z from '../../zod.js';
import type { EnrollmentRowInput } from '../../use-cases/enroll-prospects.js';
import { HttpError, describeZodError } from './http.js';

const jsonBodySchema = z.object({ prospects: z.array(z.unknown()).check(z.minLength(1, 'at least one prospect is required')) });

export function parseEnrollmentBody(contentType: string | undefined, text: string): EnrollmentRowInput[] {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  switch (type) {
    case 'text/csv':
    case 'application/csv':
      return parseCsvRows(text);
    case 'application/json':
    case '':
    case undefined:
      return parseJsonRows(text);
    default:
      throw new HttpError(415, `unsupported content-type "${type}"; send application/json or text/csv`);
  }
}

function parseJsonRows(text: string): EnrollmentRowInput[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = jsonBodySchema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
  return parsed.data.prospects.map((item, index) => {
    const row = index + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { row, error: `prospects[${index}]: expected an object with email and/or phone` };
    }
    return { row, data: item as Record<string, unknown> };
  });
}

/**
 * Row numbers count data rows (the header is not a row), as a spreadsheet user would.
 *
 * The text is first cut into records (quote-aware, so a quoted field may hold commas and
 * line breaks), then each record is parsed on its own: a malformed quote breaks only its
 * own row, never the rows after it.
 */
function parseCsvRows(text: string): EnrollmentRowInput[] {
  const records = splitCsvRecords(text.replace(/^\uFEFF/, ''));
  const headerRecord = records.shift();
  if (!headerRecord || headerRecord.text.trim() === '') {
    throw new HttpError(400, 'CSV body is empty; expected a header row and data rows');
  }
  let header: string[];
  try {
    header = (parse(headerRecord.text, { trim: true }) as string[][])[0] ?? [];
  } catch (error) {
    throw new HttpError(400, `CSV header row could not be read: ${(error as Error).message}`);
  }
  if (!header.some((name) => /^(e-?mail|phone|mobile)/i.test(name.replace(/[\s_]/g, '')))) {
    throw new HttpError(400, `CSV header must include an "email" or "phone" column (got: ${header.join(', ') || 'nothing'})`);
  }

  const rows: EnrollmentRowInput[] = [];
  for (const record of records) {
    if (record.text.trim() === '') continue;
    const row = rows.length + 1;
    let fields: string[];
    try {
      fields = (parse(record.text, { trim: true }) as string[][])[0] ?? [];
    } catch (error) {
      rows.push({ row, error: `line ${record.line}: ${csvErrorMessage(error)}` });
      continue;
    }
    if (fields.length !== header.length) {
      rows.push({ row, error: `line ${record.line}: expected ${header.length} columns (${header.join(', ')}), got ${fields.length}` });
      continue;
    }
    rows.push({ row, data: Object.fromEntries(header.map((name, index) => [name, fields[index] ?? ''])) });
  }
  return rows;
}

/** Cuts CSV text into records at line breaks outside quotes; `line` is where each starts (1-based). */
export function splitCsvRecords(text: string): { text: string; line: number }[] {
  const records: { text: string; line: number }[] = [];
  let inQuotes = false;
  let start = 0;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') inQuotes = !inQuotes;
    else if (char === '\n') {
      line += 1;
      if (!inQuotes) {
        records.push({ text: text.slice(start, i).replace(/\r$/, ''), line: startLine });
        start = i + 1;
        startLine = line;
      }
    }
  }
  if (start < text.length) records.push({ text: text.slice(start).replace(/\r$/, ''), line: startLine });
  return records;
}

function csvErrorMessage(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.replace(/ at line \d+/, '');
}
