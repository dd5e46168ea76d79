/**
 * The one test that bundles every function for real, and uses the result the way a
 * platform team does:
 * 1. `npm pack` builds the package through `prepack` (`npm run build`): the construct
 *    compiled, and every function bundled by synthesising the engine with NodejsFunction
 *    and the local esbuild (no Docker), exactly as our own `cdk synth` bundles;
 * 2. each shipped bundle is a minified ESM file with a source map that imports cleanly;
 * 3. the tarball is unpacked into a consumer app's node_modules as `npm install` would,
 *    next to the consumer's own aws-cdk-lib and constructs (the peers) and nothing else of
 *    ours; the consumer's `tsc` (a `cdk init app --language typescript` tsconfig: NodeNext,
 *    strict) passes, and its stack (examples/consumer) synthesises from the shipped bundles.
 *
 * The consumer lives in the system temp dir, outside the repository, so Node cannot fall
 * back on our node_modules: a synth that needed esbuild, zod or a handler dependency fails.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldImport } from '../../bench/bundle-size.js';
import { PHONE_TIME_ZONES_FILE } from '../../functions/adapters/phone-time-zones.js';
import { HANDLERS, type HandlerSpec } from '../../infra/handlers.js';
import { BUNDLE_ENTRIES, PREBUILT_DIR } from '../../infra/lambda-code.js';
import { REPO_ROOT } from './helpers.js';

const repoModules = path.join(REPO_ROOT, 'node_modules');
let work: string;
let consumer: string;
let packed: { files: { path: string }[] };
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${failed.stdout ?? ''}\n${failed.stderr ?? failed.message}`);
  }
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'followup-consumer-'));
  const json = run('npm', ['pack', '--pack-destination', work, '--json', '--silent'], REPO_ROOT);
  // The build's own output comes first; npm's JSON report starts at a line of its own.
  packed = (JSON.parse(json.slice(json.search(/^\[/m))) as { files: { path: string }[]; filename: string }[])[0]!;
  const tarball = path.join(work, (packed as unknown as { filename: string }).filename);

  consumer = path.join(work, 'consumer');
  cpSync(path.join(REPO_ROOT, 'examples', 'consumer'), consumer, { recursive: true });
  const modules = path.join(consumer, 'node_modules');
  mkdirSync(path.join(modules, 'followup'), { recursive: true });
  mkdirSync(path.join(modules, '@types'), { recursive: true });
  run('tar', ['-xzf', tarball, '-C', path.join(modules, 'followup'), '--strip-components=1'], work);
  // The consumer's own dependencies (the peers) and its type definitions.
  for (const name of ['aws-cdk-lib', 'constructs', '@types/node']) symlinkSync(path.join(repoModules, name), path.join(modules, name), 'dir');
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the Lambda bundles the package ships', () => {
  it.each(Object.keys(BUNDLE_ENTRIES))('%s: minified ESM with a source map, the AWS SDK left to the runtime, imports cleanly', (name) => {
    // The repository's dist/lambda is what was packed; inside the package, so the bundles'
    // external @aws-sdk/* imports resolve as in Lambda.
    const bundle = path.join(PREBUILT_DIR, name, 'index.mjs');
    expect(packed.files.map((file) => file.path)).toContain(`dist/lambda/${name}/index.mjs`);
    expect(existsSync(`${bundle}.map`), `${name} source map`).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    // Minified: long lines (only template literals and legal comments keep newlines).
    expect(code.length / code.split('\n').length).toBeGreaterThan(500);
    // ESM, with the require shim for CommonJS dependencies.
    expect(code.startsWith("import { createRequire as __followupCreateRequire } from 'node:module';")).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(code).not.toMatch(/from"\.\.?\/.*node_modules\/@aws-sdk/);
    expect(statSync(bundle).size).toBeGreaterThan(0);
    const spec = (HANDLERS as Record<string, HandlerSpec>)[name];
    for (const file of spec?.bundledFiles ?? []) {
      expect(packed.files.map((f) => f.path), `${name} ships ${file.to}`).toContain(`dist/lambda/${name}/${file.to}`);
    }
    const imported = coldImport(bundle);
    expect('error' in imported ? imported.error : 'ok', `${name} must import in a fresh Node process`).toBe('ok');
  });

  it("ships the API function's phone → zone map under the name its lookup reads", () => {
    expect(HANDLERS.api.bundledFiles.map((file) => file.to)).toEqual([PHONE_TIME_ZONES_FILE]);
  });
});

describe('the construct as an installed package', () => {
  it('ships compiled JavaScript, declarations, the prebuilt Lambda bundles, the built console and the LICENSE, no sources', () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/infra/index.js');
    expect(files).toContain('dist/infra/index.d.ts');
    for (const name of Object.keys(BUNDLE_ENTRIES)) expect(files, name).toContain(`dist/lambda/${name}/index.mjs`);
    // The built console, so `cdk deploy` from an installed package deploys it (not the placeholder page).
    expect(files).toContain('web/dist/index.html');
    expect(files.some((file) => file.startsWith('web/dist/assets/') && file.endsWith('.js'))).toBe(true);
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((file) => file.startsWith('test/') || file.startsWith('bench/') || file.startsWith('functions/'))).toBe(false);
  });

  it('depends on nothing at run time but its peers, aws-cdk-lib and constructs', () => {
    const manifest = JSON.parse(readFileSync(path.join(consumer, 'node_modules', 'followup', 'package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.exports['.']).toEqual({ types: './dist/infra/index.d.ts', default: './dist/infra/index.js' });
    // Nothing of our toolchain is reachable from the consumer.
    const resolveFromConsumer = createRequire(path.join(consumer, 'package.json')).resolve;
    for (const name of ['esbuild', 'cdk-nag', 'zod', 'tsx', 'commander', 'yaml']) expect(() => resolveFromConsumer(name), name).toThrow();
  });

  it('ships the followup command as one bundled file that runs with none of our dependencies installed', () => {
    const manifest = JSON.parse(readFileSync(path.join(consumer, 'node_modules', 'followup', 'package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.bin).toEqual({ followup: './dist/cli/followup.mjs' });
    expect(packed.files.map((file) => file.path).filter((file) => file.startsWith('dist/cli/'))).toEqual(['dist/cli/followup.mjs']);
    const bin = path.join(consumer, 'node_modules', 'followup', 'dist', 'cli', 'followup.mjs');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // From the consumer, where neither commander nor zod nor yaml can be resolved.
    expect(run(process.execPath, [bin, '--version'], consumer).trim()).toBe(manifest.version);
    expect(run(process.execPath, [bin, 'sequences', '--help'], consumer)).toMatch(/publish \[options\] <dir>|publish <dir>/);
  });

  it("passes the consumer's tsc (NodeNext, strict) importing 'followup' by its package name", { timeout: 120_000 }, () => {
    run(process.execPath, [path.join(repoModules, 'typescript', 'bin', 'tsc'), '-p', '.'], consumer);
  });

  it('synthesises the consumer stack from the prebuilt bundles, without esbuild or Docker', { timeout: 120_000 }, () => {
    const outdir = path.join(work, 'cdk.out');
    run(process.execPath, [path.join(repoModules, 'tsx', 'dist', 'cli.mjs'), 'bin/consumer.ts'], consumer, { CDK_OUTDIR: outdir });
    template = JSON.parse(readFileSync(path.join(outdir, 'PlatformStack.template.json'), 'utf8'));
    const resources = Object.entries(template.Resources);
    const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    expect(ofType('AWS::ApiGatewayV2::DomainName')).toHaveLength(1);
    // Every engine function's code is a staged copy of a shipped bundle.
    // (The console's pre token generation trigger is a few inline lines, not a bundle.)
    const engineFunctions = ofType('AWS::Lambda::Function').filter(([id, fn]) => id.startsWith('Followup') && fn.Properties.Code.ZipFile === undefined);
    expect(engineFunctions.length).toBe(Object.keys(BUNDLE_ENTRIES).length);
    expect(ofType('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Code.ZipFile !== undefined).map(([id]) => id)).toEqual([
      expect.stringMatching(/^FollowupConsolePreTokenGeneration/),
    ]);
    for (const [id, fn] of engineFunctions) {
      const asset = path.join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(asset), id).toBe(true);
    }
    // The host's AwsCustomResource keeps its singleton role; the activation has its own.
    const [, activation] = ofType('Custom::FollowupReceiptRuleSetActivation')[0]!;
    const provider = template.Resources[activation.Properties.ServiceToken['Fn::GetAtt'][0]]!;
    expect(provider.Properties.Role['Fn::GetAtt'][0]).toMatch(/^FollowupActivateReceiptRuleSetRole/);
    // The consumer's key encrypts the table, the queues and the topics.
    const keyId = ofType('AWS::KMS::Key')[0]![0];
    for (const [id, r] of [...ofType('AWS::SQS::Queue'), ...ofType('AWS::SNS::Topic')]) {
      expect(r.Properties.KmsMasterKeyId, id).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    expect(ofType('AWS::DynamoDB::Table')[0]![1].Properties.SSESpecification.KMSMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });
});
