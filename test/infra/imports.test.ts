/**
 * Import jobs in the stack (infra/engine/imports.ts): a private bucket whose uploads are
 * S3 events on the split queue, a chunk queue, both with DLQs, the splitter and the chunk
 * worker on them (concurrency capped, a Scheduler rate per worker), and each function
 * given exactly the import files and queue it needs.
 */
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../infra/handlers.js';
import { IMPORT_MAX_RECEIVE_COUNT, scheduleRatePerWorker } from '../../infra/engine/imports.js';
import { templateOf } from './helpers.js';

const { template } = templateOf();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
const flat = (value: unknown) => JSON.stringify(value);
const idOf = (type: string, prefix: string) => {
  const found = Object.entries(resources).find(([id, r]) => r.Type === type && new RegExp(`^${prefix}[A-F0-9]{8}$`).test(id));
  if (!found) throw new Error(`no ${type} ${prefix}`);
  return found[0];
};
const functionId = (constructId: string) => idOf('AWS::Lambda::Function', `Engine${constructId}`);
const statementsOf = (constructId: string) =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && flat(r.Properties.Roles).includes(`Engine${constructId}Role`))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);

describe('import jobs', () => {
  const bucketId = idOf('AWS::S3::Bucket', 'EngineImportBucket');
  const splitQueueId = idOf('AWS::SQS::Queue', 'EngineImportSplitQueue');
  const chunkQueueId = idOf('AWS::SQS::Queue', 'EngineImportChunkQueue');

  it('keeps uploads in a private, TLS-only bucket for 30 days and sends their events to the split queue', () => {
    const bucket = resources[bucketId]!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ Prefix: 'imports/', ExpirationInDays: 30, Status: 'Enabled' });
    expect(bucket.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [
        {
          Event: 's3:ObjectCreated:*',
          Queue: { 'Fn::GetAtt': [splitQueueId, 'Arn'] },
          Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'imports/' }, { Name: 'suffix', Value: '/upload.csv' }] } },
        },
      ],
    });
    const bucketPolicy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && flat(r.Properties.Bucket).includes(bucketId));
    expect(flat(bucketPolicy?.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    // The queue may take S3's events of this account only, and exists before the bucket names it.
    const queuePolicyId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SQS::QueuePolicy' && flat(r.Properties.Queues).includes(splitQueueId))![0];
    const statements = resources[queuePolicyId]!.Properties.PolicyDocument.Statement as any[];
    expect(statements.find((s) => s.Sid === 'S3UploadEvents')).toMatchObject({
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(bucket.DependsOn).toContain(queuePolicyId);
  });

  it('hands a failing upload or chunk to its dead-letter queue after a few receives', () => {
    for (const [queueId, timeout] of [
      [splitQueueId, HANDLERS.importSplitter.timeoutSeconds],
      [chunkQueueId, HANDLERS.importWorker.timeoutSeconds],
    ] as const) {
      const queue = resources[queueId]!.Properties;
      expect(queue.RedrivePolicy.maxReceiveCount).toBe(IMPORT_MAX_RECEIVE_COUNT);
      expect(queue.VisibilityTimeout).toBe(6 * timeout);
    }
  });

  it('runs one upload per splitter invocation and one chunk per worker invocation, the workers capped, each with its Scheduler share', () => {
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const of = (constructId: string) => mappings.find((m) => m.Properties.FunctionName.Ref === functionId(constructId))?.Properties;
    expect(of('ImportSplitterFunction')).toMatchObject({ EventSourceArn: { 'Fn::GetAtt': [splitQueueId, 'Arn'] }, BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(of('ImportWorkerFunction')).toMatchObject({ EventSourceArn: { 'Fn::GetAtt': [chunkQueueId, 'Arn'] }, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 5 } });
    const env = resources[functionId('ImportWorkerFunction')]!.Properties.Environment.Variables;
    // 500 CreateSchedule a second for imports, over 5 workers: 100 each.
    expect(env.SCHEDULE_CREATE_RATE).toBe(String(scheduleRatePerWorker(500, 5)));
    expect(env.SCHEDULE_CREATE_RATE).toBe('100');
    expect(env.IMPORT_BUCKET).toEqual({ Ref: bucketId });
    for (const constructId of ['ApiFunction', 'ImportSplitterFunction']) {
      expect(resources[functionId(constructId)]!.Properties.Environment.Variables.IMPORT_QUEUE_URL, constructId).toEqual({ Ref: chunkQueueId });
    }
    expect(resources[functionId('TouchWorkerFunction')]!.Properties.Environment.Variables.IMPORT_BUCKET).toBeUndefined();
  });

  it('gives each function exactly the import files and queue it needs', () => {
    const s3Access = (constructId: string) =>
      statementsOf(constructId)
        .filter((s) => flat(s.Action).includes('s3:'))
        .map((s) => ({ action: s.Action, keys: flat(s.Resource).match(/imports\/[^"]+/g) }));
    expect(s3Access('ApiFunction')).toEqual([
      { action: 's3:GetObject', keys: ['imports/*/results/*'] },
      { action: 's3:PutObject', keys: ['imports/*/upload.csv'] },
    ]);
    expect(s3Access('ImportSplitterFunction')).toEqual([{ action: 's3:GetObject', keys: ['imports/*/upload.csv'] }]);
    expect(s3Access('ImportWorkerFunction')).toEqual([{ action: 's3:PutObject', keys: ['imports/*/results/*'] }]);
    for (const constructId of ['TouchWorkerFunction', 'SmsTouchWorkerFunction', 'UnsubscribeFunction', 'TwilioWebhookFunction', 'SesEventsFunction', 'AuthorizerFunction']) {
      expect(s3Access(constructId), constructId).toEqual([]);
    }
    const sendsChunks = (constructId: string) => statementsOf(constructId).some((s) => flat(s.Action).includes('sqs:SendMessage') && flat(s.Resource).includes(chunkQueueId));
    expect(sendsChunks('ImportSplitterFunction')).toBe(true);
    expect(sendsChunks('ImportWorkerFunction')).toBe(false);
    expect(sendsChunks('ApiFunction')).toBe(false);
  });
});
