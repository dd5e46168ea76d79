/**
 * Recording cdk-nag acknowledgements with aws-cdk-lib's own `Validations` API (no cdk-nag
 * import): `acknowledge` refuses an empty reason, and `ScopedWildcardAcknowledger`
 * acknowledges exactly the IAM wildcards we intend, on the policies that contain them.
 */
import { Stack, Validations, type IAspect } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** Acknowledges one AwsSolutions rule (or one finding of it) on `scope` and below. */
export function acknowledge(scope: IConstruct, id: `AwsSolutions-${string}`, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${id} needs a real reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Flattens a resolved CloudFormation reference the way cdk-nag names findings
 * (`<Logical.Arn>/index/*`, `arn:<AWS::Partition>:…`), so we can acknowledge exact findings.
 */
export function flattenCfnReference(reference: unknown): string {
  if (reference === undefined) return '';
  if (typeof reference === 'string') return reference.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = reference as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnReference).join(delimiter);
  }
  if (node['Fn::Sub'] !== undefined) return flattenCfnReference(node['Fn::Sub']);
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
  }
  if (node['Fn::ImportValue'] !== undefined) return flattenCfnReference(node['Fn::ImportValue']);
  if (node.Ref !== undefined) return `<${flattenCfnReference(node.Ref)}>`;
  return JSON.stringify(reference);
}

export interface ScopedWildcard {
  /** The resource ARN (tokens allowed) whose wildcard is intended. */
  readonly resource: string;
  readonly reason: string;
  /**
   * Acknowledge only while every statement of the policy on this resource grants nothing
   * but these actions (for `"*"`, which other grants could also use).
   */
  readonly onlyActions?: readonly string[];
}

type Statement = { Effect?: string; Action?: string | string[]; Resource?: unknown };

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Acknowledges AwsSolutions-IAM5 for exactly the wildcard resources we intend, on the
 * policies that actually contain them. Runs as an aspect, after every grant is in
 * place; any other wildcard (say, one added by an embedding app) is still reported.
 */
export class ScopedWildcardAcknowledger implements IAspect {
  constructor(private readonly wildcards: readonly ScopedWildcard[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnPolicy)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.policyDocument) as { Statement?: Statement[] };
    const allowed = (document.Statement ?? []).filter((statement) => statement.Effect === 'Allow');
    for (const wildcard of this.wildcards) {
      const flat = flattenCfnReference(stack.resolve(wildcard.resource));
      if (!flat.includes('*')) continue;
      const using = allowed.filter((statement) => asList(statement.Resource).some((r) => flattenCfnReference(r) === flat));
      if (using.length === 0) continue;
      const only = wildcard.onlyActions;
      if (only && !using.every((statement) => asList(statement.Action).every((action) => only.includes(action)))) continue;
      acknowledge(node, `AwsSolutions-IAM5[Resource::${flat}]`, wildcard.reason);
    }
  }
}
