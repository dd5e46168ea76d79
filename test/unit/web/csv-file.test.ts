/**
 * What the Import page shows of a file before it is sent (web/src/import/csv-file.ts): the
 * row count must be the one the server's reader gives the same file, the preview its first
 * rows with their file numbers, in the file's own encoding; and the page reads our own
 * results.csv back into rows (web/src/import/run-import-job.ts).
 */
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../functions/domain/csv.js';
import { RESULTS_HEADER } from '../../../functions/domain/import-job.js';
import { parseEnrollmentBody } from '../../../functions/handlers/shared/enrollment-body.js';
import { csvCells } from '../../../functions/domain/csv-records.js';
import { scanCsvFile } from '../../../web/src/import/csv-file.js';
import { rowResultOf } from '../../../web/src/import/run-import-job.js';

const CASES: Record<string, string> = {
  plain: 'email,first name\na@example.com,Ann\nb@example.com,Bob\nc@example.com,Cy\n',
  'CRLF, BOM and no final line break': '\uFEFFEmail,Name\r\na@example.com,Ann\r\nb@example.com,Bob\r\nc@example.com,Cy',
  'CR only (old Mac)': 'email,name\ra@example.com,Ann\rb@example.com,Bob\rc@example.com,Cy\r',
  'quoted cells with commas, quotes and line breaks': 'email,note\na@example.com,"one, two"\nb@example.com,"line\nbreak"\nc@example.com,"say ""hi"""\n',
  'blank lines keep their numbers': 'email,name\n\na@example.com,Ann\n,\n\nb@example.com,Bob\n',
  'an unclosed quote swallows nothing': 'email,name\na@example.com,"Ann\nb@example.com,Bob\nc@example.com,Cy\n',
};

/** The last row number the API's reader gives the whole file (rows with a result). */
function lastRowAsApi(csv: string): number {
  const { rows } = parseEnrollmentBody({ contentType: 'text/csv; charset=utf-8', body: new TextEncoder().encode(csv) });
  return Math.max(...rows.map((r) => r.row));
}

describe('scanCsvFile', () => {
  for (const [name, csv] of Object.entries(CASES)) {
    it(`counts rows as the API reads them: ${name}`, async () => {
      const scan = await scanCsvFile(new Blob([csv]));
      expect(scan.rows).toBe(lastRowAsApi(csv));
      expect(scan.header.map((h) => h.trim().toLowerCase())).toEqual(csv.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)[0]?.toLowerCase().split(','));
    });
  }

  it('previews the first non-blank rows with their file row numbers and cells', async () => {
    const scan = await scanCsvFile(new Blob([CASES['blank lines keep their numbers'] as string]), 2);
    expect(scan.preview).toEqual([
      { row: 2, cells: ['a@example.com', 'Ann'] },
      { row: 5, cells: ['b@example.com', 'Bob'] },
    ]);
    const quoted = await scanCsvFile(new Blob([CASES['quoted cells with commas, quotes and line breaks'] as string]));
    expect(quoted.preview.map((r) => r.cells[1])).toEqual(['one, two', 'line\nbreak', 'say "hi"']);
  });

  it('reads the encoding as the server does: UTF-16 by its mark, UTF-8 when valid, else Windows-1252', async () => {
    const windows = await scanCsvFile(new Blob([new Uint8Array([...new TextEncoder().encode('name\nRen'), 0xe9, 0x65, 0x0a])]));
    expect(windows).toMatchObject({ encoding: 'windows-1252', rows: 1, preview: [{ row: 1, cells: ['Renée'] }] });
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'name\nAé\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(await scanCsvFile(new Blob([utf16]))).toMatchObject({ encoding: 'utf-16le', header: ['name'], preview: [{ row: 1, cells: ['Aé'] }] });
    expect((await scanCsvFile(new Blob(['name\nRenée\n']))).encoding).toBe('utf-8');
  });

  it('refuses an empty file, or one of blank lines, with a message', async () => {
    await expect(scanCsvFile(new Blob(['']))).rejects.toThrow(/the file is empty/);
    await expect(scanCsvFile(new Blob(['\n\n  \n']))).rejects.toThrow(/the file is empty/);
  });

  it('counts 100,000 rows read as a stream of small pieces', async () => {
    const lines = ['Email,Company'];
    for (let i = 1; i <= 100_000; i += 1) lines.push(`p${i}@example.com,"Company ${i}, Inc."`);
    const scan = await scanCsvFile(new Blob([`${lines.join('\r\n')}\r\n`]));
    expect(scan.rows).toBe(100_000);
    expect(scan.preview.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('the results file read back', () => {
  it('gives each line of results.csv as the row result the table shows', () => {
    const text = [
      csvLine(RESULTS_HEADER),
      csvLine([1, 'enrolled', '', 'p_1', 'p_1.s', '']),
      csvLine([2, 'skipped', 'replied by email on 2026-11-02, "thanks"', 'p_2', '', 'phone: not a number; zone guessed']),
      csvLine([3, 'invalid', 'line 4: email: "x" is not a valid email address', '', '', '']),
    ].join('');
    const rows = [...csvCells(text)].slice(1).map(rowResultOf);
    expect(rows).toEqual([
      { row: 1, status: 'enrolled', prospectId: 'p_1', enrollmentId: 'p_1.s' },
      { row: 2, status: 'skipped', prospectId: 'p_2', reason: 'replied by email on 2026-11-02, "thanks"', warnings: ['phone: not a number', 'zone guessed'] },
      { row: 3, status: 'invalid', reason: 'line 4: email: "x" is not a valid email address' },
    ]);
  });
});
