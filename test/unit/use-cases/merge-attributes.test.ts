/**
 * Collected fields merged into the profile (use-cases/merge-attributes.ts) under the lane an
 * import of the same person holds: the lane of the prospect's phone when it has one
 * (enroll-prospects.ts `laneKeyOf`), so an import never writes back a profile it read
 * before the merge.
 */
import { describe, expect, it } from 'vitest';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { mergeProspectAttributes } from '../../../functions/use-cases/merge-attributes.js';
import { InMemoryStore } from '../../fakes/in-memory-store.js';
import { ADA, createTestContext, enrollOne } from '../../fakes/test-context.js';

describe('mergeProspectAttributes', () => {
  it('an import of the same person (with a phone) writing its chunk meanwhile does not lose the merged fields', async () => {
    const store = new InMemoryStore();
    const t = await createTestContext({ store });
    const { prospectId } = await enrollOne(t, { ...ADA });
    // The import's write of what it read: the batch for a new enrollment, the profile alone for a row already enrolled.
    let merging: Promise<boolean> | undefined;
    const mergeMeanwhile = async () => {
      // A rep logs the call's outcome while the import is about to write what it read.
      merging ??= mergeProspectAttributes(t.ctx, prospectId, { budget: '50k' }, t.ctx.clock.now());
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const realBatch = store.putEnrollmentBatch.bind(store);
    store.putEnrollmentBatch = async (items) => {
      if (items.prospects.length > 0) await mergeMeanwhile();
      return realBatch(items);
    };
    const realPut = store.putProspect.bind(store);
    store.putProspect = async (prospect) => {
      if (prospect.company === 'Difference Engine Ltd') await mergeMeanwhile();
      return realPut(prospect);
    };
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, company: 'Difference Engine Ltd' } }] });
    await merging;
    const profile = await store.getProspect(prospectId);
    expect({ company: profile?.company, budget: profile?.attributes?.['budget'] }).toEqual({ company: 'Difference Engine Ltd', budget: '50k' });
  });

  it('merges into a prospect without a phone under its own lane', async () => {
    const t = await createTestContext();
    const [row] = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'solo@example.com' } }] });
    const prospectId = row && 'prospectId' in row ? row.prospectId : '';
    expect(await mergeProspectAttributes(t.ctx, prospectId, { budget: '10k' }, t.ctx.clock.now())).toBe(true);
    expect((await t.store.getProspect(prospectId))?.attributes).toMatchObject({ budget: '10k' });
  });
});
