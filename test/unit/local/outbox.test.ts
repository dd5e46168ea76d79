import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../functions/local/outbox.js';
import type { OutgoingEmail, OutgoingSms, TouchMessage } from '../../../functions/ports.js';
import { FakeClock } from '../../fakes/clock.js';
import { silentLogger } from '../../fakes/logger.js';
import { FakeEmailSender, FakeSmsSender } from '../../fakes/senders.js';

const ENROLLMENT = 'p_abc.inbound-lead-follow-up';
const email: OutgoingEmail = {
  from: 'dana@northwind.example',
  to: 'ada@example.com',
  subject: 'Hi',
  html: '<p>Hi</p>',
  text: 'Hi',
  headers: {},
  tags: { prospectId: 'p_abc', sequenceId: 'inbound-lead-follow-up', run: '1', stepIndex: '0' },
  touch: { enrollmentId: ENROLLMENT, stepId: 'intro' },
};
const sms: OutgoingSms = {
  to: '+12025550143',
  from: '+15005550006',
  body: 'Hi',
  statusCallbackUrl: `https://followup.test/webhooks/twilio/status?e=${ENROLLMENT}&r=1&s=1`,
  touch: { enrollmentId: ENROLLMENT, stepId: 'check-in' },
};
const touch = (stepIndex: number): TouchMessage => ({ enrollmentId: ENROLLMENT, prospectId: 'p_abc', sequenceId: 'inbound-lead-follow-up', run: 1, stepIndex, dueAt: '2026-11-23T14:00:00.000Z' });

describe('Outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'followup-outbox-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function outbox() {
    const box = new Outbox({ clock: new FakeClock('2026-11-23T14:00:00.000Z'), logger: silentLogger, file: join(dir, 'outbox.log') });
    const ses = new FakeEmailSender();
    const twilio = new FakeSmsSender();
    return { box, ses, twilio, email: box.recordingEmailSender(ses), sms: box.recordingSmsSender(twilio) };
  }

  it('keeps every message, with its email tags, across a restart', async () => {
    const first = outbox();
    await first.box.load();
    await first.email.send(email);
    await first.sms.send(sms);
    await first.box.close();
    const second = outbox();
    await second.box.load();
    expect(second.box.list().map((m) => [m.channel, m.to, m.stepId])).toEqual([
      ['email', 'ada@example.com', 'intro'],
      ['sms', '+12025550143', 'check-in'],
    ]);
    expect(second.box.list()[0]?.tags).toEqual(email.tags);
    await second.box.close();
  });

  it('a crash redelivery of a touch it already sent gets the recorded result, and nothing is sent again', async () => {
    const first = outbox();
    await first.box.load();
    const sentEmail = await first.email.send(email);
    const sentSms = await first.sms.send(sms);
    await first.box.close();

    const second = outbox();
    await second.box.load();
    expect(await second.box.redelivering(touch(0), () => second.email.send(email))).toEqual(sentEmail);
    expect(await second.box.redelivering(touch(1), () => second.sms.send(sms))).toEqual(sentSms);
    expect(second.ses.attempts).toEqual([]);
    expect(second.twilio.attempts).toEqual([]);
    // A touch the outbox does not hold is sent as usual, even during a redelivery.
    await second.box.redelivering(touch(2), () => second.email.send({ ...email, tags: { ...email.tags, stepIndex: '2' } }));
    expect(second.ses.attempts).toHaveLength(1);
    await second.box.close();
  });

  it('outside a crash redelivery nothing is deduplicated: a double send by the engine stays visible', async () => {
    const { box, email: sender, ses } = outbox();
    await box.load();
    await sender.send(email);
    await sender.send(email);
    expect(ses.attempts).toHaveLength(2);
    expect(box.list()).toHaveLength(2);
    await box.close();
  });
});
