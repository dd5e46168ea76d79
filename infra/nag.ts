/**
 * cdk-nag (v3, CDK policy validation), for our own app (`infra/app.ts`) and the tests
 * only: the construct never imports cdk-nag. The engine's acknowledgements are data
 * (`nag-acknowledgements.ts`) applied from the app side with `acknowledgeEngineFindings`.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export { acknowledgeEngineFindings } from './nag-acknowledgements.js';

/** Runs the AwsSolutions checks on everything under `app` at synth time. */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
