/**
 * Encryption keys. The SNS topics need a customer-managed key: SES (raw reply MIME) and
 * CloudWatch (alarms) publish to them, and the AWS-managed `alias/aws/sns` key's policy
 * cannot let them. With `encryptionKey` the same key also encrypts the table and queues.
 */
import { Annotations, Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';

export interface EngineKeys {
  /** Encrypts the SNS topics (the engine's own key unless `encryptionKey` is given). */
  readonly topicKey: kms.IKey;
  /** Encrypts the table and queues; undefined: AWS-owned keys. */
  readonly dataKey?: kms.IKey;
}

/**
 * Services that write into the engine's encrypted topics and queues on its behalf: SES
 * (inbound mail topic), CloudWatch (alarm topic), SNS (subscription dead-letter queue),
 * EventBridge (rule dead-letter queue), S3 (upload events on the import split queue). Each needs to generate and decrypt data keys.
 */
export const KEY_USING_SERVICES = ['ses.amazonaws.com', 'cloudwatch.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com', 's3.amazonaws.com'] as const;

export function buildKeys(scope: Construct, props: ResolvedEngineProps): EngineKeys {
  const topicKey =
    props.encryptionKey ??
    new kms.Key(scope, 'TopicKey', {
      description: 'Followup: encrypts the alarm and inbound-mail SNS topics',
      enableKeyRotation: true,
      // The topics store nothing once delivered: the key can go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  const statement = new iam.PolicyStatement({
    sid: 'AllowFollowupServicePublishers',
    principals: KEY_USING_SERVICES.map((service) => new iam.ServicePrincipal(service)),
    actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
  });
  const { statementAdded } = topicKey.addToResourcePolicy(statement, /* allowNoOp */ true);
  if (!statementAdded) {
    Annotations.of(scope).addWarningV2(
      'followup:importedKeyPolicy',
      `encryptionKey is imported, so its key policy cannot be changed here: it must allow ${KEY_USING_SERVICES.join(', ')} kms:GenerateDataKey* and kms:Decrypt (README, "Encryption")`,
    );
  }
  return { topicKey, ...(props.encryptionKey ? { dataKey: props.encryptionKey } : {}) };
}
