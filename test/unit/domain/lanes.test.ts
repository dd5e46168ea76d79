import { describe, expect, it } from 'vitest';
import { chunksByLane, LANE_COUNT, laneOf } from '../../../functions/domain/lanes.js';
import { prospectIdFor } from '../../../functions/domain/prospect-input.js';

describe('enrollment lanes', () => {
  it('puts a prospect in the same lane every time, and spreads prospects over all lanes', () => {
    const ids = Array.from({ length: 1_600 }, (_, i) => prospectIdFor({ email: `lead${i}@example.com` }));
    expect(ids.map(laneOf)).toEqual(ids.map(laneOf));
    const perLane = new Map<number, number>();
    for (const id of ids) perLane.set(laneOf(id), (perLane.get(laneOf(id)) ?? 0) + 1);
    expect([...perLane.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: LANE_COUNT }, (_, i) => i));
    // About 100 each: no lane gets twice its share.
    for (const count of perLane.values()) expect(count).toBeGreaterThan(50);
    for (const count of perLane.values()) expect(count).toBeLessThan(200);
  });

  it('cuts each lane into chunks in input order; every item once', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `p_${i.toString(16).padStart(24, '0')}`);
    const lanes = chunksByLane(ids, (id) => id, 7);
    const all = [...lanes.values()].flat(2);
    expect(all.sort()).toEqual([...ids].sort());
    for (const [lane, chunks] of lanes) {
      expect(chunks.flat().every((id) => laneOf(id) === lane)).toBe(true);
      expect(chunks.slice(0, -1).every((chunk) => chunk.length === 7)).toBe(true);
      const flat = chunks.flat();
      expect(flat).toEqual(ids.filter((id) => laneOf(id) === lane));
    }
    expect(() => chunksByLane(ids, (id) => id, 0)).toThrow(RangeError);
  });
});
