/**
 * Bundle check: bundles every Lambda handler with the stack's own esbuild settings
 * (`infra/bundling.ts`), then reports its size, whether Twilio ended up in it, and its
 * cold import time in a fresh Node process (median of several runs).
 *
 * Handlers defer their heavy dependencies (the AWS SDK clients, libphonenumber, liquidjs,
 * postal-mime…) to the first invocation that needs them, with `import()`. That work is
 * moved, not removed: in Lambda the first invocation pays it instead of the INIT phase.
 * So the bench also reports "+ deferred": importing the function, then every module it
 * imports with `import()` (each route's code, the SDK clients), in one fresh process —
 * the most a cold start can pay in all. Client construction and network are not included.
 *
 * Targets, for every function that does not send SMS: bundle ≤ 1 MB, no Twilio code,
 * cold import ≤ 150 ms on this machine. Not a timed test: run it with
 * `npx tsx bench/bundle-size.ts` (or through `npm run bench`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { esbuildOptions as bundlingRecipe, sharedBundling } from '../infra/bundling.js';
import { HANDLERS, HANDLER_NAMES, type HandlerName } from '../infra/handlers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Inside the package, so the bundles' external `@aws-sdk/*` imports resolve like in Lambda. */
const OUT_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'followup-bench', 'bundles');

export const TARGETS = { maxBytes: 1_000_000, maxImportMs: 150 } as const;

export interface BundleRow {
  readonly function: HandlerName;
  readonly entry: string;
  readonly sendsSms: boolean;
  readonly status: 'ok' | 'missing' | 'error';
  /** Bundled JavaScript (index.mjs), bytes. */
  readonly bytes?: number;
  /** Source map, bytes (deployed, loaded only for stack traces). */
  readonly mapBytes?: number;
  /** Any module from the twilio package is in the bundle. */
  readonly loadsTwilio?: boolean;
  /** The only twilio module is its webhook signature validator (no REST client). */
  readonly twilioWebhooksOnly?: boolean;
  /** Median cold `import()` time in a fresh process, ms. */
  readonly importMs?: number;
  /** Median time of the import plus every module the function defers with `import()`, ms. */
  readonly withDeferredMs?: number;
  /** What the function defers to first use: the AWS SDK clients and npm packages. */
  readonly deferred?: readonly string[];
  /** Largest contributors to the bundle, e.g. `zod 443 KB`. */
  readonly topPackages?: readonly string[];
  /** Whether the non-SMS targets hold (always true for SMS senders). */
  readonly withinTargets?: boolean;
  readonly error?: string;
}

/**
 * What a function sees in Lambda, with placeholder values: handlers read their
 * configuration at import time, so importing without it would measure a crash.
 */
export function placeholderLambdaEnvironment(): Record<string, string> {
  const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
  return {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_LAMBDA_FUNCTION_NAME: 'followup-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    TABLE_NAME: 'followup-bench',
    FOLLOWUP_PUBLIC_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    FOLLOWUP_UNSUBSCRIBE_SECRET_ARN: secret('unsubscribe'),
    FOLLOWUP_API_KEY_SECRET_ARN: secret('api-key'),
    TWILIO_SECRET_ARN: secret('followup/twilio'),
    EMAIL_TOUCH_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:email-touch-queue',
    SMS_TOUCH_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:sms-touch-queue',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/followup-scheduler',
    SCHEDULE_GROUP_NAME: 'followup-bench',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq',
    SES_CONFIGURATION_SET: 'followup-bench',
    SES_MESSAGE_ID_DOMAIN: 'email.amazonses.com',
    REPLY_DOMAIN: 'reply.example.com',
    FOLLOWUP_FROM_EMAIL: 'followup@mail.example.com',
    SES_MAX_SEND_RATE: '14',
    TWILIO_MAX_SEND_RATE: '1',
    EMAIL_TOUCH_CONCURRENCY: '2',
    SMS_TOUCH_CONCURRENCY: '2',
    DEFAULT_PHONE_REGION: 'US',
    DEFAULT_TIMEZONE: 'America/New_York',
    POWERTOOLS_SERVICE_NAME: 'followup',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  };
}

/**
 * Imports a bundle in a fresh Node process, as Lambda does on a cold start (with
 * source maps enabled like the deployed functions). Returns the import time in ms.
 */
export function coldImport(file: string, options: { loadDeferred?: boolean } = {}): { ms: number } | { error: string } {
  const script = [
    'const started = performance.now();',
    'const mod = await import(process.env.BENCH_BUNDLE_URL);',
    // The "+ deferred" bundle (see deferredEntry) exports loadDeferred.
    ...(options.loadDeferred ? ['await mod.loadDeferred();'] : []),
    'const ms = performance.now() - started;',
    "if (typeof mod.handler !== 'function') throw new Error('the bundle does not export a handler function');",
    'process.stdout.write(JSON.stringify({ ms }));',
  ].join('\n');
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...placeholderLambdaEnvironment(), BENCH_BUNDLE_URL: pathToFileURL(file).href },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) {
    const lines = `${result.stderr}`.trim().split('\n');
    const message = lines.find((l) => /Error|error/.test(l)) ?? lines.at(-1) ?? `exit ${result.status}`;
    return { error: message.slice(0, 300) };
  }
  return JSON.parse(result.stdout) as { ms: number };
}

