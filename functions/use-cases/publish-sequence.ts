/**
 * Publishes a validated sequence as a new immutable version. Publishing the same content
 * again is a no-op, so loading `templates/` at every start creates no new versions.
 * Enrollments keep the version they started with.
 */
import { markPhoneHoldersIfNothingStored } from './backfill-phone-holders.js';
import type { PublishedSequence } from '../domain/sequence.js';
import type { UseCaseContext } from './context.js';

export type CompiledSequence = Omit<PublishedSequence, 'version' | 'publishedAt'>;

const MAX_ATTEMPTS = 5;

export async function publishSequence(
  ctx: UseCaseContext,
  compiled: CompiledSequence,
): Promise<{ sequence: PublishedSequence; created: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.getCurrentSequence(compiled.id);
    if (current && current.hash === compiled.hash) return { sequence: current, created: false };
    if (!current && attempt === 1) await markPhoneHoldersIfNothingStored(ctx);
    const sequence: PublishedSequence = {
      ...compiled,
      version: (current?.version ?? 0) + 1,
      publishedAt: ctx.clock.now().toISOString(),
    };
    if ((await ctx.store.putSequenceVersion(sequence)) === 'ok') {
      ctx.logger.info('sequence published', { sequenceId: sequence.id, version: sequence.version });
      return { sequence, created: true };
    }
    // Someone else published that version number first: look again.
    if (attempt >= MAX_ATTEMPTS) throw new Error(`could not publish ${compiled.id}: concurrent publishes`);
  }
}
