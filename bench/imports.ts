/**
 * Import jobs on the embedded default (README "Imports"), measured as a user runs them:
 * `npm start --data-dir` as a child process (so its resident memory is its own), a CSV
 * created with POST /imports, streamed to the upload URL, followed with GET /imports/{id}
 * until it is done. Printed, in one run:
 * - wall time of a 100,000-row file (target ≤ 60 s) and rows/s as a ratio to raw
 *   BatchWriteItem of exactly the items the import wrote, into the same server (≥ 0.8);
 * - items written per row (≤ 3);
 * - the server's peak RSS (≤ 500 MB), and at 300,000 rows (within 20 % of it: the file
 *   streams, nothing grows with it).
 * The AWS cost of 1M rows is bench/import-cost.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createTable } from '../functions/adapters/create-table.js';
import { batchWriteAll } from './engine.js';

export const IMPORT_TARGETS = { wallSeconds: 60, ratio: 0.8, itemsPerRow: 3, peakRssMb: 500, rssGrowth: 1.2 } as const;

const API_KEY = 'bench-import-key-0123456789';
/**
 * How often the job is polled: as often as `followup import` does (cli/commands/import.ts).
 * Each poll sums the job's chunk results (one Query of them all), so polling 4 times a
 * second, as this bench did, cost the server a share of the import it was measuring that
 * grew with the file; the wall time is up to this much late.
 */
const POLL_MS = 1_000;
const ROOT = resolve(import.meta.dirname, '..');

export interface ImportRun {
  rows: number;
  bytes: number;
  wallSeconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  enrolled: number;
  status: string;
}

export interface ImportBenchResult {
  small: ImportRun;
  large: ImportRun;
  itemsPerRow: number;
  rawRowsPerSecond: number;
  ratio: number;
}

