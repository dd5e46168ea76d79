/**
 * Builds the Lambda bundles the package ships (`dist/lambda/<name>/index.mjs` and its
 * source map) by synthesising the engine with `lambdaCode: 'esbuild'`, i.e. with exactly
 * the `NodejsFunction` bundling our own `cdk synth` uses, and copying each function's
 * staged asset. One bundling path: what a consumer deploys is what this repository deploys.
 * An installed package synthesises from these (`lambdaCode: 'prebuilt'`), so a consumer
 * needs neither esbuild nor Docker nor our dependencies. Run by `npm run build`.
 */
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { FollowupEngine } from './followup-engine.js';
import { PREBUILT_DIR, type BundleName } from './lambda-code.js';

export function buildLambdaBundles(outDir = PREBUILT_DIR): Record<BundleName, number> {
  const cdkOut = mkdtempSync(path.join(tmpdir(), 'followup-bundles-'));
  try {
    const app = new App({ outdir: cdkOut });
    const stack = new Stack(app, 'FollowupBundles');
    // A reply domain and a webhook endpoint, so the inbound function, the receipt-rule-set
    // provider and the webhook sender exist too.
    const engine = new FollowupEngine(stack, 'Engine', {
      sendingDomain: 'mail.example.com',
      replyDomain: 'reply.example.com',
      webhooks: [{ id: 'bundle', url: 'https://hooks.example.com/followup', secretName: 'followup/webhooks' }],
      lambdaCode: 'esbuild',
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
    };
    const functions: [BundleName, lambda.Function | undefined][] = [
      ...(Object.entries(engine.functions) as [BundleName, lambda.Function][]),
      ['receiptRuleSetActivation', engine.receiptRuleSetActivation?.function],
    ];
    rmSync(outDir, { recursive: true, force: true });
    const sizes = {} as Record<BundleName, number>;
    for (const [name, fn] of functions) {
      if (!fn) throw new Error(`no ${name} function to bundle`);
      const resource = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)];
      if (!resource) throw new Error(`${name}: its function is missing from the synthesised template`);
      const key = resource.Properties.Code.S3Key;
      const asset = path.join(cdkOut, `asset.${key.replace(/\.zip$/, '')}`);
      cpSync(asset, path.join(outDir, name), { recursive: true });
      sizes[name] = statSync(path.join(outDir, name, 'index.mjs')).size;
    }
    return sizes;
  } finally {
    rmSync(cdkOut, { recursive: true, force: true });
  }
}

const sizes = buildLambdaBundles();
for (const [name, bytes] of Object.entries(sizes)) console.log(`${name.padEnd(26)} ${(bytes / 1024).toFixed(0).padStart(5)} KB`);
