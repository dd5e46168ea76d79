import { describe, expect, it } from 'vitest';
import { runTouch } from '../../functions/use-cases/run-touch.js';
import { createTestContext, enrollOne } from '../fakes/test-context.js';

describe('a transient error after a successful send', () => {
  it('EventBridge CreateSchedule throttled once after the intro went out: the retry must not send the intro again', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const [first] = t.scheduler.pendingFor(enrollmentId);
    const message = t.scheduler.take(first!.scheduleName);

    const realSchedule = t.scheduler.schedule.bind(t.scheduler);
    let failures = 1;
    t.ctx.scheduler = {
      schedule: async (touch) => {
        if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return realSchedule(touch);
      },
      cancel: (name) => t.scheduler.cancel(name),
    };

    // First delivery: the email is sent, then scheduling the next touch fails -> the message is retried by SQS.
    await expect(runTouch(t.ctx, message)).rejects.toThrow('Rate exceeded');
    expect(t.email.sent).toHaveLength(1);

    // SQS redelivers a few times; once the claim lease (300 s) has expired the touch is claimed again.
    for (let i = 0; i < 8; i++) {
      t.clock.advance({ minutes: 1 });
      await runTouch(t.ctx, message).catch(() => undefined);
    }
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro']);
  });

  it('DynamoDB advance fails transiently after the send: the retry must not send again', async () => {
    const t = await createTestContext();
    const { enrollmentId } = await enrollOne(t);
    const [first] = t.scheduler.pendingFor(enrollmentId);
    const message = t.scheduler.take(first!.scheduleName);

    const store = t.ctx.store;
    let failures = 1;
    t.ctx.store = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'advanceEnrollment') {
          return async (...args: Parameters<typeof store.advanceEnrollment>) => {
            if (failures-- > 0) throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ThrottlingException' });
            return store.advanceEnrollment(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // The write that records the send is retried in-process; whether it then succeeds or the
    // queue redelivers, the intro must go out once.
    await runTouch(t.ctx, message).catch(() => undefined);
    for (let i = 0; i < 8; i++) {
      t.clock.advance({ minutes: 1 });
      await runTouch(t.ctx, message).catch(() => undefined);
    }
    expect(t.email.sent.map((m) => m.touch?.stepId)).toEqual(['intro']);
  });
});
