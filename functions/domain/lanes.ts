/**
 * Enrollment lanes: every prospect hashes into one of 16 lanes, and whoever enrolls a
 * chunk of prospects holds its lane's lease from the read that decides their enrollments
 * to the write that stores them. Two imports of the same prospect (or of the same person
 * into two sequences: lanes ignore the sequence) therefore never interleave their
 * read-decide-write, and a single import never contends with itself because it works
 * through each lane's chunks one after the other. Pure.
 */

export const LANE_COUNT = 16;

/** FNV-1a over the id: stable across processes and versions, spread evenly over the lanes. */
export function laneOf(prospectId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < prospectId.length; i++) {
    hash ^= prospectId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % LANE_COUNT;
}

/** The name of a lane's lease (the store keys it `L#<name>`). */
export function laneLeaseName(lane: number): string {
  return `lane-${lane}`;
}

/**
 * Items sorted into their lanes, each lane cut into chunks of at most `chunkSize`, in
 * input order. Lanes without items are absent.
 */
export function chunksByLane<T>(items: readonly T[], prospectIdOf: (item: T) => string, chunkSize: number): Map<number, T[][]> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const lanes = new Map<number, T[][]>();
  for (const item of items) {
    const lane = laneOf(prospectIdOf(item));
    const chunks = lanes.get(lane) ?? [];
    const last = chunks[chunks.length - 1];
    if (last && last.length < chunkSize) last.push(item);
    else chunks.push([item]);
    lanes.set(lane, chunks);
  }
  return lanes;
}
