/**
 * The streaming chunker (domain/csv-records.ts): whatever pieces the text arrives in, the
 * chunks are the same, and reading the chunks one by one with the request body's reader
 * gives exactly the rows (numbers, lines, errors) that reading the whole file gives.
 */
import { describe, expect, it } from 'vitest';
import { CsvChunker, type ChunkLimits, type CsvChunk } from '../../../functions/domain/csv-records.js';
import { parseCsvChunk, parseEnrollmentBody } from '../../../functions/handlers/shared/enrollment-body.js';

function chunksOf(text: string, pieceSize: number, limits: Partial<ChunkLimits> = {}): CsvChunk[] {
  const chunker = new CsvChunker(limits);
  const chunks: CsvChunk[] = [];
  for (let i = 0; i < text.length; i += pieceSize) chunks.push(...chunker.push(text.slice(i, i + pieceSize)));
  chunks.push(...chunker.end());
  return chunks;
}

const FILES: Record<string, string> = {
  simple: 'email,firstName\na@example.com,A\nb@example.com,B\nc@example.com,C\n',
  crlfAndBlankLines: '\r\n\r\nEmail,Name\r\na@example.com,A\r\n\r\n,\r\nb@example.com,"B, the second"\r\nc@example.com,C',
  quotedLineBreaks: 'email,note\na@example.com,"line one\nline two"\nb@example.com,"say ""hi"""\nc@example.com,5" floppy\n',
  brokenQuotes: 'email,name,company\na@example.com,"Ann,Acme\nb@example.com,Bob,Bits\nc@example.com,"Cy\nd@example.com,Di,Dots\n"e@example.com,Ed,Eds\n',
  wrongCellCounts: 'email,name\na@example.com\nb@example.com,B,extra\nc@example.com,C\n',
  bomAndCr: '\ufeffemail,name\ra@example.com,A\rb@example.com,B\r',
  headerOnly: 'email,name\n',
};

describe('CsvChunker', () => {
  it.each(Object.entries(FILES))('%s: the same chunks whatever the piece size', (_name, text) => {
    const whole = chunksOf(text, text.length + 1, { maxRows: 2 });
    for (const size of [1, 2, 3, 7, 64]) expect(chunksOf(text, size, { maxRows: 2 })).toEqual(whole);
  });

  it.each(Object.entries(FILES))('%s: the chunks read one by one give the rows of the whole file', (_name, text) => {
    const whole = parseEnrollmentBody({ contentType: 'text/csv', body: new TextEncoder().encode(text) }).rows;
    for (const maxRows of [1, 2, 3, 1000]) {
      const rows = chunksOf(text, 5, { maxRows }).flatMap((chunk) => parseCsvChunk(chunk, undefined));
      expect(rows, `maxRows ${maxRows}`).toEqual(whole);
    }
  });

  it('numbers chunks, rows and lines as the file does, each chunk led by the header', () => {
    const chunks = chunksOf(FILES.quotedLineBreaks as string, 4, { maxRows: 1 });
    expect(chunks.map(({ index, firstRow, rows, firstLine, headerLines }) => ({ index, firstRow, rows, firstLine, headerLines }))).toEqual([
      { index: 0, firstRow: 1, rows: 1, firstLine: 2, headerLines: 1 },
      { index: 1, firstRow: 2, rows: 1, firstLine: 4, headerLines: 1 },
      { index: 2, firstRow: 3, rows: 1, firstLine: 5, headerLines: 1 },
    ]);
    for (const chunk of chunks) expect(chunk.text.startsWith('email,note\n')).toBe(true);
  });

  it('keeps chunks under maxChars', () => {
    const text = `email\n${Array.from({ length: 500 }, (_, i) => `someone${i}@example.com`).join('\n')}\n`;
    const chunks = chunksOf(text, 1000, { maxRows: 10_000, maxChars: 2_000 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(2_000 + 'email\n'.length);
    expect(chunks.reduce((sum, c) => sum + c.rows, 0)).toBe(500);
  });

  it('a quote that never closes does not hold the rest of the file: it is cut at its first line after maxRecordChars', () => {
    const chunker = new CsvChunker({ maxRows: 100, maxRecordChars: 10_000 });
    chunker.push('email,name\nbroken@example.com,"Never closed\n');
    const line = 'x@example.com,X\n';
    let emitted = 0;
    for (let i = 0; i < 5_000; i++) emitted += chunker.push(line).length;
    // Chunks come out while the file streams, long before its end.
    expect(emitted).toBeGreaterThan(40);
    const all = [...chunker.end()];
    expect(all.length).toBeGreaterThan(0);
  });

  it('a file of only a header or only blank lines gives no chunk', () => {
    const header = new CsvChunker();
    expect([...header.push('email,name\n'), ...header.end()]).toEqual([]);
    expect(header.headerText).toBe('email,name\n');
    const blank = new CsvChunker();
    expect([...blank.push('\n\n,,\n'), ...blank.end()]).toEqual([]);
    expect(blank.headerText).toBeUndefined();
  });
});
