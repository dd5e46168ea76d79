/**
 * Reads the body of `POST /sequences/{id}/enrollments`: JSON `{"prospects": [...]}` or
 * `text/csv` with a header row. Row-level problems become invalid rows, never a failed
 * request; only a body that cannot be read at all is a 400.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { EnrollmentRowInput } from '../../use-cases/enroll-prospects';
import { HttpError, describeZodError } from './http';

const jsonBodySchema = z.object({ prospects: z.array(z.unknown()).min(1, 'at least one prospect is required') });

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

/** Row numbers count data rows (the header is not a row), as a spreadsheet user would after the header. */
function parseCsvRows(text: string): EnrollmentRowInput[] {
  if (text.trim() === '') throw new HttpError(400, 'CSV body is empty; expected a header row and data rows');
  let records: { record: Record<string, string>; info: { lines: number; invalid_field_length: number } }[];
  const skipped: { line: number; message: string }[] = [];
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((name) => name.trim());
        return header;
      },
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error: { lines?: number; message: string } | undefined) => {
        if (error) skipped.push({ line: error.lines ?? 0, message: error.message });
      },
    }) as typeof records;
  } catch (error) {
    throw new HttpError(400, `CSV could not be read: ${(error as Error).message}`);
  }
  if (!header.some((name) => /^(e-?mail|phone|mobile)/i.test(name.replace(/[\s_]/g, '')))) {
    throw new HttpError(400, `CSV header must include an "email" or "phone" column (got: ${header.join(', ') || 'nothing'})`);
  }

  const rows: (EnrollmentRowInput & { line: number })[] = records.map(({ record, info }) => {
    const line = info.lines;
    if (info.invalid_field_length > 0) {
      return { row: 0, line, error: `line ${line}: expected ${header.length} columns` };
    }
    return { row: 0, line, data: record };
  });
  for (const skip of skipped) rows.push({ row: 0, line: skip.line, error: `line ${skip.line}: ${skip.message}` });
  rows.sort((a, b) => a.line - b.line);
  return rows.map(({ line: _line, ...rest }, index) => ({ ...rest, row: index + 1 }));
}
