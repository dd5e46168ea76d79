/**
 * SMS segment counting, as carriers bill it.
 *
 * A body made only of GSM 03.38 characters is sent as GSM-7: 160 septets in one
 * segment, 153 per segment once split (the rest is the concatenation header).
 * Extension-table characters (€ ^ { } [ ] ~ | \ and form feed) take an escape
 * septet too, so they count 2 and are never split across two segments.
 * Anything else (emoji, curly quotes, most accents) switches the whole message to
 * UCS-2: 70 UTF-16 code units in one segment, 67 per segment once split, and a
 * surrogate pair (an emoji) is never split either.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** User-perceived characters (code points). */
  characters: number;
  /** What the limits count: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Characters that forced UCS-2 (distinct, in order of appearance); empty for GSM-7. */
  nonGsmCharacters: string[];
}

// GSM 03.38 basic character set (without the escape code itself).
const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
const GSM_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

const SINGLE = { 'GSM-7': 160, 'UCS-2': 70 } as const;
const MULTI = { 'GSM-7': 153, 'UCS-2': 67 } as const;

function isGsm(char: string): boolean {
  return GSM_BASIC.has(char) || GSM_EXTENSION.has(char);
}

export function countSmsSegments(body: string): SmsSegmentCount {
  const chars = Array.from(body);
  const nonGsm = [...new Set(chars.filter((c) => !isGsm(c)))];
  const encoding: SmsEncoding = nonGsm.length === 0 ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => (encoding === 'GSM-7' ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((sum, size) => sum + size, 0);

  let segments = 0;
  if (units > 0 && units <= SINGLE[encoding]) {
    segments = 1;
  } else if (units > 0) {
    // Greedy packing: a character that does not fit whole starts the next segment.
    let used = 0;
    segments = 1;
    for (const size of sizes) {
      if (used + size > MULTI[encoding]) {
        segments += 1;
        used = 0;
      }
      used += size;
    }
  }
  return { encoding, segments, characters: chars.length, units, nonGsmCharacters: nonGsm };
}
