/**
 * Text as search compares it: case- and accent-insensitive ("Zoë Müller" finds "zoe
 * muller"). The store keys its by-name and by-company indexes with it, and folds the
 * query the same way, so there is exactly one definition. Also what a query asks for
 * (`classifySearch`). Pure, no dependencies (the store imports it in every bundle; phone
 * numbers written the local way are normalised beforehand by search-query.ts).
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

/** Digits and the punctuation people write numbers with, at least 6 digits. */
export function looksLikePhone(text: string): boolean {
  return /^\+?[\d\s().-]+$/.test(text) && text.replace(/\D/g, '').length >= 6;
}

export type SearchQuery =
  | { kind: 'email'; email: string }
  | { kind: 'phone'; phone: string }
  | { kind: 'text'; text: string };

/**
 * What a search asks for: an exact email (it has an `@`; compared lower-case), an exact
 * phone (international format: `+` and 7 to 15 digits, spaces, dots, dashes and
 * parentheses ignored), or else a prefix of a name or company (folded).
 */
export function classifySearch(q: string): SearchQuery {
  const trimmed = q.trim();
  if (trimmed.includes('@')) return { kind: 'email', email: trimmed.toLowerCase() };
  const compact = trimmed.replace(/[\s().-]/g, '');
  if (/^\+\d{7,15}$/.test(compact)) return { kind: 'phone', phone: compact };
  return { kind: 'text', text: searchKeyText(trimmed) };
}
