/**
 * Builds the `followup` command the package ships (`bin` in package.json): cli/main.ts and
 * everything it imports (commander, zod, yaml, functions/contract) in one ESM file,
 * `dist/cli/followup.mjs`. Bundled, as the Lambda functions are, so the installed package
 * still depends on nothing at run time but its CDK peers. Run by `npm run build`.
 */
import { chmodSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { ESM_REQUIRE_BANNER, MAIN_FIELDS } from '../infra/bundling.js';

const ROOT = path.resolve(import.meta.dirname, '..');
export const CLI_BUNDLE = path.join(ROOT, 'dist', 'cli', 'followup.mjs');
/** The oldest Node the package supports (package.json `engines`), not the Lambda runtime. */
const CLI_TARGET = 'node20.19';

export function buildCli(outFile = CLI_BUNDLE): number {
  rmSync(outFile, { force: true });
  buildSync({
    entryPoints: [path.join(ROOT, 'cli', 'main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: CLI_TARGET,
    mainFields: [...MAIN_FIELDS],
    minify: true,
    // commander is CommonJS and requires node:events & co.; ESM output has no `require`.
    // (esbuild keeps main.ts's shebang on the first line, above this.)
    banner: { js: ESM_REQUIRE_BANNER },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  chmodSync(outFile, 0o755);
  return statSync(outFile).size;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  console.log(`followup CLI               ${(buildCli() / 1024).toFixed(0).padStart(5)} KB`);
}
