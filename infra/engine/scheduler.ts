/** EventBridge Scheduler: the group of pending touches and the role schedules assume. */
import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import type { EngineQueues } from './queues.js';

export interface EngineScheduler {
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Role the touch schedules assume: it may only send to the touch queues (and the schedule DLQ). */
  readonly schedulerRole: iam.Role;
  /** `schedule/<group>/*`: the only schedules the functions may create or delete. */
  readonly scheduleArn: string;
}

export function buildScheduler(scope: Construct, queues: EngineQueues): EngineScheduler {
  const scheduleGroup = new scheduler.ScheduleGroup(scope, 'ScheduleGroup', {
    // Deleting the stack must stop pending touches rather than leave them firing.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const schedulerRole = new iam.Role(scope, 'SchedulerRole', {
    description: 'Assumed by Followup touch schedules; may only send to the touch queues and the schedule DLQ.',
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': scheduleGroup.scheduleGroupArn },
      },
    }),
  });
  schedulerRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DeliverTouches',
      actions: ['sqs:SendMessage'],
      // The DLQ is written by Scheduler with this same role when delivery fails.
      resources: [queues.touchQueues.email.queueArn, queues.touchQueues.sms.queueArn, queues.scheduleDeadLetterQueue.queueArn],
    }),
  );
  // Queues under a customer-managed key: sending needs the key too.
  for (const queue of [queues.touchQueues.email, queues.touchQueues.sms, queues.scheduleDeadLetterQueue]) {
    queue.encryptionMasterKey?.grant(schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
  const scheduleArn = Stack.of(scope).formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${scheduleGroup.scheduleGroupName}/*`,
  });
  return { scheduleGroup, schedulerRole, scheduleArn };
}
