/**
 * The reversible encoding of our email tag values (ids) into SES's tag charset. Apart
 * from the SES sender so the SES events handler can decode tags without loading the
 * SES client.
 */

/**
 * Encodes a tag value into SES's charset, reversibly: `_` becomes `__` and any other
 * byte outside `[A-Za-z0-9-]` becomes `_` plus two upper-case hex digits of its UTF-8
 * byte. So `p_8f3k.intro-sequence` travels as `p__8f3k_2Eintro-sequence`, and the
 * events handler gets the original back with `decodeEmailTagValue`. Ids stay readable
 * in the SES console, which plain base64 would not.
 */
export function encodeEmailTagValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (char === '_') out += '__';
    else if (/[A-Za-z0-9-]/.test(char)) out += char;
    else out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // SES rejects empty values; `_` alone is not a valid escape so it cannot be confused with data.
  return out.length === 0 ? '_' : out;
}

/** Reverses `encodeEmailTagValue`; returns `undefined` for a value that is not a valid encoding. */
export function decodeEmailTagValue(encoded: string): string | undefined {
  if (encoded === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i] as string;
    if (char !== '_') {
      if (!/[A-Za-z0-9-]/.test(char)) return undefined;
      bytes.push(char.charCodeAt(0));
      continue;
    }
    if (encoded[i + 1] === '_') {
      bytes.push(0x5f);
      i += 1;
      continue;
    }
    const hex = encoded.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}
