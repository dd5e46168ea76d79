/**
 * The touch worker's decision (domain/touch-decision.ts) and the lifecycle it checks
 * (domain/enrollment.ts), without any I/O.
 */
import { describe, expect, it } from 'vitest';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { checkTransition, InvalidTransitionError, LIFECYCLE } from '../../../functions/domain/enrollment.js';
import { ENDED_STATUSES, ENROLLMENT_STATUSES, type Enrollment, type Prospect, type Suppression } from '../../../functions/domain/records.js';
import type { PublishedSequence } from '../../../functions/domain/sequence.js';
import { decideAfterStep, decideTouch, type TouchFacts } from '../../../functions/domain/touch-decision.js';
import type { TouchMessage } from '../../../functions/ports.js';

// Monday 2 March 2026, 15:00 UTC = 10:00 in New York.
const NOW = new Date('2026-03-02T15:00:00.000Z');

const sequence: PublishedSequence = {
  id: 'seq',
  version: 1,
  hash: 'h',
  publishedAt: NOW.toISOString(),
  definition: {
    id: 'seq',
    name: 'Seq',
    defaultTimezone: 'America/New_York',
    owner: 'owner@example.com',
    window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    stopOnReply: true,
    onPermanentFailure: 'skip_step',
    sender: { name: 'Sam', email: { from: 'sam@example.com' } },
    attributes: {},
    steps: [
      { id: 'intro', channel: 'email', wait: { amount: 0, unit: 'minutes' }, template: 'a' },
      { id: 'text', channel: 'sms', wait: { amount: 2, unit: 'days' }, template: 'b' },
    ],
  },
  templates: {},
  warnings: [],
};

const prospect: Prospect = {
  id: 'p1',
  email: 'ann@example.com',
  phone: '+12125550100',
  timezone: 'America/New_York',
  attributes: {},
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
};

const DUE = NOW.toISOString();
const enrollment: Enrollment = {
  id: 'p1.seq',
  prospectId: 'p1',
  sequenceId: 'seq',
  version: 1,
  run: 1,
  status: 'active',
  stepIndex: 0,
  nextTouchAt: DUE,
  pendingScheduleName: 'x',
  touches: {},
  createdAt: DUE,
  updatedAt: DUE,
};
const message: TouchMessage = { enrollmentId: 'p1.seq', prospectId: 'p1', sequenceId: 'seq', run: 1, stepIndex: 0, dueAt: DUE };

function facts(overrides: Partial<TouchFacts> = {}): TouchFacts {
  return { message, enrollment, prospect, sequence, suppressions: [], now: NOW, ...overrides };
}

function suppressed(address: string, reason: Suppression['reason'] = 'unsubscribe'): Suppression {
  return { address, addressHash: addressHash(address), channel: address.includes('@') ? 'email' : 'sms', reason, source: 't', createdAt: DUE };
}

describe('the lifecycle', () => {
  it('ends exactly in the ended statuses: no event leads out of them', () => {
    const leavable = new Set<string>(Object.values(LIFECYCLE).flatMap((event) => [...event.from]));
    expect(ENROLLMENT_STATUSES.filter((status) => !leavable.has(status)).sort()).toEqual([...ENDED_STATUSES].sort());
  });

  it('refuses what it does not list, with the reason a user reads', () => {
    expect(() => checkTransition('completed', 'pause', 'paused')).toThrow('enrollment is completed; only an active enrollment can be paused');
    expect(() => checkTransition('active', 'resume', 'active')).toThrow(InvalidTransitionError);
    expect(() => checkTransition('stopped', 'end', 'replied')).toThrow(InvalidTransitionError);
    expect(() => checkTransition('paused', 'end', 'opted_out')).not.toThrow();
  });
});

describe('decideTouch', () => {
  it('sends a due step to the address of its channel inside the window', () => {
    expect(decideTouch(facts())).toEqual({ kind: 'send', step: sequence.definition.steps[0], address: 'ann@example.com' });
  });

  it('drops messages that no longer match the enrollment', () => {
    expect(decideTouch(facts({ enrollment: undefined })).kind).toBe('stale');
    expect(decideTouch(facts({ message: { ...message, run: 2 } }))).toMatchObject({ kind: 'stale', reason: 'message of an earlier run' });
    expect(decideTouch(facts({ enrollment: { ...enrollment, status: 'replied' } }))).toMatchObject({ kind: 'stale', reason: 'enrollment is replied' });
    expect(decideTouch(facts({ enrollment: { ...enrollment, nextTouchAt: '2026-03-03T15:00:00.000Z' } }))).toMatchObject({ reason: 'touch was rescheduled' });
  });

  it('re-ensures the schedule of the step the enrollment moved on to when a redelivery is one step behind', () => {
    const later = '2026-03-04T15:00:00.000Z';
    const decision = decideTouch(facts({ enrollment: { ...enrollment, stepIndex: 1, nextTouchAt: later } }));
    expect(decision).toMatchObject({ kind: 'stale', reensure: { stepIndex: 1, dueAt: later } });
  });

  it('never sends a step that is already on record in this run', () => {
    const touch = { stepId: 'intro', stepIndex: 0, channel: 'email' as const, status: 'sent' as const, at: DUE };
    expect(decideTouch(facts({ enrollment: { ...enrollment, touches: { intro: touch } } }))).toMatchObject({ kind: 'catch-up', touch });
  });

  it('skips a step whose address is missing or in the consent ledger', () => {
    expect(decideTouch(facts({ prospect: { ...prospect, email: undefined } }))).toMatchObject({ kind: 'skip', reason: 'no email address' });
    expect(decideTouch(facts({ suppressions: [suppressed('ann@example.com')] }))).toMatchObject({ kind: 'skip', reason: 'email address is suppressed' });
  });

  it('moves a touch that arrived after its window closed to the next opening', () => {
    const evening = new Date('2026-03-02T23:30:00.000Z'); // 18:30 in New York
    expect(decideTouch(facts({ now: evening }))).toMatchObject({ kind: 'reschedule', touch: { dueAt: '2026-03-03T14:00:00.000Z' } });
  });

  it('asks to resume first when the message ends an auto-reply pause', () => {
    expect(decideTouch(facts({ enrollment: { ...enrollment, status: 'paused', resumeAt: DUE } }))).toEqual({ kind: 'resume' });
    expect(decideTouch(facts({ enrollment: { ...enrollment, status: 'paused' } }))).toMatchObject({ kind: 'stale' });
  });
});

describe('decideAfterStep', () => {
  it('plans the next reachable step', () => {
    expect(decideAfterStep({ sequence, enrollment, prospect, suppressions: [], now: NOW })).toMatchObject({
      kind: 'advance',
      plan: { index: 1, touch: { stepIndex: 1 } },
    });
  });

  it('completes after the last step, and ends as opted_out or bounced when the ledger blocks what is left', () => {
    const last = { ...enrollment, stepIndex: 1 };
    expect(decideAfterStep({ sequence, enrollment: last, prospect, suppressions: [], now: NOW })).toMatchObject({ kind: 'end', status: 'completed' });
    const atIntro = { sequence, enrollment, prospect, now: NOW };
    expect(decideAfterStep({ ...atIntro, suppressions: [suppressed('+12125550100')] })).toMatchObject({ kind: 'end', status: 'opted_out' });
    expect(decideAfterStep({ ...atIntro, suppressions: [suppressed('+12125550100', 'bounce')] })).toMatchObject({ kind: 'end', status: 'bounced' });
  });
});
