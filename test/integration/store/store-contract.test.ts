/**
 * The Store contract, run against the in-memory fake AND the DynamoDB adapter on
 * dynalite, so unit tests that use the fake test what production does (the console's
 * queries: query-contract.test.ts).
 * At the end: DynamoDB-only checks (request counts, batch retries, crash repair, layout).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDbStore } from '../../../functions/adapters/dynamodb-store.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import type { ConsentRecord, Enrollment, ReplyRecord, Suppression } from '../../../functions/domain/records.js';
import type { Store } from '../../../functions/ports.js';
import { countDynamoDbRequests } from '../../support/dynalite.js';
import {
  at,
  claimFor,
  contractStores,
  enrollment,
  event,
  messageFor,
  prospect,
  seed,
  sequence,
  suppression,
  T0,
} from './contract-fixtures.js';

const { implementations, freshDynamoStore, db } = contractStores();

// ---------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------

describe.each(implementations)('Store contract: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
  });

  describe('sequences', () => {
    it('publishes immutable versions, refuses a version twice, answers the current one', async () => {
      expect(await store.getCurrentSequence('welcome')).toBeUndefined();
      expect(await store.putSequenceVersion(sequence('welcome', 1))).toBe('ok');
      expect(await store.putSequenceVersion(sequence('welcome', 1, 'other content'))).toBe('conflict');
      expect(await store.putSequenceVersion(sequence('welcome', 2))).toBe('ok');

      expect(await store.getCurrentSequence('welcome')).toEqual(sequence('welcome', 2));
      expect(await store.getSequenceVersion('welcome', 1)).toEqual(sequence('welcome', 1));
      expect(await store.getSequenceVersion('welcome', 3)).toBeUndefined();
      expect(await store.getSequenceVersion('nope', 1)).toBeUndefined();
    });

    it('never moves the current version backwards', async () => {
      await store.putSequenceVersion(sequence('welcome', 3));
      expect(await store.putSequenceVersion(sequence('welcome', 2))).toBe('ok');
      expect((await store.getCurrentSequence('welcome'))?.version).toBe(3);
      expect((await store.listSequences()).map((s) => s.version)).toEqual([3]);
    });

    it('lists every sequence at its current version, by id', async () => {
      await store.putSequenceVersion(sequence('zeta', 1));
      await store.putSequenceVersion(sequence('alpha', 1));
      await store.putSequenceVersion(sequence('alpha', 2));
      const listed = await store.listSequences();
      expect(listed.map((s) => [s.id, s.version])).toEqual([
        ['alpha', 2],
        ['zeta', 1],
      ]);
      expect(listed[0]).toEqual(sequence('alpha', 2));
    });
  });

  describe('prospects and enrollments', () => {
    it('writes a batch and reads it back by id, by prospect and in bulk', async () => {
      const ann = prospect('p1', { phone: '+15555550101', company: 'Acme' });
      const bob = prospect('p2');
      await seed(
        store,
        [ann, bob],
        [enrollment('p1', 'welcome'), enrollment('p1', 'onboarding'), enrollment('p2', 'welcome')],
        [event('p1', 0, 'enrolled')],
      );
      await store.putSuppression(suppression('p2@example.com'));

      expect(await store.getProspect('p1')).toEqual({ ...ann, phone: '+15555550101' });
      expect(await store.getProspect('p1')).not.toHaveProperty('phone', undefined);
      expect(await store.getProspect('missing')).toBeUndefined();
      expect(await store.getEnrollment('p1.welcome')).toEqual(enrollment('p1', 'welcome'));
      expect(await store.getEnrollment('p9.welcome')).toBeUndefined();
      expect(await store.getEnrollment('garbage')).toBeUndefined();
      expect((await store.listEnrollments('p1')).map((e) => e.id)).toEqual(['p1.onboarding', 'p1.welcome']);
      expect(await store.listEnrollments('nobody')).toEqual([]);

      const { enrollments, suppressions } = await store.getEnrollmentsAndSuppressions(
        ['p1.welcome', 'p2.welcome', 'p3.welcome', 'p2.welcome'],
        ['p1@example.com', 'P2@Example.com', 'p2@example.com', '+15555550101'],
      );
      expect([...enrollments.keys()].sort()).toEqual(['p1.welcome', 'p2.welcome']);
      expect(enrollments.get('p2.welcome')).toEqual(enrollment('p2', 'welcome'));
      // Keyed by the address string as passed in.
      expect([...suppressions.keys()].sort()).toEqual(['P2@Example.com', 'p2@example.com']);
      expect(suppressions.get('P2@Example.com')?.reason).toBe('unsubscribe');
    });

    it('stores attribute names that collide with Object.prototype, and the zone fields, like any other', async () => {
      const attributes = JSON.parse('{"constructor":"c","__proto__":"p","toString":"t","hasOwnProperty":"h","valueOf":"v","plan":"pro"}');
      const odd = prospect('p1', {
        attributes,
        country: 'GB',
        timezone: 'Europe/Guernsey',
        timezoneSource: 'phone',
        timezoneCandidates: ['Europe/Guernsey', 'Europe/London'],
      });
      await seed(store, [odd], [enrollment('p1', 'welcome')], []);
      const batch = await store.getEnrollmentsAndSuppressions([], [], ['p1']);
      for (const read of [
        await store.getProspect('p1'),
        (await store.loadTouchContext(messageFor(enrollment('p1', 'welcome'), odd))).prospect,
        batch.prospects.get('p1'),
      ]) {
        expect(Object.entries(read?.attributes ?? {}).sort()).toEqual(Object.entries(attributes).sort());
        expect(Object.getPrototypeOf(read?.attributes)).not.toBe('p');
        expect(read).toMatchObject({ country: 'GB', timezone: 'Europe/Guernsey', timezoneSource: 'phone', timezoneCandidates: ['Europe/Guernsey', 'Europe/London'] });
      }
    });

    it('handles batches larger than one request (chunks of 25 writes / 100 reads)', async () => {
      const prospects = Array.from({ length: 130 }, (_, i) => prospect(`bulk${i}`));
      const enrollments = prospects.map((p) => enrollment(p.id, 'welcome'));
      const timeline = prospects.map((p) => event(p.id, 0, 'enrolled'));
      await seed(store, prospects, enrollments, timeline);
      for (let i = 0; i < 120; i += 3) await store.putSuppression(suppression(`bulk${i}@example.com`));

      const { enrollments: found, suppressions } = await store.getEnrollmentsAndSuppressions(
        enrollments.map((e) => e.id),
        prospects.map((p) => p.email ?? ''),
      );
      expect(found.size).toBe(130);
      expect(suppressions.size).toBe(40);
      expect(await store.listTimeline('bulk129')).toHaveLength(1);
    });

    it('re-importing a profile overwrites it and moves its address index entries', async () => {
      await seed(store, [prospect('p1', { phone: '+15555550101' })]);
      expect(await store.findProspectIdsByAddress('p1@example.com')).toEqual(['p1']);
      expect(await store.findProspectIdsByAddress('+15555550101')).toEqual(['p1']);

      await seed(store, [prospect('p1', { email: 'new@example.com', company: 'NewCo' })]);
      expect((await store.getProspect('p1'))?.company).toBe('NewCo');
      expect(await store.findProspectIdsByAddress('new@example.com')).toEqual(['p1']);
      expect(await store.findProspectIdsByAddress('p1@example.com')).toEqual([]);
      expect(await store.findProspectIdsByAddress('+15555550101')).toEqual([]);
    });

    it('finds every prospect with an address, whatever its case', async () => {
      await seed(store, [
        prospect('p1', { email: 'shared@example.com' }),
        prospect('p2', { email: 'shared@example.com', phone: '+15555550102' }),
        prospect('p3'),
      ]);
      expect(await store.findProspectIdsByAddress('Shared@Example.com')).toEqual(['p1', 'p2']);
      expect(await store.findProspectIdsByAddress('+15555550102')).toEqual(['p2']);
      expect(await store.findProspectIdsByAddress('nobody@example.com')).toEqual([]);
    });

    it('restarts only an ended enrollment, and only from the run it was read at', async () => {
      await seed(store, [prospect('p1')], [enrollment('p1', 'welcome', { run: 2 })]);
      const next = enrollment('p1', 'welcome', { run: 3, createdAt: at(500) });

      expect(await store.restartEnrollment(next, 2)).toBe('conflict'); // still active
      expect(await store.restartEnrollment(enrollment('p1', 'other', { run: 2 }), 1)).toBe('conflict'); // missing

      await store.advanceEnrollment({
        enrollmentId: 'p1.welcome',
        expected: { status: 'active', run: 2, stepIndex: 0 },
        next: { status: 'replied', stepIndex: 0, updatedAt: at(10), endedAt: at(10), endReason: 'reply' },
      });
      expect(await store.restartEnrollment(next, 1)).toBe('conflict'); // wrong run
      expect(await store.restartEnrollment(next, 2)).toBe('ok');
      expect(await store.getEnrollment('p1.welcome')).toEqual(next);
      expect(await store.restartEnrollment({ ...next, run: 4 }, 2)).toBe('conflict'); // already restarted
    });

    it('returns copies: mutating a read or a written object changes nothing stored', async () => {
      const p = prospect('p1');
      const e = enrollment('p1', 'welcome');
      await seed(store, [p], [e]);
      p.firstName = 'Changed';
      e.touches['x'] = { stepId: 'x', stepIndex: 0, channel: 'email', status: 'sent', at: T0 };
      const read = await store.getEnrollment('p1.welcome');
      read!.status = 'stopped';
      expect((await store.getProspect('p1'))?.firstName).toBe('Ann');
      expect(await store.getEnrollment('p1.welcome')).toEqual(enrollment('p1', 'welcome'));
    });
  });

  describe('colleagues (enrollments by company domain)', () => {
    it('lists a sequence\'s enrollments at one domain with their status; others and unkeyed ones are not listed', async () => {
      await seed(
        store,
        [prospect('p1'), prospect('p2'), prospect('p3'), prospect('p4')],
        [
          enrollment('p1', 'welcome', { accountDomain: 'acme.example' }),
          enrollment('p2', 'welcome', { accountDomain: 'acme.example', status: 'replied' }),
          enrollment('p3', 'welcome', { accountDomain: 'other.example' }),
          enrollment('p3', 'onboarding', { accountDomain: 'acme.example' }),
          enrollment('p4', 'welcome'),
        ],
      );
      expect(await store.listAccountEnrollments('welcome', 'acme.example')).toEqual([
        { id: 'p1.welcome', prospectId: 'p1', status: 'active' },
        { id: 'p2.welcome', prospectId: 'p2', status: 'replied' },
      ]);
      expect(await store.listAccountEnrollments('welcome', 'nobody.example')).toEqual([]);
      // The sequence listing shares the index and is unaffected.
      expect(await store.listSequences()).toEqual([]);
    });
  });

  describe('enrollment batches (written under the lanes\' leases)', () => {
    it('reads stored profiles in the same batch as enrollments and suppressions', async () => {
      const ann = prospect('p1', { phone: '+15555550101', company: 'Acme' });
      await seed(store, [ann], [enrollment('p1', 'welcome')]);
      const read = await store.getEnrollmentsAndSuppressions(['p1.welcome'], ['p1@example.com'], ['p1', 'p9', 'p1']);
      expect([...read.prospects.keys()]).toEqual(['p1']);
      expect(read.prospects.get('p1')).toEqual(ann);
      expect(read.enrollments.get('p1.welcome')).toEqual(enrollment('p1', 'welcome'));
      expect((await store.getEnrollmentsAndSuppressions(['p1.welcome'], [])).prospects.size).toBe(0);
    });

    it('writes unconditionally: the last batch stands, and a full put drops a claim', async () => {
      const first = enrollment('p1', 'welcome', { nextTouchAt: at(60) });
      await seed(store, [prospect('p1')], [first], [event('p1', 0, 'enrolled')]);
      expect(await store.claimTouch(claimFor(first, at(5)), new Date(T0))).toBe('ok');
      const second = enrollment('p1', 'welcome', { nextTouchAt: at(90), pendingScheduleName: 'sched-b' });
      await seed(store, [prospect('p1', { firstName: 'Anna' })], [second], [event('p1', 1, 'enrolled')]);
      expect(await store.getEnrollment('p1.welcome')).toEqual(second);
      expect((await store.getProspect('p1'))?.firstName).toBe('Anna');
      expect((await store.listTimeline('p1')).map((e) => e.at)).toEqual([at(0), at(1)]);
      expect(await store.claimTouch(claimFor(second, at(5)), new Date(T0))).toBe('ok');
    });

    it('writes phone holders with the batch and reads them, by the phone as asked, with the rest', async () => {
      const phone = '+15555550101';
      const fresh = await store.getEnrollmentsAndSuppressions([], [], [], [phone]);
      // A new store (a table this version created) lists every phone's holders: none yet.
      expect({ holders: [...fresh.phoneHolders], complete: fresh.phoneHoldersComplete }).toEqual({ holders: [], complete: true });
      expect(await store.arePhoneHoldersComplete()).toBe(true);

      await store.putEnrollmentBatch({
        prospects: [prospect('p2', { phone }), prospect('p1', { phone })],
        enrollments: [enrollment('p1', 'welcome')],
        timeline: [],
        phoneHolders: [{ phone, prospectIds: ['p2', 'p1', 'p2'] }],
      });
      const read = await store.getEnrollmentsAndSuppressions(['p1.welcome'], [phone], ['p1'], [phone, '+15555550199']);
      expect([...read.phoneHolders]).toEqual([[phone, ['p1', 'p2']]]);
      expect(read.phoneHoldersComplete).toBe(true);
      expect(read.enrollments.has('p1.welcome')).toBe(true);
      expect([...read.prospects.keys()]).toEqual(['p1']);

      // The whole list is replaced (the caller holds the phone's lane), and the marker stays.
      await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: [{ phone, prospectIds: ['p3'] }] });
      await store.markPhoneHoldersComplete();
      const again = await store.getEnrollmentsAndSuppressions([], [], [], [phone]);
      expect({ holders: again.phoneHolders.get(phone), complete: again.phoneHoldersComplete }).toEqual({ holders: ['p3'], complete: true });

      // An erasure empties it: the phone then lists nobody.
      await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: [{ phone, prospectIds: [] }] });
      expect((await store.getEnrollmentsAndSuppressions([], [], [], [phone])).phoneHolders.get(phone) ?? []).toEqual([]);
    });

    it('refuses ids that cannot be keys, before writing anything', async () => {
      await expect(seed(store, [prospect('p.1')])).rejects.toThrow(/must not contain/);
      await expect(seed(store, [prospect('p#1')])).rejects.toThrow(/must not contain/);
      await expect(seed(store, [prospect('p1')], [{ ...enrollment('p1', 'welcome'), id: 'p1.other' }])).rejects.toThrow(
        /Enrollment id/,
      );
      expect(await store.getProspect('p1')).toBeUndefined();
    });
  });

  describe('leases', () => {
    const now = new Date(T0);
    const lease = (owner: string, untilMinutes: number, name = 'lane-3') => ({ name, owner, until: at(untilMinutes) });

    it('one holder at a time; the holder extends its own; an expired lease is taken over', async () => {
      expect(await store.acquireLease(lease('a', 1), now)).toBe('ok');
      expect(await store.acquireLease(lease('b', 1), now)).toBe('conflict');
      expect(await store.acquireLease(lease('b', 2), new Date(at(1)))).toBe('conflict'); // still held at its end
      expect(await store.acquireLease(lease('a', 5), new Date(at(0.5)))).toBe('ok'); // extended
      expect(await store.acquireLease(lease('b', 10), new Date(at(4)))).toBe('conflict');
      expect(await store.acquireLease(lease('b', 10), new Date(at(6)))).toBe('ok'); // a died
      expect(await store.acquireLease(lease('a', 20), new Date(at(7)))).toBe('conflict');
      expect(await store.acquireLease(lease('c', 10, 'lane-4'), now)).toBe('ok'); // another lane
    });

    it('renews only while still ours; releases only our own', async () => {
      expect(await store.acquireLease(lease('a', 1), now)).toBe('ok');
      expect(await store.renewLease(lease('a', 3))).toBe('ok');
      expect(await store.renewLease(lease('b', 3))).toBe('conflict');
      await store.releaseLease('lane-3', 'b'); // not b's: no effect
      expect(await store.acquireLease(lease('b', 3), new Date(at(2)))).toBe('conflict'); // renewed to 3
      // a stalls; its lease expires and b takes over: a must not renew any more.
      expect(await store.acquireLease(lease('b', 9), new Date(at(4)))).toBe('ok');
      expect(await store.renewLease(lease('a', 10))).toBe('conflict');
      await store.releaseLease('lane-3', 'a'); // b's now: stays
      expect(await store.acquireLease(lease('c', 9), new Date(at(5)))).toBe('conflict');
      await store.releaseLease('lane-3', 'b');
      // Released: nobody holds it, so nobody renews it (a stale holder finds out), anyone acquires it.
      expect(await store.renewLease(lease('b', 12))).toBe('conflict');
      expect(await store.acquireLease(lease('c', 9), new Date(at(5)))).toBe('ok');
      await store.releaseLease('lane-9', 'c'); // missing: fine
    });

    it('refuses a lease without owner or with an unreadable time', async () => {
      await expect(store.acquireLease({ name: 'lane-1', owner: '', until: at(1) }, now)).rejects.toThrow(RangeError);
      await expect(store.acquireLease({ name: 'lane-1', owner: 'a', until: 'soon' }, now)).rejects.toThrow(RangeError);
    });
  });

  describe('advanceEnrollment', () => {
    const base = () => enrollment('p1', 'welcome', { run: 2, stepIndex: 1, resumeAt: at(5) });
    beforeEach(async () => {
      await seed(store, [prospect('p1')], [base()]);
    });

    it('conflicts when status, run or step moved on, or the enrollment is missing', async () => {
      const next = { status: 'active' as const, stepIndex: 2, updatedAt: at(1) };
      for (const expected of [
        { status: 'paused' as const, run: 2, stepIndex: 1 },
        { status: 'active' as const, run: 1, stepIndex: 1 },
        { status: 'active' as const, run: 2, stepIndex: 0 },
      ]) {
        expect(await store.advanceEnrollment({ enrollmentId: 'p1.welcome', expected, next })).toBe('conflict');
      }
      expect(
        await store.advanceEnrollment({
          enrollmentId: 'p9.welcome',
          expected: { status: 'active', run: 2, stepIndex: 1 },
          next,
        }),
      ).toBe('conflict');
      expect(await store.getEnrollment('p1.welcome')).toEqual(base());
    });

    it('sets the next state, removes absent scheduling fields and stores the touch', async () => {
      const touch = {
        stepId: 'nudge',
        stepIndex: 1,
        channel: 'sms' as const,
        status: 'sent' as const,
        at: at(1),
        providerMessageId: 'SM1',
        error: undefined,
      };
      const result = await store.advanceEnrollment({
        enrollmentId: 'p1.welcome',
        expected: { status: 'active', run: 2, stepIndex: 1 },
        next: {
          status: 'active',
          stepIndex: 2,
          nextTouchAt: at(3000),
          pendingScheduleName: 'sched-2',
          updatedAt: at(1),
          thread: { messageIdHeader: '<m1@x>', subject: 'Hi' },
        },
        touch,
      });
      expect(result).toBe('ok');
      const { error: _omit, ...storedTouch } = touch;
      expect(await store.getEnrollment('p1.welcome')).toEqual({
        ...base(),
        stepIndex: 2,
        nextTouchAt: at(3000),
        pendingScheduleName: 'sched-2',
        updatedAt: at(1),
        thread: { messageIdHeader: '<m1@x>', subject: 'Hi' },
        touches: { nudge: storedTouch },
        resumeAt: undefined,
      });

      expect(
        await store.advanceEnrollment({
          enrollmentId: 'p1.welcome',
          expected: { status: 'active', run: 2, stepIndex: 2 },
          next: {
            status: 'completed',
            stepIndex: 2,
            nextTouchAt: undefined,
            pendingScheduleName: undefined,
            updatedAt: at(2),
            endedAt: at(2),
          },
        }),
      ).toBe('ok');
      const ended = await store.getEnrollment('p1.welcome');
      expect(ended).toMatchObject({ status: 'completed', endedAt: at(2), thread: { subject: 'Hi' } });
      expect(ended).not.toHaveProperty('nextTouchAt');
      expect(ended).not.toHaveProperty('pendingScheduleName');
      expect(ended).not.toHaveProperty('resumeAt');
      expect(Object.keys(ended!.touches)).toEqual(['nudge']);
    });
  });

  describe('claims', () => {
    let e: Enrollment;
    beforeEach(async () => {
      e = enrollment('p1', 'welcome', { run: 1, stepIndex: 0 });
      await seed(store, [prospect('p1')], [e]);
    });
    const now = new Date(T0);

    it('first claim wins, a duplicate conflicts, an expired lease is taken over', async () => {
      expect(await store.claimTouch(claimFor(e, at(5)), now)).toBe('ok');
      expect(await store.claimTouch(claimFor(e, at(10)), new Date(at(1)))).toBe('conflict');
      expect(await store.claimTouch(claimFor(e, at(10)), new Date(at(5)))).toBe('conflict'); // lease still held at its end
      expect(await store.claimTouch(claimFor(e, at(20)), new Date(at(6)))).toBe('ok'); // worker died
      expect(await store.claimTouch(claimFor(e, at(30)), new Date(at(7)))).toBe('conflict');
    });

    it('refuses a claim unless the enrollment is active at that run and step', async () => {
      expect(await store.claimTouch({ ...claimFor(e, at(5)), stepIndex: 1 }, now)).toBe('conflict');
      expect(await store.claimTouch({ ...claimFor(e, at(5)), run: 2 }, now)).toBe('conflict');
      expect(await store.claimTouch({ ...claimFor(e, at(5)), enrollmentId: 'p1.other', sequenceId: 'other' }, now)).toBe(
        'conflict',
      );
      await store.advanceEnrollment({
        enrollmentId: e.id,
        expected: { status: 'active', run: 1, stepIndex: 0 },
        next: { status: 'stopped', stepIndex: 0, updatedAt: at(1), endedAt: at(1) },
      });
      expect(await store.claimTouch(claimFor(e, at(5)), now)).toBe('conflict');
    });

    it('advancing ends the claim; the next step can be claimed at once', async () => {
      expect(await store.claimTouch(claimFor(e, at(5)), now)).toBe('ok');
      await store.advanceEnrollment({
        enrollmentId: e.id,
        expected: { status: 'active', run: 1, stepIndex: 0 },
        next: { status: 'active', stepIndex: 1, updatedAt: at(1), nextTouchAt: at(100), pendingScheduleName: 's1' },
      });
      const claim = claimFor({ ...e, stepIndex: 1 }, at(105));
      expect(await store.claimTouch(claim, new Date(at(100)))).toBe('ok');
      // The enrollment record itself does not expose the claim.
      expect(await store.getEnrollment(e.id)).not.toHaveProperty('claim');
    });

    it('releasing gives the claim back, but only our own', async () => {
      const mine = claimFor(e, at(5));
      expect(await store.claimTouch(mine, now)).toBe('ok');
      await store.releaseTouchClaim({ ...mine, leaseUntil: at(99) }); // not ours: no effect
      expect(await store.claimTouch(claimFor(e, at(6)), new Date(at(1)))).toBe('conflict');
      await store.releaseTouchClaim(mine);
      expect(await store.claimTouch(claimFor(e, at(6)), new Date(at(1)))).toBe('ok');
      await store.releaseTouchClaim(claimFor(enrollment('p9', 'welcome'), at(6))); // missing enrollment: fine
    });

    it('recordTouch stores a touch on a stopped enrollment and drops the claim', async () => {
      expect(await store.claimTouch(claimFor(e, at(5)), now)).toBe('ok');
      await store.advanceEnrollment({
        enrollmentId: e.id,
        expected: { status: 'active', run: 1, stepIndex: 0 },
        next: { status: 'replied', stepIndex: 0, updatedAt: at(1), endedAt: at(1) },
      });
      const touch = { stepId: 'intro', stepIndex: 0, channel: 'email' as const, status: 'sent' as const, at: at(1) };
      await store.recordTouch(e.id, touch);
      expect(await store.getEnrollment(e.id)).toMatchObject({ status: 'replied', touches: { intro: touch } });
      await store.recordTouch('p9.welcome', touch); // erased meanwhile: nothing to do
      expect(await store.getEnrollment('p9.welcome')).toBeUndefined();
    });
  });

  describe('touch days (at most N touches per person, channel and local day)', () => {
    const claim = (enrollmentId: string, day = '2025-03-03', limit = 1) => ({ prospectId: 'p1', channel: 'email' as const, day, enrollmentId, limit });
    beforeEach(async () => {
      await seed(store, [prospect('p1')]);
    });

    it('the first enrollment of the day claims it; a repeat is ok; another is full; the next day starts over', async () => {
      expect(await store.claimTouchDay(claim('p1.a'))).toBe('ok');
      expect(await store.claimTouchDay(claim('p1.a'))).toBe('ok');
      expect(await store.claimTouchDay(claim('p1.b'))).toBe('full');
      expect(await store.claimTouchDay({ ...claim('p1.b'), channel: 'sms' })).toBe('ok');
      expect((await store.getProspect('p1'))?.touchDays).toEqual({
        email: { day: '2025-03-03', enrollmentIds: ['p1.a'] },
        sms: { day: '2025-03-03', enrollmentIds: ['p1.b'] },
      });
      expect(await store.claimTouchDay(claim('p1.b', '2025-03-04'))).toBe('ok');
      expect((await store.getProspect('p1'))?.touchDays?.email).toEqual({ day: '2025-03-04', enrollmentIds: ['p1.b'] });
    });

    it('counts up to the limit, and decides right whatever the caller last saw', async () => {
      expect(await store.claimTouchDay(claim('p1.a', '2025-03-03', 2), { day: '2025-03-01', enrollmentIds: ['p1.x'] })).toBe('ok');
      // Stale view: nothing seen today, though p1.a holds it.
      expect(await store.claimTouchDay(claim('p1.b', '2025-03-03', 2))).toBe('ok');
      expect(await store.claimTouchDay(claim('p1.c', '2025-03-03', 2), { day: '2025-03-03', enrollmentIds: ['p1.a'] })).toBe('full');
      expect((await store.getProspect('p1'))?.touchDays?.email?.enrollmentIds).toEqual(['p1.a', 'p1.b']);
    });

    it('a re-import of the profile keeps the claims it read; a missing profile claims nothing', async () => {
      await store.claimTouchDay(claim('p1.a'));
      const read = (await store.getProspect('p1'))!;
      await seed(store, [{ ...read, firstName: 'Renamed' }]);
      expect(await store.claimTouchDay(claim('p1.b'))).toBe('full');
      expect(await store.claimTouchDay({ ...claim('p9.a'), prospectId: 'p9' })).toBe('ok');
      expect(await store.getProspect('p9')).toBeUndefined();
    });
  });

  describe('idempotency records', () => {
    const now = new Date(T0);
    const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);
    it('the first claim of a key wins until it expires; other keys are independent', async () => {
      expect(await store.claimIdempotencyKey('twilio:SM1', inDays(7), now)).toBe('ok');
      expect(await store.claimIdempotencyKey('twilio:SM1', inDays(7), inDays(1))).toBe('conflict');
      expect(await store.claimIdempotencyKey('twilio:SM2', inDays(7), now)).toBe('ok');
      // Expired but not yet removed by TTL: claimed again.
      expect(await store.claimIdempotencyKey('twilio:SM1', inDays(15), inDays(8))).toBe('ok');
      expect(await store.claimIdempotencyKey('twilio:SM1', inDays(15), inDays(9))).toBe('conflict');
    });

    it('a released key is claimed again; releasing one never claimed does nothing', async () => {
      expect(await store.claimIdempotencyKey('email:<released@x>', inDays(7), now)).toBe('ok');
      await store.releaseIdempotencyKey('email:<released@x>');
      expect(await store.claimIdempotencyKey('email:<released@x>', inDays(7), now)).toBe('ok');
      expect(await store.claimIdempotencyKey('email:<released@x>', inDays(7), now)).toBe('conflict');
      await store.releaseIdempotencyKey('email:<never@x>');
      expect(await store.claimIdempotencyKey('email:<never@x>', inDays(7), now)).toBe('ok');
    });

    it('refuses an empty or over-long key', async () => {
      await expect(store.claimIdempotencyKey('', inDays(1), now)).rejects.toThrow(RangeError);
      await expect(store.claimIdempotencyKey('x'.repeat(513), inDays(1), now)).rejects.toThrow(RangeError);
    });
  });

  describe('suppressions', () => {
    it('puts, gets and deletes by address', async () => {
      expect(await store.getSuppression('ann@example.com')).toBeUndefined();
      await store.putSuppression(suppression('ann@example.com'));
      await store.putSuppression(suppression('+15555550101', { reason: 'sms_stop' }));
      expect(await store.getSuppression('ann@example.com')).toEqual(suppression('ann@example.com'));
      expect(await store.getSuppression('ANN@example.com ')).toEqual(suppression('ann@example.com'));
      expect((await store.getSuppression('+15555550101'))?.reason).toBe('sms_stop');

      await store.deleteSuppression('ann@example.com');
      expect(await store.getSuppression('ann@example.com')).toBeUndefined();
      expect(await store.getSuppression('+15555550101')).toBeDefined();
      await store.deleteSuppression('never@example.com');
    });

    it('an erased entry replaces the plain address by its hash only', async () => {
      await store.putSuppression(suppression('ann@example.com'));
      const erased: Suppression = {
        addressHash: addressHash('ann@example.com'),
        channel: 'email',
        reason: 'erased',
        source: 'erasure',
        createdAt: at(9),
      };
      await store.putSuppression(erased);
      const read = await store.getSuppression('ann@example.com');
      expect(read).toEqual(erased);
      expect(read).not.toHaveProperty('address');
    });

    it('refuses an entry whose hash does not match its address', async () => {
      await expect(store.putSuppression({ ...suppression('a@example.com'), addressHash: 'f00' })).rejects.toThrow(
        /addressHash/,
      );
    });
  });

  describe('reply entries and consents (the rest of the consent ledger)', () => {
    const reply = (address: string, fields: Partial<ReplyRecord> = {}): ReplyRecord => ({
      addressHash: addressHash(address),
      channel: address.startsWith('+') ? 'sms' : 'email',
      at: at(5),
      sequenceId: 'welcome',
      prospectId: 'p1',
      enrollmentId: 'p1.welcome',
      ...fields,
    });

    it('keeps one reply entry per address (the latest), by hash only, apart from its suppression', async () => {
      expect(await store.getReplyRecord('ann@example.com')).toBeUndefined();
      await store.putReplyRecord(reply('ann@example.com'));
      await store.putReplyRecord(reply('ann@example.com', { at: at(7), sequenceId: 'onboarding' }));
      expect(await store.getReplyRecord(' ANN@example.com')).toEqual(reply('ann@example.com', { at: at(7), sequenceId: 'onboarding' }));
      // The suppression of the same address is another entry.
      expect(await store.getSuppression('ann@example.com')).toBeUndefined();
      await store.putSuppression(suppression('ann@example.com'));
      await store.deleteReplyRecord('ann@example.com');
      expect(await store.getReplyRecord('ann@example.com')).toBeUndefined();
      expect(await store.getSuppression('ann@example.com')).toBeDefined();
      await expect(store.putReplyRecord({ ...reply('x@example.com'), addressHash: 'x@example.com' })).rejects.toThrow(/addressHash/);
    });

    it('enrollment reads see reply entries with the suppressions; the touch read does not', async () => {
      const ann = prospect('p1', { email: 'ann@example.com', phone: '+15555550101' });
      const e = enrollment('p1', 'welcome');
      await seed(store, [ann], [e]);
      await store.putReplyRecord(reply('+15555550101'));
      const read = await store.getEnrollmentsAndSuppressions([e.id], ['ann@example.com', '+15555550101'], ['p1']);
      expect([...read.replies.entries()]).toEqual([['+15555550101', reply('+15555550101')]]);
      expect(read.suppressions.size).toBe(0);
      expect((await store.loadTouchContext(messageFor(e, ann))).suppressions).toEqual([]);
    });

    it('keeps the latest consent of an address, by hash only', async () => {
      const consent: ConsentRecord = {
        addressHash: addressHash('ann@example.com'),
        channel: 'email',
        source: 're-subscribed by phone, ticket 123',
        actor: 'user:rep@example.com',
        at: at(9),
        lifted: ['unsubscribe', 'reply'],
      };
      expect(await store.getConsentRecord('ann@example.com')).toBeUndefined();
      await store.putConsentRecord({ ...consent, at: at(8), source: 'older' });
      await store.putConsentRecord(consent);
      expect(await store.getConsentRecord('ann@example.com')).toEqual(consent);
    });
  });

  describe('counters', () => {
    const monday = new Date(T0);
    it('adds atomically and reads back a plain record', async () => {
      expect(await store.getCounters('welcome')).toEqual({});
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'status.active': 2, 'step.intro.sent': 1 }, at: monday });
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'status.active': -1, 'status.replied': 1 }, at: monday });
      await store.addToCounters({ sequenceId: 'welcome', deltas: {}, at: monday });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 1 }, at: monday }),
        ),
      );
      await store.addToCounters({ sequenceId: 'other', deltas: { 'status.active': 5 }, at: monday });
      expect(await store.getCounters('welcome')).toEqual({
        'status.active': 1,
        'status.replied': 1,
        'step.intro.sent': 11,
      });
    });

    it('sums every day for the totals, and per UTC day for the daily series', async () => {
      const day = (iso: string) => new Date(iso);
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 2 }, at: day('2025-03-01T23:59:59.999Z') });
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 3, 'status.active': 1 }, at: day('2025-03-02T00:00:00.000Z') });
      await Promise.all(
        Array.from({ length: 12 }, () =>
          store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 1 }, at: day('2025-03-02T18:00:00.000Z') }),
        ),
      );
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.replied': 1 }, at: day('2025-03-05T09:00:00.000Z') });
      await store.addToCounters({ sequenceId: 'welcome-2', deltas: { 'step.intro.sent': 100 }, at: day('2025-03-02T10:00:00.000Z') });

      expect(await store.getCounters('welcome')).toEqual({ 'step.intro.sent': 17, 'status.active': 1, 'step.intro.replied': 1 });
      expect(await store.getDailyCounters('welcome', '2025-03-01', '2025-03-31')).toEqual([
        { day: '2025-03-01', counters: { 'step.intro.sent': 2 } },
        { day: '2025-03-02', counters: { 'step.intro.sent': 15, 'status.active': 1 } },
        { day: '2025-03-05', counters: { 'step.intro.replied': 1 } },
      ]);
      expect(await store.getDailyCounters('welcome', '2025-03-02', '2025-03-04')).toEqual([
        { day: '2025-03-02', counters: { 'step.intro.sent': 15, 'status.active': 1 } },
      ]);
      expect(await store.getDailyCounters('welcome', '2025-03-06', '2025-03-05')).toEqual([]);
      expect(await store.getDailyCounters('nope', '2025-03-01', '2025-03-31')).toEqual([]);
      await expect(store.getDailyCounters('welcome', '2025-3-1', '2025-03-31')).rejects.toThrow(RangeError);
    });

    it('refuses names that are not counters and amounts that are not numbers', async () => {
      await expect(store.addToCounters({ sequenceId: 'welcome', deltas: { pk: 1 }, at: monday })).rejects.toThrow(/Reserved/);
      await expect(store.addToCounters({ sequenceId: 'welcome', deltas: { x: Number.NaN }, at: monday })).rejects.toThrow(RangeError);
      expect(await store.getCounters('welcome')).toEqual({});
    });
  });

  describe('timeline', () => {
    it('lists events in time order and ignores a retried append', async () => {
      await seed(store, [prospect('p1')], [], [event('p1', 30)]);
      await store.appendTimeline([event('p1', 10, 'delivered'), event('p1', 20)]);
      await store.appendTimeline([event('p1', 5, 'enrolled'), event('p1', 10, 'delivered')]); // retry of one
      await store.appendTimeline([event('p2', 1)]);
      await store.appendTimeline([]);
      const listed = await store.listTimeline('p1');
      expect(listed.map((e) => e.at)).toEqual([at(5), at(10), at(20), at(30)]);
      expect(listed[1]).toEqual(event('p1', 10, 'delivered'));
      expect(await store.listTimeline('nobody')).toEqual([]);
    });

    it('appends small and large lists alike (one write each, or batched), and a retry adds nothing', async () => {
      const many = Array.from({ length: 60 }, (_, i) => event('p1', i));
      await store.appendTimeline(many);
      await store.appendTimeline(many.slice(0, 3));
      expect(await store.listTimeline('p1')).toHaveLength(60);
    });

    it('keeps two different events at the same instant', async () => {
      await store.appendTimeline([event('p1', 1, 'sent'), event('p1', 1, 'completed')]);
      expect((await store.listTimeline('p1')).map((e) => e.type).sort()).toEqual(['completed', 'sent']);
    });

    it('appends an event once per key: a redelivery is a conflict and writes nothing, another key or time is a new entry', async () => {
      const opened = { ...event('p1', 10, 'opened'), detail: 'email opened' };
      expect(await store.appendTimelineOnce(opened, 'ses:m1#open#t10')).toBe('ok');
      // The same provider event again, even with other content (a later handler's wording): nothing new.
      expect(await store.appendTimelineOnce(opened, 'ses:m1#open#t10')).toBe('conflict');
      expect(await store.appendTimelineOnce({ ...opened, detail: 'changed' }, 'ses:m1#open#t10')).toBe('conflict');
      // Another event of the same instant and content, and the same key at another time, are entries of their own.
      expect(await store.appendTimelineOnce(opened, 'ses:m2#open#t10')).toBe('ok');
      expect(await store.appendTimelineOnce({ ...opened, at: at(11) }, 'ses:m1#open#t10')).toBe('ok');
      await store.appendTimeline([event('p1', 5, 'enrolled')]);
      const listed = await store.listTimeline('p1');
      expect(listed.map((e) => [e.at, e.type, e.detail])).toEqual([
        [at(5), 'enrolled', 'm5'],
        [at(10), 'opened', 'email opened'],
        [at(10), 'opened', 'email opened'],
        [at(11), 'opened', 'email opened'],
      ]);
      await expect(store.appendTimelineOnce(opened, '')).rejects.toThrow(RangeError);
      // It goes with the prospect's data: erased, the event can be recorded again.
      await store.deleteProspectData('p1');
      expect(await store.listTimeline('p1')).toEqual([]);
      expect(await store.appendTimelineOnce(opened, 'ses:m1#open#t10')).toBe('ok');
    });
  });

  describe('deleteProspectData', () => {
    it('deletes everything of the prospect and nothing else; suppressions stay', async () => {
      const e = enrollment('p1', 'welcome');
      await seed(
        store,
        [prospect('p1', { phone: '+15555550101' }), prospect('p2')],
        [e, enrollment('p1', 'other'), enrollment('p2', 'welcome')],
        [event('p1', 1), event('p1', 2), event('p2', 1)],
      );
      await store.claimTouch(claimFor(e, at(5)), new Date(T0));
      await store.putSuppression(suppression('p1@example.com'));

      await store.deleteProspectData('p1');
      await store.deleteProspectData('p1'); // idempotent

      expect(await store.getProspect('p1')).toBeUndefined();
      expect(await store.listEnrollments('p1')).toEqual([]);
      expect(await store.getEnrollment('p1.welcome')).toBeUndefined();
      expect(await store.listTimeline('p1')).toEqual([]);
      expect(await store.findProspectIdsByAddress('p1@example.com')).toEqual([]);
      expect(await store.findProspectIdsByAddress('+15555550101')).toEqual([]);
      expect(await store.getSuppression('p1@example.com')).toBeDefined();

      expect(await store.getProspect('p2')).toBeDefined();
      expect(await store.listEnrollments('p2')).toHaveLength(1);
      expect(await store.listTimeline('p2')).toHaveLength(1);
    });
  });

  describe('loadTouchContext', () => {
    const ann = prospect('p1', { email: 'ann@example.com', phone: '+15555550101' });
    const e = enrollment('p1', 'welcome');
    beforeEach(async () => {
      await seed(store, [ann, prospect('p2')], [e, enrollment('p2', 'welcome')]);
      await store.putSuppression(suppression('ann@example.com'));
      await store.putSuppression(suppression('+15555550101', { reason: 'sms_stop' }));
      await store.putSuppression(suppression('p2@example.com'));
    });

    it("returns the enrollment, the prospect and the suppressions of the prospect's addresses", async () => {
      const context = await store.loadTouchContext(messageFor(e, ann));
      expect(context.enrollment).toEqual(e);
      expect(context.prospect).toEqual(ann);
      expect(context.suppressions.map((s) => s.reason).sort()).toEqual(['sms_stop', 'unsubscribe']);
    });

    it('works without address hashes in the message', async () => {
      const context = await store.loadTouchContext(messageFor(e));
      expect(context.suppressions.map((s) => s.address).sort()).toEqual(['+15555550101', 'ann@example.com']);
    });

    it("follows the prospect's current address, not the one the message was scheduled with", async () => {
      const stale = messageFor(e, ann);
      await seed(store, [{ ...ann, email: 'ann.new@example.com', phone: undefined }]);
      expect((await store.loadTouchContext(stale)).suppressions).toEqual([]);
      await store.putSuppression(suppression('ann.new@example.com', { reason: 'bounce' }));
      expect((await store.loadTouchContext(stale)).suppressions.map((s) => s.reason)).toEqual(['bounce']);
    });

    it('answers without enrollment or prospect when they are gone', async () => {
      await store.deleteProspectData('p1');
      const context = await store.loadTouchContext(messageFor(e, ann));
      expect(context.enrollment).toBeUndefined();
      expect(context.prospect).toBeUndefined();
    });
  });
});

// ---------------------------------------------------------------------------------------
// DynamoDB only
// ---------------------------------------------------------------------------------------

describe('DynamoDbStore on dynalite', () => {
  let store: DynamoDbStore;
  let tableName: string;
  beforeEach(async () => {
    ({ store, tableName } = await freshDynamoStore());
  });

  it('the happy-path touch costs 4 requests: BatchGetItem + 3 UpdateItem, no Scan', async () => {
    const ann = prospect('p1', { phone: '+15555550101' });
    const e = enrollment('p1', 'welcome');
    await seed(store, [ann], [e]);
    await store.putSuppression(suppression('+15555550101', { reason: 'sms_stop' }));

    const counter = countDynamoDbRequests(db().client);
    try {
      const context = await store.loadTouchContext(messageFor(e, ann));
      expect(context.suppressions).toHaveLength(1);
      expect(await store.claimTouch(claimFor(e, at(5)), new Date(T0))).toBe('ok');
      expect(
        await store.advanceEnrollment({
          enrollmentId: e.id,
          expected: { status: 'active', run: 1, stepIndex: 0 },
          next: { status: 'active', stepIndex: 1, nextTouchAt: at(3000), pendingScheduleName: 's1', updatedAt: at(1) },
          touch: { stepId: 'intro', stepIndex: 0, channel: 'email', status: 'sent', at: at(1) },
        }),
      ).toBe('ok');
      await store.addToCounters({ sequenceId: 'welcome', deltas: { 'step.intro.sent': 1 }, at: new Date(at(1)) });

      expect(counter.requests).toBe(4);
      expect(counter.commands).toBe(4);
      expect(counter.operations).toEqual(['BatchGetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem']);
      expect(counter.operations).not.toContain('Scan');
    } finally {
      counter.detach();
    }
  });

  it('phone holders: a table without the layout marker says so until it is marked; holders items carry no phone', async () => {
    const phone = '+15555550101';
    await seed(store, [prospect('p1', { phone })]);
    await store.putEnrollmentBatch({ prospects: [], enrollments: [], timeline: [], phoneHolders: [{ phone, prospectIds: ['p1'] }] });
    const holders = await db().client.send(new GetCommand({ TableName: tableName, Key: { pk: `S#${addressHash(phone)}`, sk: 'H' } }));
    expect(JSON.stringify(holders.Item)).not.toContain('5555550101');
    expect(holders.Item).toMatchObject({ prospectIds: ['p1'] });

    // A table kept from before holders items (as a `--data-dir` or a deployed one is) has no marker.
    await db().client.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'X#LAYOUT', sk: 'PHONE_HOLDERS' } }));
    expect((await store.getEnrollmentsAndSuppressions([], [], [], [phone])).phoneHoldersComplete).toBe(false);
    expect(await store.arePhoneHoldersComplete()).toBe(false);
    await store.markPhoneHoldersComplete();
    expect((await store.getEnrollmentsAndSuppressions([], [], [], [phone])).phoneHoldersComplete).toBe(true);
    expect(await store.arePhoneHoldersComplete()).toBe(true);
  });

  it('the request counter counts HTTP attempts (retries included) and send() calls separately', async () => {
    const { createServer } = await import('node:http');
    const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const failing = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'boom' }));
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const { port } = failing.address() as import('node:net').AddressInfo;
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
    });
    const counter = countDynamoDbRequests(client);
    try {
      await expect(
        client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
      ).rejects.toThrow();
      expect(counter.commands).toBe(1);
      expect(counter.requests).toBe(3);
      expect(counter.byOperation()).toEqual({ GetItem: 3 });
    } finally {
      counter.detach();
      client.destroy();
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('without address hashes (or after an address change) loadTouchContext costs one more read', async () => {
    const ann = prospect('p1');
    const e = enrollment('p1', 'welcome');
    await seed(store, [ann], [e]);
    const counter = countDynamoDbRequests(db().client);
    try {
      await store.loadTouchContext(messageFor(e));
      expect(counter.byOperation()).toEqual({ BatchGetItem: 2 });
    } finally {
      counter.detach();
    }
  });

  it('repairs a publish that crashed between the version and the pointer', async () => {
    await store.putSequenceVersion(sequence('welcome', 1));
    // The crash: version 2 written, pointer not.
    await db().client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: 'Q#welcome',
          sk: 'V#000002',
          entity: 'sequence-version',
          version: 2,
          body: JSON.stringify(sequence('welcome', 2)),
        },
      }),
    );
    expect((await store.listSequences()).map((s) => s.version)).toEqual([1]); // lagging pointer
    expect((await store.getCurrentSequence('welcome'))?.version).toBe(2); // truth, and repairs
    expect((await store.listSequences()).map((s) => s.version)).toEqual([2]);
    // The next publish goes on from there.
    expect(await store.putSequenceVersion(sequence('welcome', 2))).toBe('conflict');
    expect(await store.putSequenceVersion(sequence('welcome', 3))).toBe('ok');
    expect((await store.listSequences()).map((s) => s.version)).toEqual([3]);
  });

  it('a first publish that crashed before its pointer is repaired too', async () => {
    await db().client.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'Q#new', sk: 'V#000001', version: 1, body: JSON.stringify(sequence('new', 1)) },
      }),
    );
    expect(await store.listSequences()).toEqual([]);
    expect(await store.getCurrentSequence('new')).toEqual(sequence('new', 1));
    expect(await store.listSequences()).toEqual([sequence('new', 1)]);
  });

  it('lays items out as documented (functions/adapters/dynamodb/keys.ts)', async () => {
    const get = async (pk: string, sk: string) =>
      (await db().client.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
    const partition = async (pk: string) =>
      (
        await db().client.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
        )
      ).Items ?? [];
    const ann = prospect('p1', { phone: '+15555550101', firstName: 'Zoë', lastName: 'Ångström', company: '  Ærø   Shipping ' });
    await seed(store, [ann, prospect('p2', { firstName: undefined })], [enrollment('p1', 'welcome')], [event('p1', 1)]);
    await store.putSuppression(suppression('p1@example.com'));
    await store.putSequenceVersion(sequence('welcome', 7));
    await store.addToCounters({ sequenceId: 'welcome', deltas: { 'status.active': 1 }, at: new Date('2025-03-03T23:00:00Z') });
    await store.claimTouch(claimFor(enrollment('p1', 'welcome'), at(5)), new Date(T0));

    // The profile carries its index keys: no address pointer items, no plain address in a key.
    expect(await get('P#p1', 'PROFILE')).toMatchObject({
      entity: 'prospect',
      id: 'p1',
      emailKey: `A#${addressHash('p1@example.com')}`,
      phoneKey: `A#${addressHash('+15555550101')}`,
      nameKey: 'N#z',
      nameSort: 'zoe angstrom#p1',
      companyKey: 'N#æ',
      companySort: 'ærø shipping#p1',
    });
    expect((await partition('P#p1')).map((item) => String(item['sk']).replace(/#.*/, '#…'))).toEqual([
      'E#…',
      'PROFILE',
      'T#…',
    ]);
    // Sparse: no phone, no name, no company → no such index keys.
    const bare = await get('P#p2', 'PROFILE');
    expect(bare).toHaveProperty('emailKey');
    for (const attribute of ['phoneKey', 'nameKey', 'nameSort', 'companyKey', 'companySort']) expect(bare).not.toHaveProperty(attribute);

    expect(await get('P#p1', 'E#welcome')).toMatchObject({
      entity: 'enrollment',
      seqKey: 'Q#welcome',
      seqSort: `active#000#${at(60)}#p1`,
      claim: { run: 1, stepIndex: 0, leaseUntilMs: Date.parse(at(5)) },
    });
    expect((await get('P#p1', 'E#welcome'))?.['claim']).not.toHaveProperty('leaseUntil');
    // Its ids are its key, not attributes of their own.
    for (const attribute of ['id', 'prospectId', 'sequenceId']) expect(await get('P#p1', 'E#welcome')).not.toHaveProperty(attribute);
    expect(await get(`S#${addressHash('p1@example.com')}`, 'S')).toMatchObject({ address: 'p1@example.com' });
    expect(await get('Q#welcome', 'V#000007')).toMatchObject({ version: 7 });
    expect(await get('Q#welcome', 'V#CURRENT')).toMatchObject({ version: 7, listKey: 'SEQUENCES', listSort: 'welcome' });
    const counters = (await partition('Q#welcome')).filter((item) => String(item['sk']).startsWith('C#'));
    expect(counters).toHaveLength(1);
    expect(counters[0]).toEqual({ pk: 'Q#welcome', sk: expect.stringMatching(/^C#2025-03-03#[0-7]$/), 'status.active': 1 });
    const timeline = await store.listTimeline('p1');
    expect(timeline).toHaveLength(1);

    await store.acquireLease({ name: 'lane-3', owner: 'import-1', until: at(1) }, new Date(T0));
    expect(await get('L#lane-3', 'LEASE')).toEqual({
      pk: 'L#lane-3',
      sk: 'LEASE',
      owner: 'import-1',
      until: at(1),
      untilMs: Date.parse(at(1)),
      expiresAt: Date.parse(at(1)) / 1000 + 86_400,
    });
    await store.releaseLease('lane-3', 'import-1');
    expect(await get('L#lane-3', 'LEASE')).toBeUndefined();
  });

  it('moves the enrollment in the by-sequence index when its status changes, not when it advances within one', async () => {
    await seed(store, [prospect('p1')], [enrollment('p1', 'welcome')]);
    await store.advanceEnrollment({
      enrollmentId: 'p1.welcome',
      expected: { status: 'active', run: 1, stepIndex: 0 },
      next: { status: 'active', stepIndex: 12, nextTouchAt: at(900), pendingScheduleName: 's', updatedAt: at(1) },
    });
    const item = async () =>
      (await db().client.send(new GetCommand({ TableName: tableName, Key: { pk: 'P#p1', sk: 'E#welcome' } }))).Item;
    // Still where it became active: the index entry is updated in place (1 write unit, not a delete and a put).
    expect(await item()).toMatchObject({ seqSort: `active#000#${at(60)}#p1`, stepIndex: 12, nextTouchAt: at(900) });
    await store.advanceEnrollment({
      enrollmentId: 'p1.welcome',
      expected: { status: 'active', run: 1, stepIndex: 12 },
      next: { status: 'completed', stepIndex: 13, updatedAt: at(2), endedAt: at(2) },
    });
    expect(await item()).toMatchObject({ seqSort: 'completed#013#~#p1' });
    await store.restartEnrollment(enrollment('p1', 'welcome', { run: 2, nextTouchAt: at(3) }), 1);
    expect(await item()).toMatchObject({ seqSort: `active#000#${at(3)}#p1` });
  });

  describe('batch retries', () => {
    /** Answers the first batch request of each kind with half of it left unprocessed. */
    function flakyClient(real: DynamoDBDocumentClient) {
      const flaked = new Set<string>();
      const sent: string[] = [];
      const client = {
        async send(command: unknown) {
          if (command instanceof BatchWriteCommand && !flaked.has('write')) {
            flaked.add('write');
            sent.push('BatchWriteItem');
            const [table, all] = Object.entries(command.input.RequestItems ?? {})[0]!;
            const half = Math.ceil(all.length / 2);
            const out = await real.send(new BatchWriteCommand({ RequestItems: { [table]: all.slice(0, half) } }));
            return { ...out, UnprocessedItems: { [table]: all.slice(half) } };
          }
          if (command instanceof BatchGetCommand && !flaked.has('get')) {
            flaked.add('get');
            sent.push('BatchGetItem');
            const [table, request] = Object.entries(command.input.RequestItems ?? {})[0]!;
            const keys = request.Keys ?? [];
            const half = Math.ceil(keys.length / 2);
            const out = await real.send(
              new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: keys.slice(0, half) } } }),
            );
            return { ...out, UnprocessedKeys: { [table]: { ...request, Keys: keys.slice(half) } } };
          }
          if (command instanceof BatchGetCommand) sent.push('BatchGetItem');
          if (command instanceof BatchWriteCommand) sent.push('BatchWriteItem');
          return real.send(command as GetCommand);
        },
      };
      return { client: client as unknown as DynamoDBDocumentClient, sent };
    }

    it('retries UnprocessedItems and UnprocessedKeys until everything is done', async () => {
      const flaky = flakyClient(db().client);
      const retrying = new DynamoDbStore({ client: flaky.client, tableName, retryBaseDelayMs: 1 });
      const prospects = Array.from({ length: 10 }, (_, i) => prospect(`r${i}`));
      await retrying.putEnrollmentBatch({
        prospects,
        enrollments: prospects.map((p) => enrollment(p.id, 'welcome')),
        timeline: [],
      });
      const { enrollments } = await retrying.getEnrollmentsAndSuppressions(
        prospects.map((p) => `${p.id}.welcome`),
        [],
      );
      expect(enrollments.size).toBe(10);
      expect(await store.findProspectIdsByAddress('r9@example.com')).toEqual(['r9']);
      // The read above: the flaked request and the retry of its unprocessed half.
      expect(flaky.sent.filter((k) => k === 'BatchGetItem')).toHaveLength(2);
      // Profiles (10: one request, flaked, and its retry), then enrollments (10: one request).
      expect(flaky.sent.filter((k) => k === 'BatchWriteItem')).toHaveLength(3);
    });

    it('an erasure that fails half way keeps the profile, so a retry finds the prospect and finishes', async () => {
      const events = Array.from({ length: 40 }, (_, i) => ({ prospectId: 'e1', at: at(i), type: 'sent' as const, detail: `touch ${i}` }));
      await seed(store, [prospect('e1')], [enrollment('e1', 'welcome')]);
      await store.appendTimeline(events);
      // One delete request without the profile fails, once the others are done (a throttle
      // that outlasted the retries, a crash).
      let failed = false;
      const failing = {
        async send(command: unknown) {
          if (command instanceof BatchWriteCommand && !failed) {
            const sks = Object.values(command.input.RequestItems ?? {}).flat().map((request) => request.DeleteRequest?.Key?.['sk']);
            if (!sks.includes('PROFILE')) {
              failed = true;
              await new Promise((resolve) => setTimeout(resolve, 300));
              throw new Error('connection reset');
            }
          }
          return db().client.send(command as GetCommand);
        },
      } as unknown as DynamoDBDocumentClient;
      const crashing = new DynamoDbStore({ client: failing, tableName, retryBaseDelayMs: 1 });
      await expect(crashing.deleteProspectData('e1')).rejects.toThrow('connection reset');
      expect(await store.getProspect('e1')).toBeDefined();
      await store.deleteProspectData('e1');
      expect({ profile: await store.getProspect('e1'), timeline: await store.listTimeline('e1') }).toEqual({ profile: undefined, timeline: [] });
    });

    it('gives up with an error when items stay unprocessed', async () => {
      const stuck = {
        async send(command: { input: { RequestItems: Record<string, unknown> } }) {
          return { UnprocessedItems: command.input.RequestItems };
        },
      } as unknown as DynamoDBDocumentClient;
      const failing = new DynamoDbStore({ client: stuck, tableName, retryBaseDelayMs: 1, maxBatchRetries: 2 });
      await expect(failing.putEnrollmentBatch({ prospects: [prospect('p1')], enrollments: [], timeline: [] })).rejects.toThrow(
        /unprocessed after 3 attempts/,
      );
    });
  });
});