/** The rows of the engine bench (bench/engine.ts): email, phone, names, company, zone. */
async function writeCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('Email,Mobile,First Name,Last Name,Company,Time Zone\n');
  const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
  for (let i = 0; i < rows; i++) {
    const line = `prospect${i}@example.com,+1202${5_000_000 + i},First${i},Last${i},Company ${i % 500},${zones[i % 3]}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
  return (await stat(path)).size;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Server {
  url: string;
  dynamoEndpoint: string;
  child: ChildProcess;
  peakRssKb(): number;
  stop(): Promise<void>;
}

/** `npm start -- --data-dir DIR` as its own node process (tsx as a loader, so the pid is the server's). */
async function startServer(dataDir: string): Promise<Server> {
  const [port, dynamoPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts', '--port', String(port), '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, FOLLOWUP_API_KEY: API_KEY, FOLLOWUP_DYNALITE_PORT: String(dynamoPort), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peak = 0;
  const sample = async () => {
    try {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {
      // The process is gone.
    }
  };
  const sampler = setInterval(() => void sample(), 100);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (attempt > 600 || child.exitCode !== null) {
      clearInterval(sampler);
      child.kill();
      throw new Error('the server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    child,
    peakRssKb: () => peak,
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function api(server: Server, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * The next Saturday, 12:00 UTC: a weekend in New York, Berlin and Tokyo, so no first touch
 * of the example sequence (weekdays 09:00–17:00) falls due while the import runs; touches
 * sent meanwhile would be the touch pipeline's cost (bench/touch-cpu.ts), not the import's.
 */
function quietClock(now = new Date()): string {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12));
  do at.setUTCDate(at.getUTCDate() + 1);
  while (at.getUTCDay() !== 6);
  return at.toISOString();
}

async function runImport(file: string, rows: number, keep?: (server: Server) => Promise<void>): Promise<ImportRun> {
  const dataDir = await mkdtemp(join(tmpdir(), 'followup-bench-import-'));
  // A --data-dir carries its virtual clock (local/clock-state.ts): start it on a quiet weekend.
  await writeFile(join(dataDir, 'clock.json'), JSON.stringify({ now: quietClock() }));
  const server = await startServer(dataDir);
  try {
    const started = performance.now();
    const created = await api(server, 'POST', '/imports', { sequenceId: 'inbound-lead-follow-up' });
    const upload = await fetch(created.uploadUrl, {
      method: 'PUT',
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (!upload.ok) throw new Error(`upload: ${upload.status} ${await upload.text()}`);
    let status: any;
    for (;;) {
      status = await api(server, 'GET', `/imports/${created.importId}`);
      if (status.status !== 'running' && status.status !== 'waiting_for_upload') break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    if (status.status !== 'done' || status.enrolled !== rows) throw new Error(`import ended ${status.status} with ${status.enrolled}/${rows} enrolled: ${JSON.stringify(status).slice(0, 400)}`);
    await keep?.(server);
    return { rows, bytes: (await stat(file)).size, wallSeconds, rowsPerSecond: rows / wallSeconds, peakRssMb: server.peakRssKb() / 1024, enrolled: status.enrolled, status: status.status };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runImportBench(
  options: { rows?: number; largeRows?: number } = {},
  print: (line: string) => void = console.log,
): Promise<ImportBenchResult> {
  const rows = options.rows ?? 100_000;
  const largeRows = options.largeRows ?? 300_000;
  const dir = await mkdtemp(join(tmpdir(), 'followup-bench-csv-'));
  try {
    const smallFile = join(dir, 'small.csv');
    const largeFile = join(dir, 'large.csv');
    await writeCsv(smallFile, rows);
    await writeCsv(largeFile, largeRows);

    let itemsPerRow = 0;
    const itemKinds: Record<string, number> = {};
    let rawRowsPerSecond = 0;
    const small = await runImport(smallFile, rows, async (server) => {
      // What the import wrote per row (profile, enrollment, timeline: the prospect partitions),
      // then the same items written raw into the same server: the baseline.
      const raw = new DynamoDBClient({ endpoint: server.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
      const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
      const items: Record<string, unknown>[] = [];
      let start: Record<string, never> | undefined;
      do {
        const page = await raw.send(new ScanCommand({ TableName: 'followup', ...(start ? { ExclusiveStartKey: start } : {}) }));
        for (const item of page.Items ?? []) {
          const value = unmarshall(item);
          if (String(value.pk).startsWith('P#')) items.push(value);
        }
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
      for (const item of items) {
        const kind = `${String(item.sk).split('#')[0]}${item.type ? `:${String(item.type)}` : ''}`;
        itemKinds[kind] = (itemKinds[kind] ?? 0) + 1;
      }
      // Every item in the prospects' partitions counts (no touch falls due meanwhile, see quietClock).
      itemsPerRow = items.length / rows;
      let best = Infinity;
      for (const [index, concurrency] of [8, 16, 32].entries()) {
        const table = `raw${index}`;
        await createTable(client, table);
        const rawStarted = performance.now();
        await batchWriteAll(client, table, items, concurrency);
        best = Math.min(best, (performance.now() - rawStarted) / 1000);
      }
      rawRowsPerSecond = rows / best;
      raw.destroy();
    });
    const large = await runImport(largeFile, largeRows);
    const ratio = small.rowsPerSecond / rawRowsPerSecond;

    print(`Import jobs through /imports on npm start --data-dir (the server a child process)`);
    for (const run of [small, large]) {
      print(
        `  ${run.rows.toLocaleString('en-US').padStart(7)} rows (${(run.bytes / 1e6).toFixed(1)} MB): ${run.wallSeconds.toFixed(1)} s = ${run.rowsPerSecond.toFixed(0)} rows/s, server peak RSS ${run.peakRssMb.toFixed(0)} MB`,
      );
    }
    print(`  wall time       : ${small.wallSeconds.toFixed(1)} s for ${rows.toLocaleString('en-US')} rows  (target <= ${IMPORT_TARGETS.wallSeconds} s)`);
    print(`  raw BatchWrite  : the same items into the same server at ${rawRowsPerSecond.toFixed(0)} rows/s; ratio ${ratio.toFixed(2)}  (target >= ${IMPORT_TARGETS.ratio})`);
    print(`  items per row   : ${itemsPerRow.toFixed(4)}  (target <= ${IMPORT_TARGETS.itemsPerRow}): ${JSON.stringify(itemKinds)}`);
    print(
      `  peak RSS        : ${small.peakRssMb.toFixed(0)} MB at ${rows.toLocaleString('en-US')} rows (target <= ${IMPORT_TARGETS.peakRssMb} MB), ${large.peakRssMb.toFixed(0)} MB at ${largeRows.toLocaleString('en-US')} rows: x${(large.peakRssMb / small.peakRssMb).toFixed(2)} (target <= ${IMPORT_TARGETS.rssGrowth})`,
    );
    return { small, large, itemsPerRow, rawRowsPerSecond, ratio };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The targets this bench prints that a result misses. */
export function importBenchFailures(result: ImportBenchResult): string[] {
  const failures: string[] = [];
  if (!(result.small.wallSeconds <= IMPORT_TARGETS.wallSeconds)) failures.push(`import of ${result.small.rows} rows took ${result.small.wallSeconds.toFixed(1)} s > ${IMPORT_TARGETS.wallSeconds} s`);
  if (!(result.ratio >= IMPORT_TARGETS.ratio)) failures.push(`import ratio ${result.ratio.toFixed(2)} to raw BatchWriteItem < ${IMPORT_TARGETS.ratio}`);
  if (!(result.itemsPerRow <= IMPORT_TARGETS.itemsPerRow)) failures.push(`import wrote ${result.itemsPerRow.toFixed(2)} items per row > ${IMPORT_TARGETS.itemsPerRow}`);
  if (!(result.small.peakRssMb <= IMPORT_TARGETS.peakRssMb)) failures.push(`import server peak RSS ${result.small.peakRssMb.toFixed(0)} MB > ${IMPORT_TARGETS.peakRssMb} MB`);
  if (!(result.large.peakRssMb <= result.small.peakRssMb * IMPORT_TARGETS.rssGrowth)) {
    failures.push(`import server peak RSS grew x${(result.large.peakRssMb / result.small.peakRssMb).toFixed(2)} from ${result.small.rows} to ${result.large.rows} rows > x${IMPORT_TARGETS.rssGrowth}`);
  }
  return failures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const rows = process.env.BENCH_IMPORT_ROWS ? Number(process.env.BENCH_IMPORT_ROWS) : undefined;
  const largeRows = process.env.BENCH_IMPORT_LARGE_ROWS ? Number(process.env.BENCH_IMPORT_LARGE_ROWS) : undefined;
  runImportBench({ ...(rows ? { rows } : {}), ...(largeRows ? { largeRows } : {}) })
    .then((result) => {
      const failures = importBenchFailures(result);
      if (failures.length > 0) {
        console.log(`\nTargets missed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
        process.exitCode = 1;
      }
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