/** Bytes in the output per npm package (our own sources count as `(sources)`). */
function largestPackages(inputs: Record<string, { bytesInOutput: number }>, count = 4): string[] {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(sources)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`);
}

/**
 * The modules our own code imports with `import()` — bundled ones by path, external
 * ones (the AWS SDK) by name. Dynamic imports inside npm packages are theirs, not ours.
 */
function deferredImports(inputs: Metafile['inputs']): { bundled: string[]; external: string[] } {
  const bundled = new Set<string>();
  const external = new Set<string>();
  for (const [input, { imports }] of Object.entries(inputs)) {
    if (input.includes('node_modules/')) continue;
    for (const edge of imports) {
      if (edge.kind !== 'dynamic-import') continue;
      if (edge.external) external.add(edge.path);
      else bundled.add(edge.path);
    }
  }
  return { bundled: [...bundled].sort(), external: [...external].sort() };
}

/**
 * Source of an entry that bundles exactly like the function and also exports
 * `loadDeferred()`, which imports everything the function defers.
 */
function deferredEntry(entry: string, deferred: { bundled: string[]; external: string[] }): string {
  const specifiers = [...deferred.bundled.map((input) => path.join(REPO_ROOT, input)), ...deferred.external];
  return [
    `export { handler } from ${JSON.stringify(entry)};`,
    'export async function loadDeferred() {',
    ...specifiers.map((specifier) => `  await import(${JSON.stringify(specifier)});`),
    '}',
    '',
  ].join('\n');
}

/**
 * For the report: the external modules the function defers (the AWS SDK clients) and the
 * npm packages our deferred modules use that nothing eager does (evaluated on first use;
 * their own dependencies are not listed).
 */
function describeDeferred(deferred: { bundled: string[]; external: string[] }, inputs: Metafile['inputs'], entry: string): string[] {
  const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  // Everything the entry reaches through static imports is evaluated at import.
  const eager = new Set<string>([entry]);
  const queue = [entry];
  for (let input = queue.pop(); input !== undefined; input = queue.pop()) {
    for (const edge of inputs[input]?.imports ?? []) {
      if (edge.external || edge.kind === 'dynamic-import' || eager.has(edge.path)) continue;
      eager.add(edge.path);
      queue.push(edge.path);
    }
  }
  const eagerPackages = new Set([...eager].map(packageOf));
  const lazyPackages = new Set<string>();
  for (const [input, { imports }] of Object.entries(inputs)) {
    if (input.includes('node_modules/')) continue;
    for (const edge of imports) {
      // An eager module's static imports are eager too; only what it imports with import() is not.
      if (eager.has(input) && edge.kind !== 'dynamic-import') continue;
      const name = edge.external ? undefined : packageOf(edge.path);
      if (name && !eagerPackages.has(name)) lazyPackages.add(name);
    }
  }
  const sdk = deferred.external.filter((name) => name.startsWith('@aws-sdk/'));
  return [
    ...(sdk.length > 0 ? [`AWS SDK (${sdk.map((name) => name.replace('@aws-sdk/', '')).join(', ')})`] : []),
    ...deferred.external.filter((name) => !name.startsWith('@aws-sdk/')),
    ...[...lazyPackages].sort(),
  ];
}

/** Median of `runs` cold imports, each in a fresh process; the first failure ends it. */
function medianColdImport(file: string, runs: number, options: { loadDeferred?: boolean } = {}): { ms: number } | { error: string } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const measured = coldImport(file, options);
    if ('error' in measured) return measured;
    times.push(measured.ms);
  }
  return { ms: Math.round(median(times) * 10) / 10 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureBundles(options: { runs?: number; handlersDir?: string } = {}): Promise<BundleRow[]> {
  const runs = options.runs ?? 5;
  const handlersDir = options.handlersDir ?? path.join(REPO_ROOT, 'functions', 'handlers');
  const bundling = sharedBundling(false);
  rmSync(OUT_DIR, { recursive: true, force: true });
  const rows: BundleRow[] = [];

  for (const name of HANDLER_NAMES) {
    const spec = HANDLERS[name];
    const entry = path.join(handlersDir, spec.file);
    const base = { function: name, entry: path.relative(REPO_ROOT, entry), sendsSms: spec.sendsSms };
    if (!existsSync(entry)) {
      rows.push({ ...base, status: 'missing' });
      continue;
    }
    const outfile = path.join(OUT_DIR, name, 'index.mjs');
    mkdirSync(path.dirname(outfile), { recursive: true });
    const esbuildOptions = bundlingRecipe(bundling, REPO_ROOT) satisfies BuildOptions;
    try {
      const result = await build({ ...esbuildOptions, entryPoints: [entry], outfile });
      const twilioInputs = Object.keys(result.metafile.inputs).filter((input) => /(^|\/)node_modules\/twilio\//.test(input));
      const loadsTwilio = twilioInputs.length > 0;
      const twilioWebhooksOnly = loadsTwilio && twilioInputs.every((input) => input.includes('node_modules/twilio/lib/webhooks/'));
      const topPackages = largestPackages(result.metafile.outputs[path.relative(REPO_ROOT, outfile)]?.inputs ?? {});
      const bytes = statSync(outfile).size;
      const mapBytes = statSync(`${outfile}.map`).size;

      // The same function, plus an export that imports everything it defers.
      const deferred = deferredImports(result.metafile.inputs);
      const deferredFile = path.join(OUT_DIR, name, 'with-deferred.mjs');
      const deferredEntryFile = path.join(OUT_DIR, name, 'with-deferred-entry.mjs');
      writeFileSync(deferredEntryFile, deferredEntry(entry, deferred));
      await build({ ...esbuildOptions, entryPoints: [deferredEntryFile], outfile: deferredFile });

      const imported = medianColdImport(outfile, runs);
      if ('error' in imported) {
        rows.push({ ...base, status: 'error', bytes, mapBytes, loadsTwilio, topPackages, error: `import failed: ${imported.error}` });
        continue;
      }
      const withDeferred = medianColdImport(deferredFile, runs, { loadDeferred: true });
      if ('error' in withDeferred) {
        rows.push({ ...base, status: 'error', bytes, mapBytes, loadsTwilio, topPackages, error: `deferred imports failed: ${withDeferred.error}` });
        continue;
      }
      // The functions that call Twilio's REST API (SMS, calls) are exempt: they need its client.
      // The others may carry Twilio's signature validator alone (webhooks.js, a few KB), not the client.
      const withinTargets =
        spec.sendsSms ||
        ('placesCalls' in spec && spec.placesCalls === true) ||
        (bytes <= TARGETS.maxBytes && (!loadsTwilio || twilioWebhooksOnly) && imported.ms <= TARGETS.maxImportMs);
      rows.push({
        ...base,
        status: 'ok',
        bytes,
        mapBytes,
        loadsTwilio,
        twilioWebhooksOnly,
        importMs: imported.ms,
        withDeferredMs: withDeferred.ms,
        deferred: describeDeferred(deferred, result.metafile.inputs, path.relative(REPO_ROOT, entry)),
        topPackages,
        withinTargets,
      });
    } catch (error) {
      rows.push({ ...base, status: 'error', error: (error as Error).message.split('\n')[0] });
    }
  }
  return rows;
}

export function formatRows(rows: readonly BundleRow[]): string {
  const kb = (bytes?: number) => (bytes === undefined ? '-' : `${(bytes / 1024).toFixed(0)} KB`);
  const ms = (value?: number) => (value === undefined ? '-' : `${value} ms`);
  const header = ['function', 'bundle', 'source map', 'cold import', '+ deferred', 'twilio', 'sends SMS', 'targets', 'largest parts'];
  const body = rows.map((row) => [
    row.function,
    kb(row.bytes),
    kb(row.mapBytes),
    ms(row.importMs),
    ms(row.withDeferredMs),
    row.loadsTwilio === undefined ? '-' : row.twilioWebhooksOnly ? 'webhooks.js' : row.loadsTwilio ? 'yes' : 'no',
    row.sendsSms ? 'yes' : 'no',
    row.status === 'missing'
      ? 'missing entry'
      : row.status === 'error'
        ? `ERROR ${row.error ?? ''}`
        : row.sendsSms
          ? 'n/a'
          : row.withinTargets
            ? 'ok'
            : 'FAIL',
    row.topPackages?.join(', ') ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const deferred = rows.filter((row) => row.deferred?.length).map((row) => `  ${row.function.padEnd(widths[0]!)}  ${row.deferred!.join(', ')}`);
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `Targets for functions that do not send SMS: bundle <= ${TARGETS.maxBytes / 1_000_000} MB, no twilio client (its webhook signature validator alone is fine), cold import <= ${TARGETS.maxImportMs} ms (median, fresh Node ${process.version} process, source maps enabled).`,
    '"+ deferred": the import, then everything the function imports on first use (below), in one fresh process:',
    "what Lambda's INIT phase would otherwise pay. AWS SDK client construction and network calls are not included.",
    ...(deferred.length > 0 ? ['', 'Deferred to first use:', ...deferred] : []),
  ].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const rows = await measureBundles();
  console.log(formatRows(rows));
  if (rows.some((row) => row.status === 'error' || row.withinTargets === false)) process.exitCode = 1;
}
