/** Every sequence at its current version. */
import type { PublishedSequence } from '../domain/sequence.js';
import { SequenceNotFoundError, type UseCaseContext } from './context.js';

export async function listSequences(ctx: UseCaseContext): Promise<PublishedSequence[]> {
  const sequences = await ctx.store.listSequences();
  return sequences.sort((a, b) => a.id.localeCompare(b.id));
}

export async function getSequence(ctx: UseCaseContext, sequenceId: string): Promise<PublishedSequence> {
  const sequence = await ctx.store.getCurrentSequence(sequenceId);
  if (!sequence) throw new SequenceNotFoundError(sequenceId);
  return sequence;
}
