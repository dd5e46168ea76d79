/**
 * CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). Reads and validates the context,
 * builds the stack and runs the cdk-nag AwsSolutions checks. Works offline and without
 * credentials: the stack is environment-agnostic unless the CLI knows the account.
 */
import { App } from 'aws-cdk-lib';
import { ContextError, readContext, type FollowupContext } from './config.js';
import { FollowupStack } from './followup-stack.js';
import { acknowledgeEngineFindings, addNagChecks } from './nag.js';

const app = new App();

function contextOrExit(): FollowupContext {
  try {
    return readContext((key) => app.node.tryGetContext(key));
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    // One line the operator can act on; no stack trace.
    console.error(error.message);
    process.exit(1);
  }
}

const { stackName, ...engine } = contextOrExit();
const stack = new FollowupStack(app, stackName, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  engine,
});
acknowledgeEngineFindings(stack.engine);
addNagChecks(app);
app.synth();
