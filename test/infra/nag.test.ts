/**
 * cdk-nag AwsSolutions checks (CDK policy validation): synthesis fails on any
 * unacknowledged finding, and every acknowledgement carries a real reason.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStack } from './helpers.js';

function synthError(app: { synth: () => unknown }): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Every acknowledgement recorded under `root`: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^Annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  // The example deployment (reply domain, alarms, all functions), synthesized once.
  let example: ReturnType<typeof synthStack>;
  let exampleError: string | undefined;
  beforeAll(() => {
    example = synthStack({ nag: true });
    exampleError = synthError(example.app);
  });

  it('finds nothing unacknowledged in the example deployment (reply domain, alarms, all functions)', () => {
    expect(exampleError).toBeUndefined();
  });

  it('finds nothing unacknowledged in a minimal deployment in a concrete region', () => {
    const { app } = synthStack({
      nag: true,
      env: { account: '123456789012', region: 'eu-west-1' },
      engine: { replyDomain: undefined, manageEmailIdentity: false, alarmEmail: 'ops@example.com' },
    });
    expect(synthError(app)).toBeUndefined();
  });

  it('acknowledges only AwsSolutions rules, each with a specific reason', () => {
    // The wildcard acknowledgements are recorded by an aspect during synthesis (done in beforeAll).
    const all = acknowledgements(example.stack);
    expect(all.length).toBeGreaterThan(0);
    const reasons = new Set<string>();
    for (const { path, id, reason } of all) {
      expect(id, path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(reason.length, `${path} ${id}`).toBeGreaterThanOrEqual(60);
      expect(reason, `${path} ${id}`).not.toMatch(/^(ok|n\/a|todo|suppress(ed)?|not needed)\b/i);
      reasons.add(reason);
    }
    // The rules we consciously accept, and nothing else.
    const rules = new Set(all.map(({ id }) => id.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual([
      'AwsSolutions-APIG4',
      // The console (infra/engine/console.ts): CloudFront, its bucket, Cognito, and BucketDeployment's handler.
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-COG2',
      'AwsSolutions-COG8',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // Only BucketDeployment's deploy-time handler uses an AWS managed policy and an older runtime.
    for (const { id, path } of all.filter(({ id }) => id.startsWith('AwsSolutions-IAM4') || id === 'AwsSolutions-L1')) {
      expect(path, id).toMatch(/Custom::CDKBucketDeployment/);
    }
    // Wildcards are acknowledged finding by finding, never as a blanket IAM5.
    for (const { id, path } of all.filter(({ id }) => id.startsWith('AwsSolutions-IAM5'))) {
      if (/Custom::CDKBucketDeployment/.test(path)) {
        expect(id).toMatch(/^AwsSolutions-IAM5\[(Action::s3:[A-Za-z]+\*|Resource::(\*|<EngineConsoleBucket[A-F0-9]+\.Arn>\/\*|arn:.+:s3:::cdk-hnb659fds-assets-.+\/\*))\]$/);
        continue;
      }
      // Import files: per job, by key pattern (infra/permissions.ts IMPORT_OBJECT_KEYS), never the bucket.
      expect(id).toMatch(
        /^AwsSolutions-IAM5\[Resource::(.+\/index\/\*|.+:schedule\/.+\/\*|.+:secret:followup\/twilio-\?{6}|<EngineImportBucket[A-F0-9]+\.Arn>\/imports\/\*\/(upload\.csv|results\/\*)|\*)\]$/,
      );
    }
    // Public routes: exactly the webhooks, the unsubscribe pages, the health check and the API description.
    const publicRoutes = all.filter(({ id }) => id === 'AwsSolutions-APIG4').map(({ path }) => path.split('/').at(-1));
    expect(publicRoutes.sort()).toEqual(
      [
        'GET--health',
        'GET--openapi.json',
        'GET--unsubscribe--{token}',
        'POST--unsubscribe--{token}',
        'POST--webhooks--twilio--sms',
        'POST--webhooks--twilio--status',
        'POST--webhooks--twilio--voice--status',
        'POST--webhooks--twilio--voice--twiml',
      ].sort(),
    );
  });

  it('still catches a wildcard that nobody meant (the checks really run)', () => {
    const { app, stack } = synthStack({ nag: true });
    const worker = stack.engine.functions.touchWorker;
    worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const message = synthError(app);
    expect(message).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(message).toContain('TouchWorkerFunctionRole');
  });
});
