/**
 * Import jobs: the job item `M#<id>` / `JOB` and one chunk result item `M#<id>` /
 * `C#<index>` per chunk (layout in keys.ts). Every write is ONE conditional request.
 */
import { IMPORT_RETENTION_DAYS, type ImportChunkResult, type ImportJob, type ImportStatus } from '../../domain/import-job.js';
import type { ConditionalWriteResult, ImportStore } from '../../ports.js';
import { absent, exists, oneOf, Update } from './conditions.js';
import { fromItem, toItem, type Item } from './items.js';
import { importPk, keys, prefix } from './keys.js';
import { Table } from './requests.js';

const DAY_SECONDS = 86_400;

export class DynamoImports implements ImportStore {
  constructor(private readonly table: Table) {}

  async createImport(job: ImportJob): Promise<ConditionalWriteResult> {
    return this.table.put(jobItem(job), absent());
  }

  async getImport(importId: string): Promise<ImportJob | undefined> {
    const item = await this.table.get(keys.importJob(importId));
    return item ? jobFromItem(item) : undefined;
  }

  async updateImport(
    importId: string,
    change: { from: readonly ImportStatus[]; set: Partial<Omit<ImportJob, 'id'>> },
  ): Promise<ImportJob | 'conflict'> {
    const update = new Update();
    for (const [name, value] of Object.entries(change.set)) {
      if (name === 'columns') update.set('columnsJson', JSON.stringify(value ?? {}));
      else update.setOrRemove(name, value);
    }
    const written = await this.table.updateReturning(keys.importJob(importId), update, oneOf('status', change.from));
    return written === 'conflict' ? 'conflict' : jobFromItem(written);
  }

  async putChunkResult(result: ImportChunkResult): Promise<ConditionalWriteResult> {
    const item = toItem(keys.importChunk(result.importId, result.index), 'import-chunk', {
      ...result,
      // Reasons are user-facing texts: one JSON string, like profile attributes (any text round-trips).
      reasons: JSON.stringify(result.reasons),
    });
    return this.table.put({ ...item, expiresAt: expiry(result.at) }, absent());
  }

  async hasChunkResult(importId: string, index: number): Promise<boolean> {
    return (await this.table.get(keys.importChunk(importId, index))) !== undefined;
  }

  async addChunkDone(importId: string): Promise<ImportJob | undefined> {
    const written = await this.table.updateReturning(keys.importJob(importId), new Update().add('chunksDone', 1), exists());
    return written === 'conflict' ? undefined : jobFromItem(written);
  }

  async listChunkResults(importId: string): Promise<ImportChunkResult[]> {
    const items = await this.table.queryPartition(importPk(importId), prefix.importChunk);
    return items.map((item) => {
      const record = fromItem<ImportChunkResult & { reasons: unknown }>(item);
      return { ...record, reasons: typeof record.reasons === 'string' ? (JSON.parse(record.reasons) as Record<string, number>) : {} };
    });
  }
}

function expiry(at: string): number {
  return Math.ceil(Date.parse(at) / 1000) + IMPORT_RETENTION_DAYS * DAY_SECONDS;
}

function jobItem(job: ImportJob): Item {
  const { columns, ...fields } = job;
  return { ...toItem(keys.importJob(job.id), 'import', fields), columnsJson: JSON.stringify(columns ?? {}), expiresAt: expiry(job.createdAt) };
}

function jobFromItem(item: Item): ImportJob {
  const { columnsJson, ...fields } = fromItem<ImportJob & { columnsJson?: unknown }>(item);
  const columns = typeof columnsJson === 'string' ? (JSON.parse(columnsJson) as Record<string, string>) : {};
  return { ...fields, ...(Object.keys(columns).length > 0 ? { columns } : {}) };
}

/** The import store on the engine's table (the same client and table as `DynamoDbStore`). */
export function dynamoImportStore(options: ConstructorParameters<typeof Table>[0]): DynamoImports {
  return new DynamoImports(new Table(options));
}
