/**
 * Builds the Lambda bundles the package ships (`dist/lambda/<name>/index.mjs` plus its
 * source map), with the same esbuild recipe `NodejsFunction` uses (`infra/bundling.ts`).
 * An installed package synthesises from these (`lambdaCode: 'prebuilt'`), so a consumer
 * needs neither esbuild nor Docker nor our dependencies. Run by `npm run build`.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, sharedBundling } from './bundling.js';
import { BUNDLE_ENTRIES, PACKAGE_ROOT, PREBUILT_DIR, type BundleName } from './lambda-code.js';

export async function buildLambdaBundles(outDir = PREBUILT_DIR): Promise<Record<BundleName, number>> {
  rmSync(outDir, { recursive: true, force: true });
  const options = esbuildOptions(sharedBundling(false), PACKAGE_ROOT);
  const sizes = {} as Record<BundleName, number>;
  for (const [name, entry] of Object.entries(BUNDLE_ENTRIES) as [BundleName, string][]) {
    const outfile = path.join(outDir, name, 'index.mjs');
    const result = await build({ ...options, entryPoints: [path.join(PACKAGE_ROOT, entry)], outfile });
    sizes[name] = result.metafile.outputs[path.relative(PACKAGE_ROOT, outfile)]?.bytes ?? 0;
  }
  return sizes;
}

const sizes = await buildLambdaBundles();
for (const [name, bytes] of Object.entries(sizes)) console.log(`${name.padEnd(26)} ${(bytes / 1024).toFixed(0).padStart(5)} KB`);
