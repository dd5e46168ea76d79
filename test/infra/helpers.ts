/**
 * Shared set-up for the infra tests: the cdk.json context (feature flags and example
 * values, so tests synthesize what `cdk synth` synthesizes), handler entry files, and
 * one synthesis helper.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readContext } from '../../infra/config.js';
import { FollowupStack } from '../../infra/followup-stack.js';
import type { FollowupEngineProps } from '../../infra/followup-engine.js';
import { HANDLERS, HANDLER_NAMES } from '../../infra/handlers.js';
import { acknowledgeEngineFindings, addNagChecks } from '../../infra/nag.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Scratch space inside the package root (NodejsFunction entries must live under it). */
export const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'followup-infra-test');

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** Engine props exactly as `cdk synth` builds them from cdk.json. */
export function exampleEngineProps(): FollowupEngineProps {
  const context = cdkJsonContext();
  const { stackName: _stackName, ...engine } = readContext((key) => context[key]);
  return engine;
}

/**
 * Empty entry files: with bundling skipped only their existence matters, so the
 * assertion tests do not depend on the handlers being written yet.
 */
export function stubHandlersDir(): string {
  const dir = path.join(CACHE_DIR, 'stub-handlers');
  mkdirSync(dir, { recursive: true });
  for (const name of HANDLER_NAMES) {
    writeFileSync(path.join(dir, HANDLERS[name].file), 'export const handler = async () => ({});\n');
  }
  return dir;
}

export interface SynthOptions {
  readonly engine?: Partial<FollowupEngineProps>;
  readonly nag?: boolean;
  readonly outdir?: string;
  readonly env?: { account?: string; region?: string };
}

export function synthStack(options: SynthOptions = {}) {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext(),
      // Unit tests never bundle; test/infra/bundling.test.ts is the one that does.
      'aws:cdk:bundling-stacks': [],
    },
  });
  const stack = new FollowupStack(app, 'Followup', {
    env: options.env,
    engine: { ...exampleEngineProps(), handlersDir: stubHandlersDir(), ...options.engine },
  });
  if (options.nag) {
    acknowledgeEngineFindings(stack.engine);
    addNagChecks(app);
  }
  return { app, stack };
}

export function templateOf(options: SynthOptions = {}) {
  const { app, stack } = synthStack(options);
  return { app, stack, template: Template.fromStack(stack) };
}
