/**
 * cdk-nag (v3, CDK policy validation). The app and the tests register the AwsSolutions
 * pack; every acknowledgement lives next to the resource it concerns (in the
 * constructs) and goes through `acknowledge`, which refuses an empty reason.
 */
import { Stack, Validations, type IAspect } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs the AwsSolutions checks on everything under `app` at synth time. */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

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
}

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
    const intended = new Map(this.wildcards.map((w) => [flattenCfnReference(stack.resolve(w.resource)), w.reason]));
    const document = stack.resolve(node.policyDocument) as { Statement?: { Effect?: string; Resource?: unknown }[] };
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) {
        const flat = flattenCfnReference(resource);
        const reason = intended.get(flat);
        if (flat.includes('*') && reason !== undefined) {
          acknowledge(node, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
        }
      }
    }
  }
}
