/**
 * Chunks of an import job are idempotent, against dynalite: a chunk killed half way (a
 * store that throws after N writes, a scheduler that throws after N schedules) and run
 * again ends with the same per-row results as a chunk that was never interrupted, every
 * enrolled row has exactly one schedule, created once, and the job's counts are not
 * counted twice, also when a finished chunk's message is delivered again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoImportStore } from '../../../functions/adapters/dynamodb/imports.js';
import { importObjects, type ImportMessage } from '../../../functions/domain/import-job.js';
import { parseCsvChunk } from '../../../functions/handlers/shared/enrollment-body.js';
import { splitImport } from '../../../functions/handlers/shared/import-splitter.js';
import type { Store, TouchScheduler } from '../../../functions/ports.js';
import { createImport, getImport, type ImportingContext } from '../../../functions/use-cases/import-jobs.js';
import { runImportChunk } from '../../../functions/use-cases/run-import-chunk.js';
import { createDynamoInboundContext, type DynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { fakeUploadUrls, MemoryObjectStore, RecordingImportQueue } from '../../fakes/imports.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

/** 120 rows: people with email, some with phones, a bad row, a duplicate, a blank line. */
function leads(): string {
  const lines = ['Email,First Name,Mobile,Time Zone'];
  for (let i = 1; i <= 120; i++) {
    if (i === 7) lines.push('not-an-email,Bad,,');
    else if (i === 50) lines.push('person3@example.org,Again,,');
    else if (i === 80) lines.push(',,,');
    else lines.push(`person${i}@example.org,Person ${i},${i % 3 === 0 ? `+1415555${String(1000 + i)}` : ''},America/New_York`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

interface Harness {
  t: DynamoInboundContext;
  ctx: ImportingContext;
  objects: MemoryObjectStore;
  queue: RecordingImportQueue;
}

async function harness(): Promise<Harness> {
  const t = await createDynamoInboundContext(db);
  const objects = new MemoryObjectStore();
  const queue = new RecordingImportQueue();
  const ctx: ImportingContext = {
    ...t.ctx,
    imports: dynamoImportStore({ client: db.client, tableName: t.tableName }),
    objects,
    uploads: fakeUploadUrls,
    importQueue: queue,
  };
  return { t, ctx, objects, queue };
}

/** An import of `leads()` split into chunks of 60 rows: the chunk messages. */
async function splitLeads(h: Harness): Promise<{ importId: string; chunks: Extract<ImportMessage, { kind: 'chunk' }>[] }> {
  const { importId } = await createImport(h.ctx, { sequenceId: h.t.sequence.id });
  await h.objects.put(importObjects.upload(importId), leads());
  expect(await splitImport(h.ctx, importId, { maxRows: 60 })).toBe('split');
  const chunks = h.queue.sent.filter((m): m is Extract<ImportMessage, { kind: 'chunk' }> => m.kind === 'chunk');
  return { importId, chunks };
}

function run(ctx: ImportingContext, importId: string, message: Extract<ImportMessage, { kind: 'chunk' }>) {
  const { text: _text, ...chunk } = message.chunk;
  return runImportChunk(ctx, { importId, chunk, rowsOf: () => parseCsvChunk(message.chunk, undefined) });
}

/** A store whose enrollment writes (batches, restarts, timeline, counters) throw once `limit` went through. */
function failingAfter<T extends object>(target: T, methods: readonly string[], limit: number): T {
  let calls = 0;
  return new Proxy(target, {
    get(object, name, receiver) {
      const value = Reflect.get(object, name, receiver);
      if (typeof value !== 'function' || !methods.includes(String(name))) return typeof value === 'function' ? value.bind(object) : value;
      return async (...args: unknown[]) => {
        calls += 1;
        if (calls > limit) throw new Error(`killed after ${limit} writes`);
        return value.apply(object, args);
      };
    },
  });
}

const STORE_WRITES = ['putEnrollmentBatch', 'restartEnrollment', 'appendTimeline', 'addToCounters'] as const;

/** Results of the import's chunks as listed in results.csv order. */
function resultsOf(h: Harness, importId: string, chunks: number): string {
  return Array.from({ length: chunks }, (_, index) => h.objects.text(importObjects.chunkResults(importId, index)) ?? '<missing>').join('');
}

async function reference(): Promise<{ results: string; progress: Awaited<ReturnType<typeof getImport>>['progress'] }> {
  const h = await harness();
  const { importId, chunks } = await splitLeads(h);
  for (const chunk of chunks) expect(await run(h.ctx, importId, chunk)).toBe('done');
  return { results: resultsOf(h, importId, chunks.length), progress: (await getImport(h.ctx, importId)).progress };
}

function expectOneScheduleEach(h: Harness, results: string): void {
  const enrolled = results.split('\r\n').filter((line) => line.split(',')[1] === 'enrolled');
  expect(enrolled.length).toBeGreaterThan(100);
  for (const line of enrolled) {
    const enrollmentId = line.split(',')[4] as string;
    expect(h.t.scheduler.pendingFor(enrollmentId), enrollmentId).toHaveLength(1);
  }
  const created = h.t.scheduler.calls.filter((c) => c.op === 'schedule' && c.created);
  expect(created).toHaveLength(enrolled.length);
}

describe('an import chunk run twice enrolls nobody twice and schedules nothing twice', () => {
  it('killed after some of its lanes wrote (store throws after 5 writes), then run again: the same results as an uninterrupted run', async () => {
    const clean = await reference();
    const h = await harness();
    const { importId, chunks } = await splitLeads(h);
    expect(chunks).toHaveLength(2);
    const [first, second] = chunks as [Extract<ImportMessage, { kind: 'chunk' }>, Extract<ImportMessage, { kind: 'chunk' }>];

    const dying: ImportingContext = { ...h.ctx, store: failingAfter<Store>(h.ctx.store, STORE_WRITES, 5) };
    await expect(run(dying, importId, first)).rejects.toThrow(/killed after 5 writes/);
    // The kill stops every later write; let the lanes still in flight reach theirs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Some rows of the chunk were enrolled before it died; none is counted yet.
    const stored = await h.ctx.store.listEnrollmentsBySequence({ sequenceId: h.t.sequence.id, limit: 100 });
    expect(stored.items.length).toBeGreaterThan(0);
    expect(stored.items.length).toBeLessThan(58);
    expect((await getImport(h.ctx, importId)).progress).toMatchObject({ rowsRead: 0, enrolled: 0, chunksDone: 0, status: 'running' });

    expect(await run(h.ctx, importId, first)).toBe('done');
    expect(await run(h.ctx, importId, second)).toBe('done');
    const results = resultsOf(h, importId, 2);
    expect(results).toBe(clean.results);
    expectOneScheduleEach(h, results);
    const { progress } = await getImport(h.ctx, importId);
    expect(progress).toMatchObject({ status: 'done', rowsRead: 120, chunksDone: 2, totalChunks: 2 });
    expect({ enrolled: progress.enrolled, skipped: progress.skipped, invalid: progress.invalid }).toEqual({
      enrolled: clean.progress.enrolled,
      skipped: clean.progress.skipped,
      invalid: clean.progress.invalid,
    });
  });

  it('killed between writing enrollments and scheduling them (scheduler throws after 10), then run again: every enrolled row scheduled once', async () => {
    const clean = await reference();
    const h = await harness();
    const { importId, chunks } = await splitLeads(h);
    const dying: ImportingContext = { ...h.ctx, scheduler: failingAfter<TouchScheduler>(h.ctx.scheduler, ['schedule'], 10) };
    await expect(run(dying, importId, chunks[0] as Extract<ImportMessage, { kind: 'chunk' }>)).rejects.toThrow(/killed/);
    for (const chunk of chunks) expect(await run(h.ctx, importId, chunk)).toBe('done');
    const results = resultsOf(h, importId, chunks.length);
    expect(results).toBe(clean.results);
    expectOneScheduleEach(h, results);
  });

  it('a finished chunk delivered again does nothing and counts nothing twice', async () => {
    const h = await harness();
    const { importId, chunks } = await splitLeads(h);
    for (const chunk of chunks) expect(await run(h.ctx, importId, chunk)).toBe('done');
    const before = (await getImport(h.ctx, importId)).progress;
    const calls = h.t.scheduler.calls.length;
    expect(await run(h.ctx, importId, chunks[1] as Extract<ImportMessage, { kind: 'chunk' }>)).toBe('job-not-running');
    expect((await getImport(h.ctx, importId)).progress).toEqual(before);
    expect(h.t.scheduler.calls.length).toBe(calls);
  });

  it('the chunk a worker stored but did not count (died before counting) finishes the job when it is delivered again', async () => {
    const h = await harness();
    const { importId, chunks } = await splitLeads(h);
    const forgetful: ImportingContext = { ...h.ctx, imports: failingAfter(h.ctx.imports, ['addChunkDone'], 0) };
    await expect(run(forgetful, importId, chunks[0] as Extract<ImportMessage, { kind: 'chunk' }>)).rejects.toThrow(/killed/);
    expect(await run(h.ctx, importId, chunks[1] as Extract<ImportMessage, { kind: 'chunk' }>)).toBe('done');
    expect((await getImport(h.ctx, importId)).progress.status).toBe('running');
    expect(await run(h.ctx, importId, chunks[0] as Extract<ImportMessage, { kind: 'chunk' }>)).toBe('already-done');
    expect((await getImport(h.ctx, importId)).progress).toMatchObject({ status: 'done', rowsRead: 120, chunksDone: 2 });
  });
});
