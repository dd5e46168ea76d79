/**
 * A sequence's published versions (`GET /sequences/{id}/versions`), with how many runs
 * were enrolled on each (counter `version.<n>.enrolled`), and one version as published
 * (`…/versions/{version}`: its definition and templates, to export back to files).
 */
import { counterKeys } from '../domain/enrollment.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { SequenceNotFoundError, SequenceVersionNotFoundError, loadSequenceVersion, type UseCaseContext } from './context.js';

export interface VersionListItem {
  version: number;
  publishedAt: string;
  hash: string;
  enrollments?: number;
}

export async function listSequenceVersions(ctx: UseCaseContext, sequenceId: string): Promise<{ items: VersionListItem[] }> {
  const [versions, counters] = await Promise.all([ctx.store.listSequenceVersions(sequenceId), ctx.store.getCounters(sequenceId)]);
  if (versions.length === 0) throw new SequenceNotFoundError(sequenceId);
  return {
    items: versions.map((v) => {
      const enrolled = counters[counterKeys.versionEnrolled(v.version)];
      return { ...v, ...(enrolled !== undefined ? { enrollments: Math.max(0, enrolled) } : {}) };
    }),
  };
}

export async function getSequenceVersion(ctx: UseCaseContext, sequenceId: string, version: number): Promise<PublishedSequence> {
  const found = await loadSequenceVersion(ctx, sequenceId, version);
  if (!found) {
    if (!(await ctx.store.getCurrentSequence(sequenceId))) throw new SequenceNotFoundError(sequenceId);
    throw new SequenceVersionNotFoundError(sequenceId, version);
  }
  return found;
}
