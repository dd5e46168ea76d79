/**
 * Which characters a CSV's bytes are, decided the way `POST /sequences/{id}/enrollments`
 * decides for a body without a charset (handlers/shared/body-encoding.ts): a UTF-16 (LE/BE)
 * byte-order mark decides; else bytes that are valid UTF-8 are UTF-8 (a UTF-8 BOM is
 * dropped); else Windows-1252, which is what Excel writes on Windows ("Save as CSV").
 *
 * A streamed file is decided from its first bytes (`SNIFF_BYTES`), since the rest has not
 * arrived yet: a file whose first 64 KB are valid UTF-8 is read as UTF-8, and a byte that
 * is not valid UTF-8 further on stops the import there with an error naming its offset
 * (what was enrolled before it stays), never U+FFFD replacement characters in names.
 */

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** How many leading bytes decide a streamed file's encoding. */
export const SNIFF_BYTES = 64 * 1024;

/** The encoding of bytes that start a file (`complete`: these are all of it). */
export function detectEncoding(bytes: Uint8Array, complete: boolean): CsvEncoding {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    // stream: a multi-byte character cut by the end of the sniffed bytes is not an error.
    decoder.decode(bytes, { stream: !complete });
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * Windows-1252's bytes 0x80–0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ);
 * the five it leaves undefined stay the C1 controls, as the WHATWG encoding standard says.
 * Written out because Node 20's TextDecoder('windows-1252') decodes these bytes as
 * Latin-1's invisible control characters, so Excel's curly quotes and dashes vanished.
 */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Decodes Windows-1252 bytes (every byte is one character, so a stream needs no state). */
export function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    const part = bytes.subarray(start, start + 8192);
    const codes = new Array<number>(part.length);
    for (let i = 0; i < part.length; i++) {
      const byte = part[i] as number;
      codes[i] = byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH.charCodeAt(byte - 0x80) : byte;
    }
    text += String.fromCharCode(...codes);
  }
  return text;
}

export class TextEncodingError extends Error {
  override name = 'TextEncodingError';
}

/**
 * Decodes a byte stream piece by piece: the first `SNIFF_BYTES` (or the whole stream, if
 * shorter) decide the encoding, then every piece is decoded as it comes.
 */
export async function* decodeStream(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<{ text: string; bytesRead: number; encoding: CsvEncoding }> {
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let encoding: CsvEncoding = 'utf-8';
  let bytesRead = 0;
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    if (encoding === 'windows-1252') return decodeWindows1252(bytes);
    try {
      return (decoder as InstanceType<typeof TextDecoder>).decode(bytes, { stream });
    } catch {
      throw new TextEncodingError(
        `the file is not valid UTF-8 after byte ${bytesRead - bytes.length} (its first ${SNIFF_BYTES / 1024} KB were, so it was read as UTF-8); save it as UTF-8 and import the rest again`,
      );
    }
  };
  const start = (complete: boolean) => {
    const bytes = concat(head, headBytes);
    encoding = detectEncoding(bytes, complete);
    // fatal for UTF-8 only: UTF-16 is what its mark says (Windows-1252 has its own decoder).
    decoder = new TextDecoder(encoding === 'windows-1252' ? 'utf-8' : encoding, { fatal: encoding === 'utf-8' });
    return bytes;
  };
  for await (const piece of pieces) {
    bytesRead += piece.length;
    if (!decoder) {
      head.push(piece);
      headBytes += piece.length;
      if (headBytes < SNIFF_BYTES) continue;
      const bytes = start(false);
      yield { text: decode(bytes, true), bytesRead, encoding };
      continue;
    }
    yield { text: decode(piece, true), bytesRead, encoding };
  }
  if (!decoder) {
    const bytes = start(true);
    yield { text: decode(bytes, false), bytesRead, encoding };
    return;
  }
  yield { text: decode(new Uint8Array(0), false), bytesRead, encoding };
}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
