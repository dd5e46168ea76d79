/** What a sending system accepts as an email address (our own cases; see email-address.ts). */
import { describe, expect, it } from 'vitest';
import { checkEmailAddress } from '../../../functions/domain/email-address.js';

const accepted = (value: string) => {
  const result = checkEmailAddress(value);
  return result.ok ? result.email : `rejected: ${result.problem}`;
};

describe('checkEmailAddress: accepted', () => {
  it.each([
    ['plain.name@example.com', 'plain.name@example.com'],
    ['  Mixed.Case@Example.COM ', 'mixed.case@example.com'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['tag+newsletter@example.org', 'tag+newsletter@example.org'],
    ['every!#$%&*+-/=?^_`{|}~char@example.net', 'every!#$%&*+-/=?^_`{|}~char@example.net'],
    ['a@b.co', 'a@b.co'],
    ['first.m.last@sub.domain.example.travel', 'first.m.last@sub.domain.example.travel'],
    ['hyphen@my-company.example', 'hyphen@my-company.example'],
    ['digits@123example.com', 'digits@123example.com'],
    ['punycode@xn--bcher-kva.de', 'punycode@xn--bcher-kva.de'],
    ['kept@XN--Some-Label.example', 'kept@xn--some-label.example'],
    ['unicode@bücher.de', 'unicode@xn--bcher-kva.de'],
    ['kanji@例え.jp', 'kanji@xn--r8jz45g.jp'],
    [`${'l'.repeat(64)}@example.com`, `${'l'.repeat(64)}@example.com`],
    [`max@${'d'.repeat(63)}.com`, `max@${'d'.repeat(63)}.com`],
  ])('%s', (input, expected) => {
    expect(accepted(input)).toBe(expected);
  });

  it('accepts an address of exactly 254 octets', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`;
    const address = `${'x'.repeat(254 - domain.length - 1)}@${domain}`;
    expect(address).toHaveLength(254);
    expect(accepted(address)).toBe(address);
  });
});

describe('checkEmailAddress: rejected, with the reason', () => {
  it.each([
    ['', 'is empty'],
    ['no-at-sign.example.com', 'has no "@"'],
    ['@example.com', 'has nothing before the "@"'],
    ['someone@', 'has no domain after the "@"'],
    ['two words@example.com', 'contains spaces or control characters'],
    ['tab\there@example.com', 'contains spaces or control characters'],
    ['nul\u0000@example.com', 'contains spaces or control characters'],
    ['zero\u200bwidth@example.com', 'contains spaces or control characters'],
    ['.leading@example.com', 'has a dot at the start or end of the local part, or two dots in a row'],
    ['trailing.@example.com', 'has a dot at the start or end of the local part, or two dots in a row'],
    ['dou..ble@example.com', 'has a dot at the start or end of the local part, or two dots in a row'],
    ['"quoted local"@example.com', 'has a quoted local part, which this system does not send to'],
    ['angle<bracket>@example.com', "has a character not allowed before the \"@\" (allowed: letters, digits and !#$%&'*+-/=?^_`{|}~.)"],
    ['a(comment)@example.com', "has a character not allowed before the \"@\" (allowed: letters, digits and !#$%&'*+-/=?^_`{|}~.)"],
    ['josé@example.com', 'has non-ASCII characters before the "@", which SES cannot send to'],
    ['ip@[192.0.2.1]', 'has an IP address as its domain, which this system does not send to'],
    ['dotless@localhost', 'has a domain without a dot (e.g. example.com)'],
    ['numeric@192.0.2.1', 'has a domain that ends in a number, not a top-level domain'],
    ['hyphen@-start.example.com', 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens'],
    ['hyphen@end-.example.com', 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens'],
    ['under@score_domain.com', 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens'],
    ['empty@label..com', 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens'],
    ['trailing@dot.com.', 'has a domain label that is empty, starts or ends with a hyphen, or holds characters other than letters, digits and hyphens'],
    ['two@at@example.com', "has a character not allowed before the \"@\" (allowed: letters, digits and !#$%&'*+-/=?^_`{|}~.)"],
    [`${'l'.repeat(65)}@example.com`, 'has a local part of 65 characters (at most 64)'],
    [`long@${'d'.repeat(64)}.com`, 'has a domain label of 64 characters (at most 63)'],
    [`long@${`${'d'.repeat(60)}.`.repeat(5)}com`, 'has a domain of 308 characters (at most 253)'],
  ])('%j', (input, problem) => {
    expect(checkEmailAddress(input)).toEqual({ ok: false, problem });
  });

  it('rejects an address of 255 octets, and a 10,000-character one without scanning it', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.com`;
    expect(checkEmailAddress(`${'x'.repeat(255 - domain.length - 1)}@${domain}`)).toEqual({
      ok: false,
      problem: 'is 255 characters long (at most 254)',
    });
    expect(checkEmailAddress(`${'a'.repeat(10_000)}@example.com`)).toEqual({
      ok: false,
      problem: 'is 10012 bytes long; an address has at most 254',
    });
  });
});
