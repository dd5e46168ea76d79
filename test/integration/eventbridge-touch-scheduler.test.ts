import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeTouchScheduler,
  atExpression,
  fireTime,
} from '../../functions/adapters/eventbridge-touch-scheduler.js';
import { SCHEDULE_NAME_PATTERN, ScheduleNameError, scheduleNameFor } from '../../functions/domain/schedule-name.js';
import type { ScheduledTouch, TouchMessage } from '../../functions/ports.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:followup-touches';
const SMS_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:followup-sms-touches';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:followup-scheduler-dlq';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/followup-scheduler';
const NOW = new Date('2030-03-04T08:00:00.000Z');

const message: TouchMessage = {
  enrollmentId: 'p_01hx9k2m4n6p8r0t2v4w6y8z0a.intro-sequence',
  prospectId: 'p_01hx9k2m4n6p8r0t2v4w6y8z0a',
  sequenceId: 'intro-sequence',
  run: 1,
  stepIndex: 2,
  dueAt: '2030-03-05T14:30:00.250Z',
};
const touch: ScheduledTouch = { ...message, scheduleName: scheduleNameFor(message) };

const schedulerMock = mockClient(SchedulerClient);

/** Service exception options as the SDK's deserializer fills them. */
const errorOptions = (message: string, httpStatusCode: number) => ({ message, Message: message, $metadata: { httpStatusCode } });

function options() {
  return {
    client: new SchedulerClient({ region: 'us-east-1' }),
    groupName: 'followup',
    targetQueueArns: { email: QUEUE_ARN, sms: SMS_QUEUE_ARN },
    roleArn: ROLE_ARN,
    deadLetterQueueArn: DLQ_ARN,
    clock: { now: () => NOW },
  };
}

function scheduler(): EventBridgeTouchScheduler {
  return new EventBridgeTouchScheduler(options());
}

describe('EventBridgeTouchScheduler', () => {
  beforeEach(() => {
    schedulerMock.reset();
  });
  afterAll(() => {
    schedulerMock.restore();
  });

  it("targets the touch queue of the step's channel; a touch without one goes to the email queue", async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/followup/x' });
    const smsMessage: TouchMessage = { ...message, stepIndex: 3, channel: 'sms' };
    const emailMessage: TouchMessage = { ...message, stepIndex: 4, channel: 'email' };

    for (const m of [smsMessage, emailMessage, message]) await scheduler().schedule({ ...m, scheduleName: scheduleNameFor(m) });

    const targets = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => [call.args[0].input.Target?.Arn, JSON.parse(call.args[0].input.Target?.Input ?? '{}').channel]);
    expect(targets).toEqual([
      [SMS_QUEUE_ARN, 'sms'],
      [QUEUE_ARN, 'email'],
      [QUEUE_ARN, undefined],
    ]);
  });

  it('sends a voicemail drop to the SMS queue (a Twilio call), call and task steps to the email queue, each naming its own channel', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/followup/x' });
    const people = (['voicemail', 'call', 'task'] as const).map((channel, i): TouchMessage => ({ ...message, stepIndex: 5 + i, channel }));
    for (const m of people) await scheduler().schedule({ ...m, scheduleName: scheduleNameFor(m) });
    const targets = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => [call.args[0].input.Target?.Arn, JSON.parse(call.args[0].input.Target?.Input ?? '{}').channel]);
    expect(targets).toEqual([
      [SMS_QUEUE_ARN, 'voicemail'],
      [QUEUE_ARN, 'call'],
      [QUEUE_ARN, 'task'],
    ]);
  });

  it('creates one one-time schedule targeting the touch queue', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/followup/x' });

    await scheduler().schedule(touch);

    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: touch.scheduleName,
      GroupName: 'followup',
      // 14:30:00.250 rounds up to the next whole second.
      ScheduleExpression: 'at(2030-03-05T14:30:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: QUEUE_ARN,
        RoleArn: ROLE_ARN,
        Input: JSON.stringify(message),
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
    const input = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    // The queue message is the TouchMessage only: no schedule name, nothing else.
    expect(JSON.parse(input?.Target?.Input ?? '{}')).toEqual(message);
    expect(Object.keys(input ?? {}).sort()).toEqual(
      [
        'ActionAfterCompletion',
        'FlexibleTimeWindow',
        'GroupName',
        'Name',
        'ScheduleExpression',
        'ScheduleExpressionTimezone',
        'Target',
      ].sort(),
    );
  });

  it('carries optional TouchMessage fields into the queue message', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const withHashes: ScheduledTouch = { ...touch, addressHashes: { email: 'h-email', phone: 'h-phone' } };
    await scheduler().schedule(withHashes);
    const input = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(JSON.parse(input?.Target?.Input ?? '{}')).toEqual({
      ...message,
      addressHashes: { email: 'h-email', phone: 'h-phone' },
    });
  });

  it('pushes a touch that is already due to one minute from now', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const late = { ...touch, dueAt: '2030-03-04T07:00:00.000Z' };
    await scheduler().schedule(late);
    expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
      ScheduleExpression: 'at(2030-03-04T08:01:00)',
      Target: expect.objectContaining({ Input: JSON.stringify({ ...message, dueAt: late.dueAt }) }),
    });
  });

  it('treats an existing schedule (ConflictException) as success', async () => {
    schedulerMock
      .on(CreateScheduleCommand)
      .rejects(new ConflictException(errorOptions('Schedule already exists.', 409)));
    await expect(scheduler().schedule(touch)).resolves.toBeUndefined();
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  });

  it('retries a throttled CreateSchedule (over the account quota) with backoff until it is created', async () => {
    schedulerMock
      .on(CreateScheduleCommand)
      .rejectsOnce(new ThrottlingException(errorOptions('slow down', 429)))
      .rejectsOnce(new ThrottlingException(errorOptions('slow down', 429)))
      .resolves({});
    const throttled = new EventBridgeTouchScheduler({ ...options(), throttleBaseDelayMs: 1 });
    await throttled.schedule(touch);
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 3);
  });

  it('takes a token of the shared rate limiter before each CreateSchedule', async () => {
    schedulerMock.on(CreateScheduleCommand).rejectsOnce(new ThrottlingException(errorOptions('slow down', 429))).resolves({});
    let taken = 0;
    const limited = new EventBridgeTouchScheduler({ ...options(), throttleBaseDelayMs: 1, limiter: { take: async () => void (taken += 1) } });
    await limited.schedule(touch);
    expect(taken).toBe(2);
  });

  it('propagates a throttle after its retries, and other failures at once, so the caller retries', async () => {
    schedulerMock
      .on(CreateScheduleCommand)
      .rejectsOnce(new ThrottlingException(errorOptions('slow down', 429)))
      .rejectsOnce(new ThrottlingException(errorOptions('slow down', 429)))
      .rejectsOnce(new ValidationException(errorOptions('bad', 400)));
    await expect(new EventBridgeTouchScheduler({ ...options(), maxThrottleRetries: 1, throttleBaseDelayMs: 1 }).schedule(touch)).rejects.toBeInstanceOf(ThrottlingException);
    await expect(scheduler().schedule(touch)).rejects.toBeInstanceOf(ValidationException);
  });

  it('deletes a pending schedule', async () => {
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    await scheduler().cancel(touch.scheduleName);
    expect(schedulerMock).toHaveReceivedCommandExactlyOnceWith(DeleteScheduleCommand, {
      Name: touch.scheduleName,
      GroupName: 'followup',
    });
  });

  it('treats a missing schedule (ResourceNotFoundException) as cancelled', async () => {
    schedulerMock
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException(errorOptions('Schedule not found.', 404)));
    await expect(scheduler().cancel(touch.scheduleName)).resolves.toBeUndefined();
  });

  it('propagates other delete failures', async () => {
    schedulerMock
      .on(DeleteScheduleCommand)
      .rejects(new ThrottlingException(errorOptions('slow down', 429)));
    await expect(scheduler().cancel(touch.scheduleName)).rejects.toBeInstanceOf(ThrottlingException);
  });
});

