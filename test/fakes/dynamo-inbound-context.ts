/**
 * Like `createTestContext` (test-context.ts), but over the real DynamoDbStore on a
 * dynalite table, for handler-level tests of the inbound paths: the example sequence is
 * published, senders/scheduler/clock are the usual fakes.
 */
import { DynamoDbStore } from '../../functions/adapters/dynamodb-store.js';
import type { PublishedSequence } from '../../functions/domain/sequence.js';
import type { CompiledSequence } from '../../functions/domain/sequence-definition.js';
import type { Logger } from '../../functions/ports.js';
import { libphonenumberTimeZones } from '../../functions/adapters/phone-time-zones.js';
import type { EnrollingContext, SendingContext, UseCaseSettings } from '../../functions/use-cases/context.js';
import { publishSequence } from '../../functions/use-cases/publish-sequence.js';
import type { RunningDynalite } from '../support/dynalite.js';
import { FakeClock } from './clock.js';
import { silentLogger } from './logger.js';
import { RecordingScheduler } from './scheduler.js';
import { FakeEmailSender, FakeSmsSender, FakeVoiceCaller } from './senders.js';
import { loadExampleSequence, MONDAY_10AM_NEW_YORK, TEST_SETTINGS } from './test-context.js';

export interface DynamoInboundContext {
  ctx: SendingContext & EnrollingContext;
  store: DynamoDbStore;
  scheduler: RecordingScheduler;
  email: FakeEmailSender;
  sms: FakeSmsSender;
  voice: FakeVoiceCaller;
  clock: FakeClock;
  sequence: PublishedSequence;
  /** The table this context's store writes to (a fresh one per context). */
  tableName: string;
}

let tables = 0;

export async function createDynamoInboundContext(
  db: RunningDynalite,
  options: { now?: string; settings?: Partial<UseCaseSettings>; logger?: Logger; tweak?: (sequence: CompiledSequence) => void } = {},
): Promise<DynamoInboundContext> {
  const tableName = `inbound-${process.pid}-${++tables}`;
  await db.createTable(tableName);
  const store = new DynamoDbStore({ client: db.client, tableName });
  const clock = new FakeClock(options.now ?? MONDAY_10AM_NEW_YORK);
  const scheduler = new RecordingScheduler(clock);
  const email = new FakeEmailSender();
  const sms = new FakeSmsSender();
  const voice = new FakeVoiceCaller();
  const ctx: SendingContext & EnrollingContext = {
    phoneTimeZones: libphonenumberTimeZones(),
    store,
    scheduler,
    clock,
    logger: options.logger ?? silentLogger,
    settings: { ...TEST_SETTINGS, ...options.settings },
    sequenceCache: new Map(),
    email,
    sms,
    voice,
  };
  const compiled = await loadExampleSequence();
  options.tweak?.(compiled);
  const { sequence } = await publishSequence(ctx, compiled);
  return { ctx, store, scheduler, email, sms, voice, clock, sequence, tableName };
}
