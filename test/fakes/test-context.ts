/**
 * Builds a use-case context over in-memory fakes with the example sequence
 * (templates/inbound-lead-follow-up) published, ready to enroll prospects.
 *
 *   const { ctx, store, scheduler, email, sms, clock } = await createTestContext();
 *
 * `store` is the raw InMemoryStore (for assertions and test helpers such as peekClaim);
 * `ctx.store` is the same store, wrapped with artificial latency when `storeLatency` is set.
 */
import { fileURLToPath } from 'node:url';
import { loadSequenceFromDirectory } from '../../functions/adapters/sequence-files.js';
import type { CompiledSequence } from '../../functions/domain/sequence-definition.js';
import type { PublishedSequence } from '../../functions/domain/sequence.js';
import type { Logger } from '../../functions/ports.js';
import { libphonenumberTimeZones } from '../../functions/adapters/phone-time-zones.js';
import type { EnrollingContext, SendingContext, UseCaseSettings } from '../../functions/use-cases/context.js';
import { enrollProspects } from '../../functions/use-cases/enroll-prospects.js';
import { publishSequence } from '../../functions/use-cases/publish-sequence.js';
import { FakeClock } from './clock.js';
import { withLatency, type Latency } from './delay.js';
import { InMemoryStore } from './in-memory-store.js';
import { silentLogger } from './logger.js';
import { RecordingScheduler } from './scheduler.js';
import { FakeEmailSender, FakeSmsSender, FakeVoiceCaller } from './senders.js';

export const EXAMPLE_SEQUENCE_DIR = fileURLToPath(new URL('../../templates/inbound-lead-follow-up/', import.meta.url));
export const EXAMPLE_SEQUENCE_ID = 'inbound-lead-follow-up';

/** Monday 2 June 2025, 10:00 in New York (the example sequence's default zone): inside every window. */
export const MONDAY_10AM_NEW_YORK = '2025-06-02T14:00:00.000Z';

export const TEST_SETTINGS: UseCaseSettings = {
  publicUrl: 'https://followup.test',
  signingSecret: 'test-signing-secret-0123456789-abcdefghijklmnop',
  defaultPhoneRegion: 'US',
  claimLeaseSeconds: 300,
  replyDomain: 'reply.followup.test',
};

let example: Promise<CompiledSequence> | undefined;

/** The compiled example sequence (read once per test file). */
export function loadExampleSequence(): Promise<CompiledSequence> {
  example ??= loadSequenceFromDirectory(EXAMPLE_SEQUENCE_DIR);
  return example.then((s) => structuredClone(s));
}

export interface TestContextOptions {
  now?: Date | string;
  /** The sequence to publish; default the example. Use `tweak` to change a copy of the example instead. */
  sequence?: CompiledSequence;
  /** Changes a copy of the example (or `sequence`) before it is published. */
  tweak?: (sequence: CompiledSequence) => void;
  settings?: Partial<UseCaseSettings>;
  logger?: Logger;
  emailLatency?: Latency;
  smsLatency?: Latency;
  schedulerLatency?: Latency;
  storeLatency?: Latency;
  /** A store to use instead of a fresh InMemoryStore (e.g. an instrumented subclass). */
  store?: InMemoryStore;
}

export interface TestContext {
  /** Every port a use case may need; phone → zone lookups use the real (local, read-only) map. */
  ctx: SendingContext & EnrollingContext;
  store: InMemoryStore;
  scheduler: RecordingScheduler;
  email: FakeEmailSender;
  sms: FakeSmsSender;
  voice: FakeVoiceCaller;
  clock: FakeClock;
  sequence: PublishedSequence;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const clock = new FakeClock(options.now ?? MONDAY_10AM_NEW_YORK);
  const store = options.store ?? new InMemoryStore();
  const scheduler = new RecordingScheduler(clock, options.schedulerLatency !== undefined ? { latency: options.schedulerLatency } : {});
  const email = new FakeEmailSender(options.emailLatency !== undefined ? { latency: options.emailLatency } : {});
  const sms = new FakeSmsSender(options.smsLatency !== undefined ? { latency: options.smsLatency } : {});
  const voice = new FakeVoiceCaller();
  const ctx: SendingContext & EnrollingContext = {
    phoneTimeZones: libphonenumberTimeZones(),
    store: options.storeLatency !== undefined ? withLatency(store, options.storeLatency) : store,
    scheduler,
    clock,
    logger: options.logger ?? silentLogger,
    settings: { ...TEST_SETTINGS, ...options.settings },
    sequenceCache: new Map(),
    email,
    sms,
    voice,
  };
  const compiled = options.sequence ? structuredClone(options.sequence) : await loadExampleSequence();
  options.tweak?.(compiled);
  const { sequence } = await publishSequence(ctx, compiled);
  store.resetCalls();
  return { ctx, store, scheduler, email, sms, voice, clock, sequence };
}

/** A prospect in New York with both channels. */
export const ADA = {
  email: 'ada@example.com',
  phone: '+14155550123',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Analytical Engines',
  timezone: 'America/New_York',
  attributes: { industry: 'logistics' },
} as const;

/** Enrolls one prospect into the published sequence and returns its ids; throws unless enrolled. */
export async function enrollOne(
  t: Pick<TestContext, 'ctx' | 'sequence'>,
  data: Record<string, unknown> = { ...ADA },
  options: { reenroll?: boolean } = {},
): Promise<{ enrollmentId: string; prospectId: string }> {
  const [result] = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data }], ...options });
  if (result?.status !== 'enrolled') throw new Error(`expected enrolled, got ${JSON.stringify(result)}`);
  return { enrollmentId: result.enrollmentId, prospectId: result.prospectId };
}
