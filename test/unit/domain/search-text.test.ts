import { describe, expect, it } from 'vitest';
import { classifySearchQuery } from '../../../functions/domain/search-query.js';
import { firstCharacter, foldSearchText, searchKeyText } from '../../../functions/domain/search-text.js';

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
  it('reads an @ as an email, a valid number as a phone, anything else as a prefix', () => {
    expect(classifySearchQuery(' Ada@Example.COM ')).toEqual({ kind: 'email', email: 'ada@example.com' });
    expect(classifySearchQuery('(415) 555-0123', 'US')).toEqual({ kind: 'phone', phone: '+14155550123' });
    expect(classifySearchQuery('+44 20 7946 0958', 'US')).toEqual({ kind: 'phone', phone: '+442079460958' });
    expect(classifySearchQuery('020 7946 0958', 'GB')).toEqual({ kind: 'phone', phone: '+442079460958' });
    expect(classifySearchQuery('12345')).toEqual({ kind: 'text', text: '12345' });
    expect(classifySearchQuery('  Zoë Å ')).toEqual({ kind: 'text', text: 'zoe a' });
  });
});
