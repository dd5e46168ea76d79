/**
 * The one test that bundles every function for real, exactly as `cdk synth` does
 * (NodejsFunction + the local esbuild, no Docker). Handlers not written yet are
 * replaced by a fixture so the pipeline is still exercised; they are listed in the output.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coldImport } from '../../bench/bundle-size.js';
import { HANDLERS, type HandlerName } from '../../infra/handlers.js';
import { CACHE_DIR, realHandlersDir, synthStack } from './helpers.js';

describe('real bundling', () => {
  it('bundles every function to a minified ESM file with a source map that imports cleanly', { timeout: 180_000 }, () => {
    const { dir, present, missing } = realHandlersDir();
    if (missing.length > 0) {
      console.info(`[infra] handlers not written yet, bundled as a fixture: ${missing.map((n) => HANDLERS[n].file).join(', ')}`);
    }
    // Inside the package so the bundles' external @aws-sdk/* imports resolve as in Lambda.
    const outdir = path.join(CACHE_DIR, 'cdk.out');
    rmSync(outdir, { recursive: true, force: true });
    const { app, stack } = synthStack({ bundle: true, outdir, engine: { handlersDir: dir } });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
    };

    const checked: HandlerName[] = [];
    for (const [name, fn] of Object.entries(stack.engine.functions) as [HandlerName, NonNullable<(typeof stack.engine.functions)[HandlerName]>][]) {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
      // The code asset is staged as asset.<hash> next to the template.
      const s3Key = template.Resources[logicalId]!.Properties.Code.S3Key as string;
      const bundle = path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(bundle), `${name}: ${bundle}`).toBe(true);
      expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      // Minified: long lines (only template literals and legal comments keep newlines).
      expect(code.length / code.split('\n').length, name).toBeGreaterThan(500);
      // ESM, with the require shim for CommonJS dependencies.
      expect(code.startsWith("import { createRequire as __followupCreateRequire } from 'node:module';"), name).toBe(true);
      expect(code, name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // The AWS SDK is left to the Lambda runtime.
      expect(code, name).not.toMatch(/from"\.\.?\/.*node_modules\/@aws-sdk/);
      if (!present.includes(name)) expect(code, name).toContain('from"@aws-sdk/client-dynamodb"');
      expect(statSync(bundle).size, name).toBeGreaterThan(0);

      const imported = coldImport(bundle);
      expect('error' in imported ? imported.error : 'ok', `${name} must import in a fresh Node process`).toBe('ok');
      checked.push(name);
    }
    expect(checked.sort()).toEqual(Object.keys(HANDLERS).sort());

    // The engine's own custom-resource provider is bundled the same way.
    const activation = stack.engine.receiptRuleSetActivation!.function;
    const activationKey = template.Resources[stack.getLogicalId(activation.node.defaultChild as never)]!.Properties.Code.S3Key as string;
    const activationBundle = path.join(outdir, `asset.${activationKey.replace(/\.zip$/, '')}`, 'index.mjs');
    const activationImport = coldImport(activationBundle);
    expect('error' in activationImport ? activationImport.error : 'ok', 'receipt rule set activation').toBe('ok');
  });
});
