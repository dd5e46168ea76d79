/**
 * A CPU profile of one stretch of a bench (V8's sampling profiler through node:inspector,
 * the same data `node --cpu-prof` writes), and the functions that spent the most time on
 * their own lines ("self time"), which is where per-call work hides.
 */
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `name (file:line)`, the file relative to the working directory. */
  location: string;
  ms: number;
  /** Of the whole profile. */
  share: number;
}

export interface CpuProfiler {
  /** Stops sampling, writes the `.cpuprofile` (Chrome DevTools and speedscope read it) and ranks self time. */
  stop(file: string, top?: number): Promise<SelfTime[]>;
}

export async function startCpuProfile(): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 250 µs instead of the default 1 ms: a touch is a few milliseconds of CPU.
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return {
    async stop(file, top = 5) {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      await writeFile(file, JSON.stringify(profile));
      return topSelfTimes(profile, top);
    },
  };
}

/** Self time summed per function (same name and place), biggest first; idle and GC-free program time included. */
export function topSelfTimes(profile: Profile, top: number): SelfTime[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byLocation = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(nodeId)?.callFrame;
    if (!frame) return;
    totalUs += delta;
    // Waiting for I/O is not CPU: leave it out of the ranking and of the total.
    if (frame.functionName === '(idle)') {
      totalUs -= delta;
      return;
    }
    const location = `${frame.functionName || '(anonymous)'} (${shortUrl(frame.url)}:${frame.lineNumber + 1})`;
    byLocation.set(location, (byLocation.get(location) ?? 0) + delta);
  });
  return [...byLocation]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([location, us]) => ({ location, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
}

function shortUrl(url: string): string {
  if (!url) return 'native';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}
