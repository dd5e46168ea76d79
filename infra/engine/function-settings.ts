/** What every Followup function has in common: runtime, architecture, logs, role, tracing. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import type { HandlerSpec } from '../handlers.js';
import type { FunctionSettings } from '../lambda-code.js';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (matches ESBUILD_TARGET in bundling.ts). */
export const LAMBDA_NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export function handlerFunctionSettings(
  scope: Construct,
  spec: HandlerSpec,
  props: ResolvedEngineProps,
  environment: Record<string, string>,
): FunctionSettings {
  const logGroup = new logs.LogGroup(scope, `${spec.constructId}Logs`, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // Our own role instead of AWSLambdaBasicExecutionRole: logs go to this one group only.
  const role = new iam.Role(scope, `${spec.constructId}Role`, {
    description: `Execution role of ${spec.description}`,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  logGroup.grantWrite(role);
  return {
    description: spec.description,
    runtime: LAMBDA_NODE_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: spec.memorySize,
    timeout: Duration.seconds(spec.timeoutSeconds),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel],
    // INFO keeps the platform REPORT lines (duration, memory, cold starts); the functions
    // invoked per touch drop them (HandlerSpec.perTouch in infra/handlers.ts).
    systemLogLevelV2: spec.perTouch ? lambda.SystemLogLevel.WARN : lambda.SystemLogLevel.INFO,
    // Active tracing rather than the Powertools Tracer: one segment per invocation for
    // no bundle cost (the Tracer brings the X-Ray SDK into every bundle; README, Observability).
    tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    environment,
  };
}
