/**
 * CSV exports through the API handler (in-memory store): an export larger than one
 * response ends at a page boundary with X-Next-Cursor and a Link to the rest; following
 * it gives every row exactly once, the header only in the first part.
 */
import { describe, expect, it } from 'vitest';
import { CSV_BUDGET_BYTES } from '../../../functions/handlers/api-queries.js';
import { createApiHandler } from '../../../functions/handlers/api.js';
import { inboxItemId } from '../../../functions/domain/inbox.js';
import { createTestContext } from '../../fakes/test-context.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';

describe('GET /inbox.csv in parts', () => {
  it('stops after the budget at a page boundary and continues from the cursor, every row once', async () => {
    const t = await createTestContext();
    const text = `=SUM(A1) "quoted", ${'x'.repeat(3_000)}`;
    const count = Math.ceil((CSV_BUDGET_BYTES * 1.5) / text.length);
    for (let i = 0; i < count; i++) {
      const prospectId = `p_${String(i).padStart(24, '0')}`;
      await t.ctx.store.putInboxItem({
        id: inboxItemId(prospectId, `m${i}`),
        kind: 'reply',
        at: new Date(Date.UTC(2026, 10, 23, 12, 0, 0) - i * 1000).toISOString(),
        prospectId,
        channel: 'email',
        text,
        handled: false,
      });
    }
    const api = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 1_000_000 });
    const get = (query = '') =>
      api(httpEvent({ routeKey: 'GET /inbox.csv', path: '/inbox.csv', ...(query ? { query } : {}) }), lambdaContext);

    const first = await get();
    expect(first.statusCode).toBe(200);
    const cursor = first.headers?.['x-next-cursor'] as string;
    expect(cursor).toBeTruthy();
    expect(first.headers?.link).toBe(`</inbox.csv?cursor=${cursor}>; rel="next"`);
    expect(Buffer.byteLength(String(first.body))).toBeGreaterThanOrEqual(CSV_BUDGET_BYTES);
    // At most one page (100 rows) past the budget: far under API Gateway's 6 MB, even escaped.
    expect(Buffer.byteLength(String(first.body))).toBeLessThan(CSV_BUDGET_BYTES + 100 * (text.length + 300));

    const second = await get(`cursor=${cursor}`);
    expect(second.headers?.['x-next-cursor']).toBeUndefined();
    const rows = (body: unknown) => String(body).split('\r\n').filter(Boolean);
    const [header, ...firstRows] = rows(first.body);
    expect(header?.startsWith('id,kind,at,')).toBe(true);
    const secondRows = rows(second.body);
    expect(secondRows[0]?.startsWith('id,')).toBe(false);
    const ids = [...firstRows, ...secondRows].map((line) => line.split(',')[0]);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    // The formula is defused, the quotes doubled.
    expect(firstRows[0]).toContain(`"'=SUM(A1) ""quoted"", x`);
  });
});
