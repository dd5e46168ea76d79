/**
 * What a prospect search asks for: an exact email (the query has an `@`), an exact phone
 * (the query reads as a valid number), or a prefix of a name or company. Addresses are
 * normalised exactly as an import normalises them, so a search finds what was imported.
 *
 * Loaded only by a search: phone parsing pulls in libphonenumber's metadata.
 */
import { normalizeEmail, normalizePhone } from './prospect-input.js';
import { foldSearchText, searchKeyText } from './search-text.js';

export type SearchQuery =
  | { kind: 'email'; email: string }
  | { kind: 'phone'; phone: string }
  | { kind: 'text'; text: string };

/** Digits and the punctuation people write numbers with; at least 6 digits. */
const PHONE_LIKE = /^\+?[\d\s().-]+$/;

export function classifySearchQuery(q: string, phoneRegion = 'US'): SearchQuery {
  const trimmed = q.trim();
  if (trimmed.includes('@')) return { kind: 'email', email: normalizeEmail(trimmed) ?? trimmed.toLowerCase() };
  if (PHONE_LIKE.test(trimmed) && trimmed.replace(/\D/g, '').length >= 6) {
    const phone = normalizePhone(trimmed, phoneRegion);
    if (phone) return { kind: 'phone', phone };
  }
  return { kind: 'text', text: searchKeyText(foldSearchText(trimmed)) };
}
