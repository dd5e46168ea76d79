/**
 * `npm run bench`: every performance target of the issues, measured in one run and
 * printed as figures and ratios against baselines measured in the same run (this
 * machine is noisy; absolute times are not compared with anything).
 */
import { runEngineBench } from './engine.js';
import { formatRows, measureBundles } from './bundle-size.js';
import { runLocalSchedulerBench } from './local-scheduler.js';
import { runQueryBench } from './queries.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

console.log('== Engine (DynamoDB on dynalite) ==\n');
const engine = await runEngineBench();

console.log('\n== Embedded runtime ==\n');
const local = await runLocalSchedulerBench();

console.log('\n== Console queries (issue 10) ==\n');
const queries = await runQueryBench();

console.log('\n== Lambda bundles ==\n');
const rows = await measureBundles();
console.log(formatRows(rows));

const failures: string[] = [];
if (engine.ratio < 0.5) failures.push(`enrollment ratio ${engine.ratio.toFixed(2)} < 0.5`);
if (engine.itemsPerRow > 3) failures.push(`${engine.itemsPerRow.toFixed(2)} items per enrolled row > 3`);
if (engine.requestsPerTouch > 4) failures.push(`${engine.requestsPerTouch.toFixed(2)} DynamoDB requests per touch > 4`);
if (engine.scans > 0) failures.push(`${engine.scans} scans on the touch path`);
// Appending a line per change costs more than nothing; a rewrite of the whole file per change cost ~50x.
if (local.ratio > 5) failures.push(`--data-dir scheduler ratio ${local.ratio.toFixed(2)} > 5`);
for (const row of queries.rows) {
  if (row.requests > 2) failures.push(`${row.name}: ${row.requests} DynamoDB requests per page > 2`);
  if (row.ratio > 2) failures.push(`${row.name}: ratio ${row.ratio.toFixed(2)} to a raw Query > 2`);
}
for (const row of rows) {
  if (row.status === 'error') failures.push(`${row.function} bundle: ${row.error ?? 'error'}`);
  else if (row.withinTargets === false) failures.push(`${row.function} bundle outside its targets`);
}
console.log(failures.length === 0 ? '\nAll targets met.' : `\nTargets missed: ${failures.join('; ')}`);
// A missed target fails the run (CI, scripts), not only the printout.
if (failures.length > 0) process.exitCode = 1;
