/**
 * A search query as the user typed it, made ready for the store: a phone number written
 * the local way ("(415) 555-0123") becomes E.164 exactly as an import normalises it, so a
 * search finds what was imported. Call it before `Store.searchProspects`.
 *
 * Separate from search-text.ts on purpose: phone parsing pulls in libphonenumber's
 * metadata, which only the API needs, not every function that uses the store.
 */
import { normalizePhone } from './prospect-input.js';
import { looksLikePhone } from './search-text.js';

export function normalizeSearchQuery(q: string, phoneRegion: string): string {
  const trimmed = q.trim();
  if (trimmed.includes('@') || !looksLikePhone(trimmed)) return trimmed;
  return normalizePhone(trimmed, phoneRegion) ?? trimmed;
}
