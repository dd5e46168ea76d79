/** A streamed file's encoding, decided from its first bytes (domain/text-encoding.ts). */
import { describe, expect, it } from 'vitest';
import { decodeStream, SNIFF_BYTES } from '../../../functions/domain/text-encoding.js';

async function decode(bytes: Uint8Array, pieceSize = 3): Promise<{ text: string; encoding: string }> {
  async function* pieces() {
    for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.slice(i, i + pieceSize);
  }
  let text = '';
  let encoding = '';
  for await (const piece of decodeStream(pieces())) {
    text += piece.text;
    encoding = piece.encoding;
  }
  return { text, encoding };
}

describe('decodeStream', () => {
  it('reads UTF-16 LE and BE by their byte-order mark, UTF-8 with or without one, else Windows-1252', async () => {
    const text = 'email,name\nzoe@example.com,Zoë “Z” Ærø\n';
    expect(await decode(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual({ text, encoding: 'utf-16le' });
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(await decode(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toEqual({ text, encoding: 'utf-16be' });
    expect(await decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({ text, encoding: 'utf-8' });
    expect(await decode(Buffer.from(text))).toEqual({ text, encoding: 'utf-8' });
    // Excel's "CSV" on Windows: curly quotes are 0x93/0x94 in Windows-1252 (not Latin-1's control characters).
    const cp1252 = Buffer.from([...Buffer.from('Zo'), 0xeb, 0x20, 0x93, 0x5a, 0x94]);
    expect(await decode(cp1252)).toEqual({ text: 'Zoë “Z”', encoding: 'windows-1252' });
  });

  it('a multi-byte character cut by the pieces or by the sniffed bytes is read whole', async () => {
    const text = `${'a'.repeat(SNIFF_BYTES - 1)}ë${'b'.repeat(10)}`;
    expect(await decode(Buffer.from(text), 4096)).toEqual({ text, encoding: 'utf-8' });
  });

  it('a byte that is not UTF-8 after the sniffed start stops with an error naming where', async () => {
    const bytes = Buffer.concat([Buffer.from('a'.repeat(SNIFF_BYTES + 10)), Buffer.from([0xe9, 0x0a])]);
    await expect(decode(bytes, 8192)).rejects.toThrow(/not valid UTF-8 after byte 6\d{4}.*save it as UTF-8/);
  });
});

describe('Windows-1252 request bodies (the small route)', () => {
  it('reads Excel’s curly quotes, dashes and euro sign, not invisible control characters (Node 20 decodes them as Latin-1)', async () => {
    const { decodeBody } = await import('../../../functions/handlers/shared/body-encoding.js');
    const bytes = Buffer.from([0x93, 0x41, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35, 0x20, 0xe9]);
    expect(decodeBody(bytes, { fallback: 'windows-1252' })).toBe('“A” – €5 é');
    expect(decodeBody(bytes, { charset: 'windows-1252' })).toBe('“A” – €5 é');
  });
});
