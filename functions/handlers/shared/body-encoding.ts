/**
 * Request bodies arrive as bytes; this decides which characters they are.
 *
 * An explicit `charset=` parameter of the content type wins (an unknown one is a 400
 * naming it, bytes that are not valid in it too). Without one: a UTF-16 (LE/BE) or UTF-8
 * byte-order mark decides; else bytes that are valid UTF-8 are UTF-8; else, for CSV, the
 * bytes are Windows-1252, which is what Excel writes on Windows ("Save as CSV"), never
 * U+FFFD replacement characters. JSON is UTF-8 by definition (RFC 8259), so JSON bytes
 * that are not valid UTF-8 are refused instead of guessed.
 */
import { HttpError } from './http.js';
import { decodeWindows1252 } from '../../domain/text-encoding.js';

export interface DecodeOptions {
  /** The `charset` parameter of the content type, if any. */
  charset?: string;
  /** What to assume for bytes that are not valid UTF-8 (undefined: refuse them). */
  fallback?: 'windows-1252';
}

/** `text/csv; charset=windows-1252` → `{ type: 'text/csv', charset: 'windows-1252' }`. */
export function parseContentType(value: string | undefined): { type: string; charset?: string } {
  const [type = '', ...parameters] = (value ?? '').split(';');
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name, ...rest] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset') charset = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), ...(charset ? { charset } : {}) };
}

export function decodeBody(bytes: Uint8Array, options: DecodeOptions = {}): string {
  if (options.charset) return decodeAs(bytes, options.charset);
  if (startsWith(bytes, [0xff, 0xfe])) return decodeAs(bytes, 'utf-16le');
  if (startsWith(bytes, [0xfe, 0xff])) return decodeAs(bytes, 'utf-16be');
  try {
    // fatal: invalid sequences throw instead of becoming U+FFFD; the BOM is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    if (options.fallback) return decodeWindows1252(bytes);
    throw new HttpError(400, 'request body is not valid UTF-8; send UTF-8 (or say charset=… in the content type)');
  }
}

function decodeAs(bytes: Uint8Array, charset: string): string {
  if (/^(windows-1252|cp1252|x-cp1252)$/i.test(charset.trim())) return decodeWindows1252(bytes);
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new HttpError(
      400,
      `unsupported charset "${charset.slice(0, 40)}" in the content type; use utf-8, utf-16le, utf-16be or windows-1252`,
    );
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new HttpError(400, `request body is not valid ${decoder.encoding} (the charset the content type names)`);
  }
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}