describe('fire time and at() expression', () => {
  it('keeps whole seconds, rounds fractions up, clamps to now + 1 minute', () => {
    expect(fireTime('2030-03-05T14:30:00.000Z', NOW).toISOString()).toBe('2030-03-05T14:30:00.000Z');
    expect(fireTime('2030-03-05T14:30:00.001Z', NOW).toISOString()).toBe('2030-03-05T14:30:01.000Z');
    expect(fireTime('2030-03-04T08:00:30.000Z', NOW).toISOString()).toBe('2030-03-04T08:01:00.000Z');
    expect(fireTime('2030-03-05T16:30:00+02:00', NOW).toISOString()).toBe('2030-03-05T14:30:00.000Z');
    expect(() => fireTime('not a date', NOW)).toThrow(/dueAt/);
  });

  it('formats at(yyyy-mm-ddThh:mm:ss) in UTC', () => {
    expect(atExpression(new Date('2030-12-31T23:59:59.000Z'))).toBe('at(2030-12-31T23:59:59)');
  });
});

describe('scheduleNameFor', () => {
  it('is deterministic, short and within Scheduler’s charset', () => {
    const name = scheduleNameFor(message);
    expect(name).toBe(scheduleNameFor({ ...message }));
    expect(name).toMatch(SCHEDULE_NAME_PATTERN);
    expect(name).toMatch(/^fu-[0-9a-f]{16}-r1-s2-[0-9a-z]+$/);
    const longest = scheduleNameFor({
      enrollmentId: `p_${'x'.repeat(24)}.${'s'.repeat(48)}`,
      run: Number.MAX_SAFE_INTEGER,
      stepIndex: Number.MAX_SAFE_INTEGER,
      dueAt: '9999-12-31T23:59:59Z',
    });
    expect(longest.length).toBeLessThanOrEqual(64);
    expect(longest).toMatch(SCHEDULE_NAME_PATTERN);
  });

  it('differs by enrollment, run, step and due minute', () => {
    const base = scheduleNameFor(message);
    expect(scheduleNameFor({ ...message, enrollmentId: `${message.enrollmentId}x` })).not.toBe(base);
    expect(scheduleNameFor({ ...message, run: 2 })).not.toBe(base);
    expect(scheduleNameFor({ ...message, stepIndex: 3 })).not.toBe(base);
    expect(scheduleNameFor({ ...message, dueAt: '2030-03-05T14:31:00.000Z' })).not.toBe(base);
    // Same minute, same name: a retry computing dueAt again cannot create a second schedule.
    expect(scheduleNameFor({ ...message, dueAt: '2030-03-05T14:30:59.999Z' })).toBe(base);
  });

  it('rejects invalid input', () => {
    expect(() => scheduleNameFor({ ...message, dueAt: 'tomorrow' })).toThrow(ScheduleNameError);
    expect(() => scheduleNameFor({ ...message, run: -1 })).toThrow(ScheduleNameError);
    expect(() => scheduleNameFor({ ...message, stepIndex: 1.5 })).toThrow(ScheduleNameError);
  });
});
