/**
 * What the Import page shows of a file before it is sent: its encoding, how many rows it
 * has, its header and first rows. The file is read as a stream, as the import job reads it
 * (domain/text-encoding.ts decides the encoding, domain/csv-records.ts finds the records),
 * so the row count is the job's own and a large list never sits whole in the page's memory:
 * only the first chunk is kept, for the preview.
 */
import { CsvChunker, csvCells } from '../../../functions/domain/csv-records.js';
import { type CsvEncoding, decodeStream } from '../../../functions/domain/text-encoding.js';

export interface CsvFileScan {
  encoding: CsvEncoding;
  /** Data records in the file, blank ones included (the last row number; README "Row numbers"). */
  rows: number;
  /** The header's cells, as written. */
  header: string[];
  /** The first non-blank data rows, with their file row numbers. */
  preview: { row: number; cells: string[] }[];
}

/** Pieces of a file or blob (Chromium's ReadableStream is async iterable; this keeps the types honest). */
async function* piecesOf(file: Blob): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

export async function scanCsvFile(file: Blob, previewCount = 5): Promise<CsvFileScan> {
  const chunker = new CsvChunker();
  let first: string | undefined;
  let encoding: CsvEncoding = 'utf-8';
  for await (const piece of decodeStream(piecesOf(file))) {
    encoding = piece.encoding;
    for (const chunk of chunker.push(piece.text)) first ??= chunk.text;
  }
  for (const chunk of chunker.end()) first ??= chunk.text;
  const headerText = chunker.headerText;
  if (headerText === undefined) throw new Error('the file is empty: expected a header row and data rows');
  const header = csvCells(headerText).next().value ?? [];
  const preview: CsvFileScan['preview'] = [];
  if (first !== undefined) {
    let row = 0;
    for (const cells of csvCells(first.slice(headerText.length))) {
      row += 1;
      if (cells.every((cell) => cell.trim() === '')) continue;
      preview.push({ row, cells });
      if (preview.length >= previewCount) break;
    }
  }
  return { encoding, rows: chunker.rowsSeen, header, preview };
}
