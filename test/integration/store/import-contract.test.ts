/**
 * The ImportStore contract (ports.ts), run against the fake (test/fakes/imports.ts) AND the
 * DynamoDB adapter on dynalite: conditional creation and status changes, one result per
 * chunk, the done count, a column mapping and reasons with any text round-tripping.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamoImportStore } from '../../../functions/adapters/dynamodb/imports.js';
import type { ImportChunkResult, ImportJob } from '../../../functions/domain/import-job.js';
import type { ImportStore } from '../../../functions/ports.js';
import { FakeImports } from '../../fakes/imports.js';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

const implementations: [string, () => Promise<ImportStore>][] = [
  ['FakeImports', async () => new FakeImports()],
  [
    'DynamoImports',
    async () => {
      const tableName = `imports-${++tables}`;
      await db.createTable(tableName);
      return dynamoImportStore({ client: db.client, tableName });
    },
  ],
];

const ID = `imp_${'a'.repeat(32)}`;
const job = (fields: Partial<ImportJob> = {}): ImportJob => ({
  id: ID,
  sequenceId: 'welcome',
  status: 'waiting_for_upload',
  reenroll: false,
  dryRun: false,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...fields,
});
const chunk = (index: number, fields: Partial<ImportChunkResult> = {}): ImportChunkResult => ({
  importId: ID,
  index,
  firstRow: index * 10 + 1,
  rows: 10,
  enrolled: 8,
  skipped: 1,
  invalid: 1,
  warnings: 0,
  reasons: { 'email: "…" is not a valid email address': 1, 'already active in this sequence': 1 },
  byteEnd: 100 * (index + 1),
  at: '2026-12-01T10:01:00.000Z',
  ...fields,
});

describe.each(implementations)('ImportStore contract: %s', (_name, make) => {
  let store: ImportStore;
  beforeEach(async () => {
    store = await make();
  });

  it('creates a job once and reads it back with its column mapping (any header text)', async () => {
    const columns = { 'Work E-mail': 'email', constructor: 'ignore', __proto__x: 'attributes.x' };
    expect(await store.createImport(job({ columns }))).toBe('ok');
    expect(await store.createImport(job())).toBe('conflict');
    expect(await store.getImport(ID)).toEqual(job({ columns }));
    expect(await store.getImport(`imp_${'b'.repeat(32)}`)).toBeUndefined();
  });

  it('changes a job only from the statuses given, and removes a field set to undefined', async () => {
    await store.createImport(job());
    expect(await store.updateImport(ID, { from: ['running'], set: { status: 'done' } })).toBe('conflict');
    const running = await store.updateImport(ID, { from: ['waiting_for_upload'], set: { status: 'running', startedAt: '2026-12-01T10:00:05.000Z', bytes: 1234 } });
    expect(running).toEqual(job({ status: 'running', startedAt: '2026-12-01T10:00:05.000Z', bytes: 1234 }));
    expect(await store.updateImport(ID, { from: ['running'], set: { bytes: undefined } })).toEqual(job({ status: 'running', startedAt: '2026-12-01T10:00:05.000Z' }));
    expect(await store.updateImport(`imp_${'c'.repeat(32)}`, { from: ['running'], set: { status: 'done' } })).toBe('conflict');
  });

  it('stores one result per chunk, listed by index; a second put of a chunk changes nothing', async () => {
    await store.createImport(job({ status: 'running' }));
    expect(await store.putChunkResult(chunk(1))).toBe('ok');
    expect(await store.putChunkResult(chunk(0))).toBe('ok');
    expect(await store.putChunkResult(chunk(1, { enrolled: 10 }))).toBe('conflict');
    expect(await store.hasChunkResult(ID, 1)).toBe(true);
    expect(await store.hasChunkResult(ID, 2)).toBe(false);
    expect(await store.listChunkResults(ID)).toEqual([chunk(0), chunk(1)]);
    expect(await store.listChunkResults(`imp_${'d'.repeat(32)}`)).toEqual([]);
  });

  it('counts chunks done on the job, answering it as written; nothing for a missing job', async () => {
    await store.createImport(job({ status: 'running', totalChunks: 2 }));
    expect((await store.addChunkDone(ID))?.chunksDone).toBe(1);
    expect(await store.addChunkDone(ID)).toEqual(job({ status: 'running', totalChunks: 2, chunksDone: 2 }));
    expect(await store.addChunkDone(`imp_${'e'.repeat(32)}`)).toBeUndefined();
  });
});
