/**
 * Applies `infra/permissions.ts` to a function's role: DynamoDB actions on the table,
 * Query on exactly the indexes it reads, its secrets, SES sending, touch schedules.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HandlerName } from '../handlers.js';
import { FUNCTION_ACCESS, IMPORT_OBJECT_KEYS, type FunctionAccess } from '../permissions.js';
import type { EngineEmail } from './email.js';
import type { EngineKeys } from './encryption.js';
import type { EngineScheduler } from './scheduler.js';
import type { EngineSecrets } from './storage.js';
import type { EngineWebhooks } from './webhooks.js';
import type { EngineImports } from './imports.js';

export interface GrantTargets {
  readonly table: dynamodb.ITable;
  readonly imports: EngineImports;
  readonly keys: EngineKeys;
  readonly secrets: EngineSecrets;
  readonly scheduler: EngineScheduler;
  readonly email: EngineEmail;
  readonly webhooks: EngineWebhooks | undefined;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

export function grantFunctionAccess(fn: lambda.IFunction, name: HandlerName, targets: GrantTargets): void {
  const access: FunctionAccess = FUNCTION_ACCESS[name];
  const { table, secrets, scheduler } = targets;
  if (access.table.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'TableAccess',
        actions: access.table.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
      }),
    );
  }
  if (access.indexes.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'IndexQueries',
        actions: ['dynamodb:Query'],
        resources: access.indexes.map((index) => `${table.tableArn}/index/${index}`),
      }),
    );
  }
  const key = table.encryptionKey;
  if (key && access.table.length > 0) {
    if (access.table.some((action) => WRITES.has(action))) key.grantEncryptDecrypt(fn);
    else key.grantDecrypt(fn);
  }
  const secretsOf = {
    apiKey: [secrets.apiKeySecret],
    unsubscribe: [secrets.unsubscribeSecret],
    twilio: [secrets.twilioSecret],
    webhooks: Object.values(targets.webhooks?.secrets ?? {}),
  } as const;
  for (const secret of access.secrets) for (const each of secretsOf[secret]) each.grantRead(fn);
  if (access.publishesWebhooks && targets.webhooks) targets.webhooks.bus.grantPutEventsTo(fn);
  if (access.sendEmail) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SendEmail', actions: ['ses:SendEmail'], resources: targets.email.sendEmailResources }),
    );
  }
  if (access.imports) {
    const { bucket, chunkQueue } = targets.imports;
    const objects = (sid: string, action: string, keys: readonly (keyof typeof IMPORT_OBJECT_KEYS)[]) => {
      if (keys.length === 0) return;
      fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions: [action], resources: keys.map((key) => bucket.arnForObjects(IMPORT_OBJECT_KEYS[key])) }));
    };
    objects('ReadImportFiles', 's3:GetObject', access.imports.read);
    objects('WriteImportFiles', 's3:PutObject', access.imports.write);
    if (access.imports.sendChunks) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'QueueImportChunks', actions: ['sqs:SendMessage'], resources: [chunkQueue.queueArn] }));
      chunkQueue.encryptionMasterKey?.grantEncryptDecrypt(fn);
    }
  }
  if (access.schedules !== 'none') {
    const create = access.schedules === 'create';
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageTouchSchedules',
        actions: create ? ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] : ['scheduler:DeleteSchedule'],
        resources: [scheduler.scheduleArn],
      }),
    );
    if (create) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PassSchedulerRole',
          actions: ['iam:PassRole'],
          resources: [scheduler.schedulerRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      );
    }
  }
}
