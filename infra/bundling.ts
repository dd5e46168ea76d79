/**
 * How every Lambda is bundled, as plain data shared by the construct (which hands it
 * to `NodejsFunction`) and by `bench/bundle-size.ts` (which runs esbuild with the same
 * settings to measure size and cold import time). No aws-cdk-lib import here.
 */

/** Lambda runtime the bundles target: the newest Node.js runtime aws-cdk-lib 2.276 offers. */
export const LAMBDA_NODE_MAJOR = 24;
export const ESBUILD_TARGET = `node${LAMBDA_NODE_MAJOR}`;

/**
 * The Lambda Node.js runtimes ship AWS SDK v3 (and its @smithy dependencies). Leaving
 * them out makes every bundle several hundred KB smaller, and the runtime's copy is
 * already on disk, so nothing is lost at cold start.
 */
export const AWS_SDK_EXTERNALS = ['@aws-sdk/*', '@smithy/*'] as const;

/**
 * ESM output (top-level await, tree shaking through `module` entry points). Some
 * CommonJS dependencies still call `require('node:…')`; esbuild's ESM output has no
 * `require`, so we define one. This is the shim AWS Powertools documents for ESM.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __followupCreateRequire } from 'node:module';const require = __followupCreateRequire(import.meta.url);";

/** Prefer ESM entry points: they tree-shake far better than the CommonJS builds. */
export const MAIN_FIELDS = ['module', 'main'] as const;

export interface SharedBundling {
  readonly minify: true;
  readonly sourceMap: true;
  readonly target: string;
  readonly banner: string;
  readonly mainFields: readonly string[];
  readonly externalModules: readonly string[];
}

/** The one bundling recipe. `bundleAwsSdk` trades size for a pinned SDK version. */
export function sharedBundling(bundleAwsSdk: boolean): SharedBundling {
  return {
    minify: true,
    sourceMap: true,
    target: ESBUILD_TARGET,
    banner: ESM_REQUIRE_BANNER,
    mainFields: MAIN_FIELDS,
    externalModules: bundleAwsSdk ? [] : AWS_SDK_EXTERNALS,
  };
}

/**
 * The same recipe as esbuild options, for the bundles the package ships
 * (`infra/build-lambda-bundles.ts`) and for `bench/bundle-size.ts`: what `NodejsFunction`
 * passes to esbuild with the settings above.
 */
export function esbuildOptions(bundling: SharedBundling, absWorkingDir: string) {
  return {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: bundling.target,
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    sourcesContent: false,
    external: [...bundling.externalModules],
    mainFields: [...bundling.mainFields],
    banner: { js: bundling.banner },
    metafile: true as const,
    logLevel: 'silent' as const,
    absWorkingDir,
  };
}
