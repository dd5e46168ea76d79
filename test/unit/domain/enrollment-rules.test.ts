import { describe, expect, it } from 'vitest';
import { decideEnrollment, ledgerReasons, type EnrollmentFacts } from '../../../functions/domain/enrollment-rules.js';
import type { Enrollment, Suppression } from '../../../functions/domain/records.js';

const enrollment = (fields: Partial<Enrollment>): Enrollment => ({
  id: 'p1.seq',
  prospectId: 'p1',
  sequenceId: 'seq',
  version: 1,
  run: 1,
  status: 'active',
  stepIndex: 0,
  touches: {},
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...fields,
});
const suppression = (fields: Partial<Suppression>): Suppression => ({
  addressHash: 'h',
  channel: 'email',
  reason: 'unsubscribe',
  source: 'unsubscribe:one-click',
  createdAt: '2026-12-03T08:00:00.000Z',
  ...fields,
});
const facts = (fields: Partial<EnrollmentFacts> = {}): EnrollmentFacts => ({
  sequence: { id: 'seq' },
  twins: [],
  others: [],
  suppressions: [],
  replies: [],
  reenroll: false,
  ...fields,
});

describe('decideEnrollment', () => {
  it('enrolls a new person as run 1, and after an ended run only with reenroll', () => {
    expect(decideEnrollment(facts())).toEqual({ kind: 'enroll', run: 1, concurrent: false });
    const completed = enrollment({ status: 'completed', endedAt: '2026-12-05T12:00:00.000Z' });
    expect(decideEnrollment(facts({ previous: completed }))).toMatchObject({
      kind: 'skip',
      reason: 'already went through this sequence on 2026-12-05 (completed); send reenroll: true to enroll again',
    });
    expect(decideEnrollment(facts({ previous: completed, reenroll: true }))).toMatchObject({ kind: 'enroll', run: 2, previous: completed });
  });

  it('says what the ledger holds and when, oldest first, one phrase per entry', () => {
    expect(
      ledgerReasons(
        [
          suppression({ channel: 'sms', reason: 'sms_stop', source: 'twilio:STOP', createdAt: '2026-12-04T00:00:00.000Z' }),
          suppression({ reason: 'bounce', source: 'ses:bounce:NoEmail', createdAt: '2026-12-02T00:00:00.000Z' }),
          suppression({ reason: 'complaint', source: 'ses:complaint:abuse' }),
          suppression({ channel: 'sms', reason: 'sms_stop', source: 'twilio:21610' }),
          suppression({ reason: 'erased', source: 'unsubscribe:link; erased' }),
        ],
        [{ addressHash: 'h', channel: 'email', at: '2026-12-01T00:00:00.000Z', sequenceId: 'welcome', prospectId: 'p1' }],
      ),
    ).toEqual([
      'replied by email on 2026-12-01 (sequence welcome)',
      'email bounced on 2026-12-02 (permanent bounce, NoEmail)',
      'marked our email as spam on 2026-12-03 (complaint: abuse)',
      'opted out of SMS on 2026-12-03 (Twilio reports the number unsubscribed (21610))',
      'erased on 2026-12-03 (unsubscribe link, then erased)',
      'opted out of SMS on 2026-12-04 (texted STOP)',
    ]);
  });

  it('checks in order: the same person in this sequence, this enrollment running, the ledger, the ended run, other sequences', () => {
    const running = enrollment({});
    const twin = enrollment({ id: 'p2.seq', prospectId: 'p2' });
    const blocked = { suppressions: [suppression({})] };
    expect(decideEnrollment(facts({ twins: [twin], previous: running, ...blocked }))).toMatchObject({ reason: expect.stringMatching(/as prospect p2 \(same phone\)$/) });
    expect(decideEnrollment(facts({ previous: running, ...blocked }))).toMatchObject({ reason: 'already active in this sequence', running });
    expect(decideEnrollment(facts({ previous: enrollment({ status: 'stopped' }), ...blocked, reenroll: true }))).toMatchObject({
      reason: 'opted out of email on 2026-12-03 (one-click unsubscribe)',
    });
    const elsewhere = { others: [{ enrollment: enrollment({ id: 'p1.other', sequenceId: 'other', status: 'paused' }), sequenceName: 'Other' }] };
    expect(decideEnrollment(facts(elsewhere))).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/^already paused in another sequence: "Other" \(other\)/) });
    expect(decideEnrollment(facts({ ...elsewhere, sequence: { id: 'seq', allowConcurrent: true } }))).toEqual({ kind: 'enroll', run: 1, concurrent: true });
    // An ended enrollment elsewhere is no obstacle.
    expect(decideEnrollment(facts({ others: [{ enrollment: enrollment({ sequenceId: 'other', status: 'completed' }) }] }))).toMatchObject({ kind: 'enroll', concurrent: false });
  });
});
