/**
 * The console's chunked import against a stand-in for the API: results come back in the
 * file's numbering, a chunk that failed with a 5xx is sent again and its skipped rows say
 * why, and a chunk the API refuses as a whole stops the import with its message.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, type Api } from '../../../web/src/api.js';
import { planCsvChunks } from '../../../web/src/import/csv-chunks.js';
import { RESENT_WARNING, resultsCsv, runChunkedImport } from '../../../web/src/import/run-import.js';

const CSV = 'email,name\na@example.com,A\nb@example.com,B\nbad,C\nd@example.com,D\n';

/** Answers like the API: enrolled for addresses, invalid (with the chunk's own line) for the rest. */
function fakeApi(behaviour: (call: number) => 'ok' | 'fail' | 'refuse'): { api: Api; bodies: string[] } {
  const bodies: string[] = [];
  let call = 0;
  const api = (async (_method: string, _path: string, options?: { body?: unknown }) => {
    call += 1;
    const body = String(options?.body);
    bodies.push(body);
    const what = behaviour(call);
    if (what === 'fail') throw new ApiError(500, 'internal error');
    if (what === 'refuse') throw new ApiError(400, 'CSV header has no email or phone column');
    const rows = body.trim().split('\n').slice(1);
    const results = rows.map((line, i) =>
      line.startsWith('bad')
        ? { row: i + 1, status: 'invalid', reason: `line ${i + 2}: email: "bad" is not a valid email address` }
        : call > 2
          ? { row: i + 1, status: 'skipped', prospectId: `p_${line[0]}`, reason: 'already active in this sequence' }
          : { row: i + 1, status: 'enrolled', prospectId: `p_${line[0]}`, enrollmentId: `p_${line[0]}.s` },
    );
    const summary = { enrolled: 0, skipped: 0, invalid: 0 };
    for (const r of results) summary[r.status as keyof typeof summary] += 1;
    return { summary, results };
  }) as Api;
  return { api, bodies };
}

describe('runChunkedImport', () => {
  it('renumbers rows and lines to the file, and marks the rows of a chunk sent again', async () => {
    const { api, bodies } = fakeApi((call) => (call === 2 ? 'fail' : 'ok'));
    const progress: number[] = [];
    const run = await runChunkedImport({
      api,
      sequenceId: 's',
      plan: planCsvChunks(CSV, { maxRows: 2, maxChars: 1000 }),
      onProgress: (p) => progress.push(p.rowsSent),
      isCancelled: () => false,
    });
    expect(bodies).toEqual(['email,name\na@example.com,A\nb@example.com,B\n', 'email,name\nbad,C\nd@example.com,D\n', 'email,name\nbad,C\nd@example.com,D\n']);
    expect(run.results.map((r) => [r.row, r.status])).toEqual([
      [1, 'enrolled'],
      [2, 'enrolled'],
      [3, 'invalid'],
      [4, 'skipped'],
    ]);
    expect(run.results[2]).toMatchObject({ reason: 'line 4: email: "bad" is not a valid email address' });
    expect(run.results[3]?.warnings).toEqual([RESENT_WARNING]);
    expect(run.summary).toEqual({ enrolled: 2, skipped: 1, invalid: 1 });
    expect(progress).toEqual([0, 2, 4]);
    expect(resultsCsv(run.results).split('\r\n')[3]).toBe('3,invalid,"line 4: email: ""bad"" is not a valid email address",,,');
  });

  it('stops at a chunk the API refuses as a whole, keeping what was done', async () => {
    const { api } = fakeApi((call) => (call === 2 ? 'refuse' : 'ok'));
    const run = await runChunkedImport({ api, sequenceId: 's', plan: planCsvChunks(CSV, { maxRows: 2, maxChars: 1000 }), onProgress: () => {}, isCancelled: () => false });
    expect(run.stoppedBy?.message).toBe('CSV header has no email or phone column');
    expect(run.results).toHaveLength(2);
  });
});
