/** The single table and the secrets. */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION, type IndexProjection } from '../../functions/table-definition.js';
import { FollowupEngineConfigError } from '../engine-props.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import type { EngineKeys } from './encryption.js';

const attributeType = (type: 'S' | 'N' | 'B') =>
  ({ S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER, B: dynamodb.AttributeType.BINARY })[type];

/** The table (keys and indexes from `functions/table-definition.ts`), or the one given. */
export function buildTable(scope: Construct, props: ResolvedEngineProps, keys: EngineKeys): dynamodb.ITable {
  if (props.existingTableObj) {
    checkExistingTable(props.existingTableObj);
    return props.existingTableObj;
  }
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: TABLE_DEFINITION.partitionKey.name, type: attributeType(TABLE_DEFINITION.partitionKey.type) },
    sortKey: { name: TABLE_DEFINITION.sortKey.name, type: attributeType(TABLE_DEFINITION.sortKey.type) },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TABLE_DEFINITION.timeToLiveAttribute,
    // Without a key of the operator's: an AWS-managed key, visible in CloudTrail, no monthly fee.
    ...(keys.dataKey
      ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: keys.dataKey }
      : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
    deletionProtection: props.deletionProtection,
    removalPolicy: props.removalPolicy,
  });
  for (const index of TABLE_DEFINITION.globalSecondaryIndexes) {
    const projection: IndexProjection = index.projection;
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
      sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
      projectionType: dynamodb.ProjectionType[projection.type],
      ...(projection.type === 'INCLUDE' ? { nonKeyAttributes: [...projection.nonKeyAttributes] } : {}),
    });
  }
  return table;
}

/** A table built in this app can be checked against the table definition; an imported one cannot. */
function checkExistingTable(table: dynamodb.ITable): void {
  if (!(table instanceof dynamodb.Table)) return;
  const keyNames = (schema: dynamodb.KeySchema) => ({
    partition: schema.partitionKeys.map((key) => key.name).join(','),
    sort: schema.sortKeys.map((key) => key.name).join(','),
  });
  const expected = TABLE_DEFINITION;
  const keys = keyNames(table.schemaV2());
  if (keys.partition !== expected.partitionKey.name || keys.sort !== expected.sortKey.name) {
    throw new FollowupEngineConfigError(
      'existingTableObj',
      `must have partition key "${expected.partitionKey.name}" and sort key "${expected.sortKey.name}" (functions/table-definition.ts)`,
    );
  }
  for (const index of expected.globalSecondaryIndexes) {
    let indexKeys: { partition: string; sort: string };
    try {
      indexKeys = keyNames(table.schemaV2(index.indexName));
    } catch {
      throw new FollowupEngineConfigError('existingTableObj', `must have the global secondary index "${index.indexName}"`);
    }
    if (indexKeys.partition !== index.partitionKey.name || indexKeys.sort !== index.sortKey.name) {
      throw new FollowupEngineConfigError(
        'existingTableObj',
        `index "${index.indexName}" must be keyed on ${index.partitionKey.name}/${index.sortKey.name}`,
      );
    }
  }
}

export interface EngineSecrets {
  readonly apiKeySecret: secretsmanager.Secret;
  readonly unsubscribeSecret: secretsmanager.Secret;
  readonly twilioSecret: secretsmanager.ISecret;
}

export function buildSecrets(scope: Construct, props: ResolvedEngineProps): EngineSecrets {
  const apiKeySecret = new secretsmanager.Secret(scope, 'ApiKeySecret', {
    description: 'Followup admin API key: send it as "Authorization: Bearer <value>".',
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  });
  const unsubscribeSecret = new secretsmanager.Secret(scope, 'UnsubscribeSecret', {
    description: 'Followup HMAC key signing unsubscribe and reply tokens.',
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: props.removalPolicy,
  });
  const twilioSecret = secretsmanager.Secret.fromSecretNameV2(scope, 'TwilioSecret', props.twilioSecretName);
  return { apiKeySecret, unsubscribeSecret, twilioSecret };
}
