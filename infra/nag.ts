/**
 * cdk-nag (v3, CDK policy validation). The app and the tests register the AwsSolutions
 * pack; every acknowledgement lives next to the resource it concerns (in the
 * constructs) and goes through `acknowledge`, which refuses an empty reason.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs the AwsSolutions checks on everything under `app` at synth time. */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/** Acknowledges one AwsSolutions rule on `scope` (and everything under it). */
export function acknowledge(scope: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${id} needs a real reason`);
  Validations.of(scope).acknowledge({ id, reason });
}
