import { describe, expect, it } from 'vitest';
import { normalizeSearchQuery } from '../../../functions/domain/search-query.js';
import { classifySearch, firstCharacter, foldSearchText, searchKeyText } from '../../../functions/domain/search-text.js';

describe('search text', () => {
  it('folds case, accents, compatibility forms and whitespace', () => {
    expect(foldSearchText('  Zoë   Ångström\t')).toBe('zoe angstrom');
    expect(foldSearchText('José Núñez')).toBe('jose nunez');
    expect(foldSearchText('Ｆｕｌｌｗｉｄｔｈ')).toBe('fullwidth');
    expect(foldSearchText('ﬁne')).toBe('fine');
    expect(foldSearchText('Ærø Shipping')).toBe('ærø shipping');
    expect(foldSearchText('MÜLLER')).toBe(foldSearchText('muller'));
  });

  it('keeps an index key short enough for any name, and finds its first character', () => {
    expect(Array.from(searchKeyText('ﷺ'.repeat(100))).length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(searchKeyText('𝒜'.repeat(500)))).toBeLessThanOrEqual(800);
    expect(firstCharacter(searchKeyText('𝒜da'))).toBe('a');
    expect(firstCharacter('')).toBeUndefined();
  });
});

describe('search queries', () => {
  it('reads an @ as an email, an international number as a phone, anything else as a prefix', () => {
    expect(classifySearch(' Ada@Example.COM ')).toEqual({ kind: 'email', email: 'ada@example.com' });
    expect(classifySearch('+1 (415) 555-0123')).toEqual({ kind: 'phone', phone: '+14155550123' });
    expect(classifySearch('12345')).toEqual({ kind: 'text', text: '12345' });
    expect(classifySearch('(415) 555-0123')).toEqual({ kind: 'text', text: '(415) 555-0123' });
    expect(classifySearch('  Zoë Å ')).toEqual({ kind: 'text', text: 'zoe a' });
  });

  it('normalises a number written the local way as an import would, and leaves the rest', () => {
    expect(normalizeSearchQuery('(415) 555-0123', 'US')).toBe('+14155550123');
    expect(normalizeSearchQuery('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(classifySearch(normalizeSearchQuery('020 7946 0958', 'GB'))).toEqual({ kind: 'phone', phone: '+442079460958' });
    expect(normalizeSearchQuery(' Ada Love ', 'US')).toBe('Ada Love');
    expect(normalizeSearchQuery('12345', 'US')).toBe('12345');
  });
});
