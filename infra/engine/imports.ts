/**
 * Import jobs in AWS (README "Imports", docs/architecture.md "Import jobs"): the bucket the
 * CSV is uploaded to (presigned PUT), the S3 event of an upload on the split queue, and
 * the chunk queue the splitter fills; each queue with its dead-letter queue. The functions
 * and their event sources are built with the others (functions.ts).
 *
 * Why S3 → SQS → Lambda and not Step Functions Distributed Map: per million rows the SQS
 * path costs about $0.003 in requests against about $0.05 of state transitions, the file
 * is read by the same CSV reader as a request body (Distributed Map's CSV reader knows
 * neither UTF-16, Windows-1252, the header aliases nor the broken-quote repair), and a
 * crash is repaired the same way as every other message of the engine: the message comes
 * back after its visibility timeout and runs again (chunks are idempotent).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { IMPORT_RETENTION_DAYS } from '../../functions/domain/import-job.js';
import { HANDLERS } from '../handlers.js';
import type { ResolvedEngineProps } from '../resolve-engine-props.js';
import type { EngineKeys } from './encryption.js';

export interface EngineImports {
  /** Uploads (`imports/<id>/upload.csv`) and per-chunk results, kept 30 days. */
  readonly bucket: s3.Bucket;
  /** S3 events of uploads: the splitter's queue. */
  readonly splitQueue: sqs.Queue;
  readonly splitDeadLetterQueue: sqs.Queue;
  /** One message per chunk (its CSV text): the chunk workers' queue. */
  readonly chunkQueue: sqs.Queue;
  readonly chunkDeadLetterQueue: sqs.Queue;
}

/** Receives of a chunk before its dead-letter queue: a crash or throttle is retried a few times, a poison chunk stops there. */
export const IMPORT_MAX_RECEIVE_COUNT = 5;

export function buildImports(scope: Construct, props: ResolvedEngineProps, keys: EngineKeys): EngineImports {
  const queueDefaults: sqs.QueueProps = {
    ...(keys.dataKey ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: keys.dataKey } : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  };
  const queue = (id: string, timeoutSeconds: number) => {
    const deadLetters = new sqs.Queue(scope, `${id}DeadLetterQueue`, queueDefaults);
    const main = new sqs.Queue(scope, id, {
      ...queueDefaults,
      // AWS guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(6 * timeoutSeconds),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: IMPORT_MAX_RECEIVE_COUNT },
    });
    return { main, deadLetters };
  };
  const split = queue('ImportSplitQueue', HANDLERS.importSplitter.timeoutSeconds);
  const chunks = queue('ImportChunkQueue', HANDLERS.importWorker.timeoutSeconds);

  const bucket = new s3.Bucket(scope, 'ImportBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Prospect lists: kept only as long as their job's items (DynamoDB TTL, domain/import-job.ts).
    lifecycleRules: [
      { id: 'ImportFiles', prefix: 'imports/', expiration: Duration.days(IMPORT_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
    // The console uploads from the browser with the presigned URL (the URL carries the authority).
    cors: [{ allowedMethods: [s3.HttpMethods.PUT], allowedOrigins: ['*'], allowedHeaders: ['content-type'], maxAge: 3600 }],
    removalPolicy: props.removalPolicy,
  });

  // S3 may send the upload events of this account's buckets to the split queue. Written as
  // the bucket's own NotificationConfiguration (no custom resource, no extra function);
  // the policy names the account, not the bucket, so the two do not depend on each other.
  split.main.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'S3UploadEvents',
      principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [split.main.queueArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        ArnLike: { 'aws:SourceArn': `arn:${Stack.of(scope).partition}:s3:::*` },
      },
    }),
  );
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.notificationConfiguration = {
    queueConfigurations: [
      {
        event: 's3:ObjectCreated:*',
        queue: split.main.queueArn,
        filter: { s3Key: { rules: [{ name: 'prefix', value: 'imports/' }, { name: 'suffix', value: '/upload.csv' }] } },
      },
    ],
  };
  // S3 checks that it may send to the queue when the configuration is written.
  // (The queue's policy, enforceSSL's statement and ours, is its child construct 'Policy'.)
  const policy = split.main.node.tryFindChild('Policy')?.node.defaultChild;
  if (policy) cfnBucket.addResourceDependency(policy as sqs.CfnQueuePolicy);

  return {
    bucket,
    splitQueue: split.main,
    splitDeadLetterQueue: split.deadLetters,
    chunkQueue: chunks.main,
    chunkDeadLetterQueue: chunks.deadLetters,
  };
}

/**
 * CreateSchedule calls per second one chunk worker container may make: the imports'
 * share of the account's Scheduler quota, divided among the workers that may run at once.
 */
export function scheduleRatePerWorker(importSchedulesPerSecond: number, importWorkerMaxConcurrency: number): number {
  return Math.max(1, Math.floor(importSchedulesPerSecond / importWorkerMaxConcurrency));
}
