/** What an SQS record of the import queues asks for (functions/handlers/import-worker.ts). */
import { describe, expect, it } from 'vitest';
import { importMessagesOf } from '../../../functions/handlers/import-worker.js';

const ID = `imp_${'ab'.repeat(16)}`;

describe('importMessagesOf', () => {
  it('reads an S3 upload event (URL-encoded key) as a split of that import', () => {
    const body = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: `imports%2F${ID}%2Fupload.csv`, size: 10 } } }] });
    expect(importMessagesOf({ body })).toEqual([{ kind: 'split', importId: ID }]);
  });

  it("asks nothing for S3's test event or another object's event", () => {
    expect(importMessagesOf({ body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) })).toEqual([]);
    expect(importMessagesOf({ body: JSON.stringify({ Records: [{ s3: { object: { key: `imports/${ID}/results/00000001.csv` } } }] }) })).toEqual([]);
  });

  it("passes the splitter's chunk messages through", () => {
    const chunk = { kind: 'chunk', importId: ID, chunk: { index: 0, text: 'email\na@b.co\n', firstRow: 1, rows: 1, firstLine: 2, headerLines: 1, byteEnd: 13 } };
    expect(importMessagesOf({ body: JSON.stringify(chunk) })).toEqual([chunk]);
  });
});
