/**
 * `npm run bench`: every performance target of the issues, measured in one run and
 * printed as figures and ratios against baselines measured in the same run (this
 * machine is noisy; absolute times are not compared with anything).
 */
import { runEngineBench } from './engine.js';
import { formatRows, measureBundles } from './bundle-size.js';
import { runLocalSchedulerBench } from './local-scheduler.js';
import { CONSOLE_FIRST_LOAD_TARGET_BYTES, formatConsoleSize, measureConsole } from './console-size.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

console.log('== Engine (DynamoDB on dynalite) ==\n');
const engine = await runEngineBench();

console.log('\n== Embedded runtime ==\n');
const local = await runLocalSchedulerBench();

console.log('\n== Lambda bundles ==\n');
const rows = await measureBundles();
console.log(formatRows(rows));

console.log('\n== Web console (gzipped JavaScript) ==\n');
const consoleSize = await measureConsole();
console.log(formatConsoleSize(consoleSize));

const failures: string[] = [];
if (engine.ratio < 0.5) failures.push(`enrollment ratio ${engine.ratio.toFixed(2)} < 0.5`);
if (engine.itemsPerRow > 3) failures.push(`${engine.itemsPerRow.toFixed(2)} items per enrolled row > 3`);
if (engine.requestsPerTouch > 4) failures.push(`${engine.requestsPerTouch.toFixed(2)} DynamoDB requests per touch > 4`);
if (engine.scans > 0) failures.push(`${engine.scans} scans on the touch path`);
// Appending a line per change costs more than nothing; a rewrite of the whole file per change cost ~50x.
if (consoleSize.firstLoadGzipBytes > CONSOLE_FIRST_LOAD_TARGET_BYTES) {
  failures.push(`console first load ${(consoleSize.firstLoadGzipBytes / 1024).toFixed(1)} KB gzipped > 150 KB`);
}
if (local.ratio > 5) failures.push(`--data-dir scheduler ratio ${local.ratio.toFixed(2)} > 5`);
console.log(failures.length === 0 ? '\nAll engine targets met.' : `\nTargets missed: ${failures.join('; ')}`);
