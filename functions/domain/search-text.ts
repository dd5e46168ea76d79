/**
 * Text as search compares it: case- and accent-insensitive ("Zoë Müller" finds "zoe
 * muller"). The store keys its by-name and by-company indexes with it, and folds the
 * query the same way, so there is exactly one definition. Pure, no dependencies (the
 * store imports it in every bundle).
 */

/** Longest folded text kept in an index key (an index sort key holds at most 1,024 bytes). */
const MAX_KEY_CHARACTERS = 200;

/** NFKD, diacritics removed, lower-case, whitespace collapsed and trimmed. */
export function foldSearchText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The folded text an index key holds: at most 200 characters, so any name fits a key. */
export function searchKeyText(text: string): string {
  const characters = Array.from(foldSearchText(text));
  return characters.slice(0, MAX_KEY_CHARACTERS).join('').trimEnd();
}

/** The first character (code point) of a folded text: the index partition it falls in. */
export function firstCharacter(folded: string): string | undefined {
  return Array.from(folded)[0];
}
