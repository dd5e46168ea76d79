/**
 * `ReceiptRuleSetActivation`: activates the engine's SES receipt rule set through the
 * engine's OWN custom-resource provider (a Lambda with its own role and log group; see
 * activation-handler.ts for what it does on create, update and delete). CloudFormation
 * cannot activate a rule set itself.
 *
 * One app cannot hold two activations for the same account and region: SES keeps one
 * active rule set there, so the second engine would silently take the first one's
 * replies. That fails synth here; across apps the handler refuses at deploy time.
 */
import { CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { FollowupEngineConfigError } from '../engine-props.js';
import { LAMBDA_NODE_RUNTIME } from '../engine/function-settings.js';
import { createFunction, type LambdaCodeOptions } from '../lambda-code.js';

export { FOLLOWUP_RECEIPT_RULE_PREFIX } from './names.js';

export const ACTIVATION_RESOURCE_TYPE = 'Custom::FollowupReceiptRuleSetActivation';

export interface ReceiptRuleSetActivationProps {
  readonly ruleSet: ses.IReceiptRuleSet;
  readonly logRetention: logs.RetentionDays;
  readonly code: LambdaCodeOptions;
}

const ACTIVATION_MARKER = Symbol.for('followup.ReceiptRuleSetActivation');

export class ReceiptRuleSetActivation extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ReceiptRuleSetActivationProps) {
    super(scope, id);
    Object.defineProperty(this, ACTIVATION_MARKER, { value: true });
    refuseSecondActivation(this);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', {
      description: 'Followup: activates the engine\'s SES receipt rule set and restores the previous one on delete',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ActivateReceiptRuleSet',
        // Neither action supports resource-level permissions.
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    this.function = createFunction(
      this,
      'Function',
      'receiptRuleSetActivation',
      {
        description: 'Followup: activates the SES receipt rule set (CloudFormation custom resource)',
        runtime: LAMBDA_NODE_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.minutes(2),
        role: this.role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
      },
      props.code,
    );
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: ACTIVATION_RESOURCE_TYPE,
      properties: { RuleSetName: props.ruleSet.receiptRuleSetName },
    });
    this.resource.node.addDependency(props.ruleSet);
    // The role's policy must exist before CloudFormation calls the function.
    this.resource.node.addDependency(this.role);
  }
}

function envKey(scope: Construct): string {
  const { account, region } = Stack.of(scope);
  const part = (value: string) => (Token.isUnresolved(value) ? '(any)' : value);
  return `${part(account)}/${part(region)}`;
}

function refuseSecondActivation(activation: ReceiptRuleSetActivation): void {
  const mine = envKey(activation);
  const other = activation.node.root.node
    .findAll()
    .find((c) => c !== activation && (c as unknown as Record<symbol, unknown>)[ACTIVATION_MARKER] === true && envKey(c) === mine);
  if (other) {
    throw new FollowupEngineConfigError(
      'activateReceiptRuleSet',
      `cannot be true for two engines in one account and region (${mine}): SES has ONE active receipt rule set there, ` +
        `and ${other.node.path} already activates one. Set activateReceiptRuleSet: false on ${activation.node.scope?.node.path ?? activation.node.path}, ` +
        'or serve both with one engine (README, "Two engines in one account").',
    );
  }
}
