import { describe, expect, it } from 'vitest';
import { followImportJob } from '../../../functions/contract/follow-import-job.js';
import type { ImportStatus } from '../../../functions/domain/import-job.js';

/** A job whose reads answer the statuses in turn, the last one for ever. */
function jobAnswering(...statuses: ImportStatus[]) {
  let reads = 0;
  return {
    read: async () => ({ status: statuses[Math.min(reads++, statuses.length - 1)]!, reads }),
    get reads() {
      return reads;
    },
  };
}

describe('followImportJob', () => {
  it('reads until the job ends and reports every state, the final one included', async () => {
    const job = jobAnswering('waiting_for_upload', 'running', 'running', 'done');
    const seen: ImportStatus[] = [];
    const final = await followImportJob({ read: job.read, onProgress: (j) => seen.push(j.status), pollMs: 0 });
    expect(final.status).toBe('done');
    expect(seen).toEqual(['waiting_for_upload', 'running', 'running', 'done']);
  });

  it('asks for the cancel once, then follows the job until it says cancelled', async () => {
    const job = jobAnswering('running', 'running', 'running', 'cancelled');
    let cancels = 0;
    const final = await followImportJob({ read: job.read, onProgress: () => {}, cancelRequested: () => true, cancel: async () => cancels++, pollMs: 0 });
    expect({ status: final.status, cancels, reads: job.reads }).toEqual({ status: 'cancelled', cancels: 1, reads: 4 });
  });

  it('ends on a failed job without asking to cancel it', async () => {
    let cancels = 0;
    const final = await followImportJob({ read: jobAnswering('failed').read, onProgress: () => {}, cancelRequested: () => true, cancel: async () => cancels++, pollMs: 0 });
    expect({ status: final.status, cancels }).toEqual({ status: 'failed', cancels: 0 });
  });
});
