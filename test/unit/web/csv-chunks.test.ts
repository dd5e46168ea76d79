/**
 * The console's CSV chunker against the API's own CSV reader: a file sent in chunks must
 * give every row the result, row number and line the whole file would have given.
 */
import { describe, expect, it } from 'vitest';
import { parseEnrollmentBody } from '../../../functions/handlers/shared/enrollment-body.js';
import { csvLine, decodeCsv, fileLine, planCsvChunks, previewRows } from '../../../web/src/import/csv-chunks.js';

type Row = [row: number, what: string];

function readAsApi(csv: string): Row[] {
  const { rows } = parseEnrollmentBody({ contentType: 'text/csv; charset=utf-8', body: new TextEncoder().encode(csv) });
  return rows.map((r): Row => ('error' in r ? [r.row, r.error] : [r.row, JSON.stringify({ ...r.data, attributes: { ...(r.data.attributes as object) } })]));
}

function readInChunks(csv: string, maxRows: number, maxChars = 1_000_000): Row[] {
  const plan = planCsvChunks(csv, { maxRows, maxChars });
  return plan.chunks.flatMap((chunk) =>
    readAsApi(chunk.text).map(([row, what]): Row => [
      chunk.firstRow - 1 + row,
      what.replace(/^line (\d+):/, (_, line: string) => `line ${fileLine(chunk, Number(line))}:`),
    ]),
  );
}

const CASES: Record<string, string> = {
  plain: 'email,first name\na@example.com,Ann\nb@example.com,Bob\nc@example.com,Cy\nd@example.com,Di\ne@example.com,Ed\n',
  'CRLF, BOM and no final line break': '\uFEFFEmail,Name\r\na@example.com,Ann\r\nb@example.com,Bob\r\nc@example.com,Cy',
  'CR only (old Mac)': 'email,name\ra@example.com,Ann\rb@example.com,Bob\rc@example.com,Cy\r',
  'quoted cells with commas, quotes and line breaks': 'email,note\na@example.com,"one, two"\nb@example.com,"line\nbreak\nthree"\nc@example.com,"say ""hi"""\nd@example.com,5" floppy\n',
  'blank lines and lines of empty cells keep their numbers': 'email,name\n\na@example.com,Ann\n,\n\nb@example.com,Bob\n  ,  \nc@example.com,Cy\n',
  'leading blank lines before the header': '\n\nemail,name\na@example.com,Ann\nb@example.com,Bob\n',
  'an unclosed quote swallows nothing': 'email,name\na@example.com,"Ann\nb@example.com,Bob\nc@example.com,Cy\nd@example.com,Di\n',
  'a multi-line record with the wrong cell count': 'email,name\na@example.com,"multi\nline",extra\nb@example.com,Bob\nc@example.com,Cy\n',
  'too many and too few cells, bad addresses': 'email,name\na@example.com,Ann,x\nb@example.com\nnot-an-email,Bob\n,Nobody\nc@example.com,Cy\n',
  'a quote after the first character is literal': 'email,name\na@example.com,O"Brien\n"b@example.com"x,Bob\nc@example.com,Cy\n',
};

describe('CSV chunks read as the API reads the whole file', () => {
  for (const [name, csv] of Object.entries(CASES)) {
    it(name, () => {
      const whole = readAsApi(csv);
      expect(whole.length).toBeGreaterThan(0);
      for (const maxRows of [1, 2, 3, 1000]) expect(readInChunks(csv, maxRows), `maxRows ${maxRows}`).toEqual(whole);
    });
  }

  it('counts the rows and keeps each chunk under the size limit, header included', () => {
    const lines = ['Email,Company'];
    for (let i = 1; i <= 2500; i += 1) lines.push(`p${i}@example.com,"Company ${i}, Inc."`);
    const csv = `${lines.join('\n')}\n`;
    const plan = planCsvChunks(csv, { maxRows: 1000, maxChars: 20_000 });
    expect(plan.rows).toBe(2500);
    expect(plan.header).toEqual(['Email', 'Company']);
    expect(plan.chunks.every((chunk) => chunk.text.length <= 20_000 && chunk.text.startsWith('Email,Company\n'))).toBe(true);
    expect(plan.chunks.reduce((sum, chunk) => sum + chunk.rows, 0)).toBe(2500);
    expect(plan.chunks.map((c) => c.firstRow)).toEqual(plan.chunks.map((_, i) => 1 + plan.chunks.slice(0, i).reduce((s, c) => s + c.rows, 0)));
    expect(readInChunks(csv, 700, 20_000)).toEqual(readAsApi(csv));
  });

  it('previews the first rows with their file row numbers', () => {
    const preview = previewRows(CASES['blank lines and lines of empty cells keep their numbers'] as string, 2);
    expect(preview.header).toEqual(['email', 'name']);
    expect(preview.rows).toEqual([
      { row: 2, line: 3, cells: ['a@example.com', 'Ann'] },
      { row: 5, line: 6, cells: ['b@example.com', 'Bob'] },
    ]);
  });

  it('decodes as the API does: UTF-16 by its mark, UTF-8 when valid, else Windows-1252', () => {
    expect(decodeCsv(new Uint8Array([0x52, 0x65, 0x6e, 0xe9, 0x65]))).toEqual({ text: 'Renée', encoding: 'windows-1252' });
    expect(decodeCsv(new TextEncoder().encode('Renée'))).toEqual({ text: 'Renée', encoding: 'utf-8' });
    expect(decodeCsv(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0xe9, 0x00]))).toEqual({ text: 'Aé', encoding: 'utf-16le' });
  });

  it('writes result CSV cells quoted, and formulas defused', () => {
    expect(csvLine([1, 'a,b', 'say "x"', '=HYPERLINK("x")', undefined])).toBe('1,"a,b","say ""x""","\'=HYPERLINK(""x"")",');
  });
});

describe('a 100,000-row list', () => {
  it('plans 100 chunks of whole records with contiguous row numbers, in well under a second', () => {
    const lines = ['Email,First Name,Company,Note'];
    for (let i = 1; i <= 100_000; i += 1) lines.push(`p${i}@example.com,First${i},"Company ${i}, Inc.","a note\r\nover two lines"`);
    const csv = `${lines.join('\r\n')}\r\n`;
    const started = performance.now();
    const plan = planCsvChunks(csv);
    const elapsed = performance.now() - started;
    expect(plan.rows).toBe(100_000);
    expect(plan.chunks).toHaveLength(100);
    let next = 1;
    for (const chunk of plan.chunks) {
      expect(chunk.firstRow).toBe(next);
      expect(chunk.text.startsWith('Email,First Name,Company,Note\r\n')).toBe(true);
      expect(chunk.text.endsWith('over two lines"\r\n')).toBe(true);
      next += chunk.rows;
    }
    expect(next).toBe(100_001);
    // A generous bound: the point is that splitting is linear and cheap, not a benchmark.
    expect(elapsed).toBeLessThan(5_000);
  });
});
