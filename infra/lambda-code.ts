/**
 * Where each Lambda's code comes from, and one factory that builds the function either way.
 *
 * - `prebuilt`: the package ships `dist/lambda/<name>/index.mjs` (built by
 *   `npm run build` with the same esbuild recipe, `infra/bundling.ts`). A consumer's
 *   `cdk synth` needs neither esbuild nor Docker nor our dependencies: it stages the
 *   directories as assets. This is what an installed package uses.
 * - `esbuild`: `NodejsFunction` bundles the TypeScript handlers at synth with the local
 *   esbuild devDependency (our own app, the tests, a fork of the handlers).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { sharedBundling } from './bundling.js';
import { FollowupEngineConfigError } from './engine-props.js';
import { HANDLERS, type HandlerName, type HandlerSpec } from './handlers.js';

export type LambdaCodeSource = 'prebuilt' | 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The nearest directory above `start` with a package.json: the repository, or the installed package. */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`FollowupEngine: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(HERE);
export const PREBUILT_DIR = path.join(PACKAGE_ROOT, 'dist', 'lambda');

/** Functions that are not product handlers: the engine's own custom-resource provider. */
export const PROVIDER_ENTRIES = {
  receiptRuleSetActivation: 'infra/receipt-rule-set/activation-handler.ts',
} as const;
export type ProviderName = keyof typeof PROVIDER_ENTRIES;
export type BundleName = HandlerName | ProviderName;

/** Every bundle: name → entry file relative to the package root. */
export const BUNDLE_ENTRIES: Readonly<Record<BundleName, string>> = {
  ...(Object.fromEntries(
    (Object.keys(HANDLERS) as HandlerName[]).map((name) => [name, `functions/handlers/${HANDLERS[name].file}`]),
  ) as Record<HandlerName, string>),
  ...PROVIDER_ENTRIES,
};

/**
 * Compiled (`dist/infra/*.js`, an installed package) uses the shipped bundles; the
 * TypeScript sources (tsx, vitest) bundle fresh ones, so they can never be stale.
 */
export function defaultLambdaCodeSource(): LambdaCodeSource {
  const compiled = fileURLToPath(import.meta.url).endsWith('.js');
  return compiled && existsSync(PREBUILT_DIR) ? 'prebuilt' : 'esbuild';
}

export function prebuiltBundleDir(name: BundleName): string {
  return path.join(PREBUILT_DIR, name);
}

export interface LambdaCodeOptions {
  readonly source: LambdaCodeSource;
  readonly bundleAwsSdk: boolean;
  /** The entry file (esbuild only); defaults to the bundle's entry in this package. */
  readonly entry?: string;
}

/** Everything of the function but its code, which `createFunction` adds. */
export type FunctionSettings = Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'> & { readonly runtime: lambda.Runtime };

export function createFunction(
  scope: Construct,
  id: string,
  name: BundleName,
  settings: FunctionSettings,
  options: LambdaCodeOptions,
): lambda.Function {
  if (options.source === 'prebuilt') {
    const dir = prebuiltBundleDir(name);
    if (!existsSync(path.join(dir, 'index.mjs'))) {
      throw new Error(`FollowupEngine: prebuilt bundle ${dir}/index.mjs is missing; run "npm run build" or use lambdaCode: 'esbuild'`);
    }
    return new lambda.Function(scope, id, { ...settings, code: lambda.Code.fromAsset(dir), handler: 'index.handler' });
  }
  const bundling = sharedBundling(options.bundleAwsSdk);
  const entry = options.entry ?? path.join(PACKAGE_ROOT, BUNDLE_ENTRIES[name]);
  if (!existsSync(entry)) {
    // The installed package ships bundles, not the TypeScript handlers.
    throw options.entry
      ? new FollowupEngineConfigError('handlersDir', `must hold the handler entry files; ${entry} does not exist`)
      : new FollowupEngineConfigError('lambdaCode', `"esbuild" bundles the TypeScript handlers, and ${entry} does not exist (the package ships bundles): use "prebuilt"`);
  }
  return new nodejs.NodejsFunction(scope, id, {
    ...settings,
    entry,
    handler: 'handler',
    projectRoot: PACKAGE_ROOT,
    depsLockFilePath: path.join(PACKAGE_ROOT, 'package-lock.json'),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      minify: bundling.minify,
      sourceMap: bundling.sourceMap,
      // Stack traces map to file:line without shipping the sources themselves.
      sourcesContent: false,
      target: bundling.target,
      banner: bundling.banner,
      mainFields: [...bundling.mainFields],
      externalModules: [...bundling.externalModules],
      // No Docker on build machines: the local esbuild devDependency bundles.
      forceDockerBundling: false,
      logLevel: nodejs.LogLevel.WARNING,
      ...bundledFilesHooks(name),
    },
  });
}

/**
 * Data files a function reads at run time (e.g. the API's phone → zone map), copied next
 * to its bundle; `npm run build` ships the whole staged directory, so the prebuilt bundles
 * carry them too.
 */
function bundledFilesHooks(name: BundleName): Pick<nodejs.BundlingOptions, 'commandHooks'> {
  const files = name in HANDLERS ? ((HANDLERS[name as HandlerName] as HandlerSpec).bundledFiles ?? []) : [];
  if (files.length === 0) return {};
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        files.map((file) => `cp "${path.join(inputDir, file.from)}" "${path.join(outputDir, file.to)}"`),
    },
  };
}
