/** With `--data-dir`, the virtual clock carries on where it stopped instead of jumping back. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function loadClockState(dataDir: string): Promise<Date | undefined> {
  try {
    const { now } = JSON.parse(await readFile(join(dataDir, 'clock.json'), 'utf8')) as { now?: string };
    const at = now ? new Date(now) : undefined;
    // A clock that was behind real time simply catches up to it.
    return at && !Number.isNaN(at.getTime()) && at.getTime() > Date.now() ? at : undefined;
  } catch {
    return undefined;
  }
}

export async function saveClockState(dataDir: string, now: Date): Promise<void> {
  await writeFile(join(dataDir, 'clock.json'), JSON.stringify({ now: now.toISOString() }));
}
