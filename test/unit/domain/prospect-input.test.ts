import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  addressHash,
  inferredZone,
  normalizeProspectInput,
  prospectIdFor,
} from '../../../functions/domain/prospect-input.js';
import { parseColumnMapping } from '../../../functions/domain/prospect-columns.js';

const US = { defaultPhoneRegion: 'US' };

describe('normalizeProspectInput', () => {
  it('normalises a JSON prospect: email lower-cased, phone to E.164, attributes to strings', () => {
    expect(
      normalizeProspectInput(
        {
          email: '  Maya.Okafor@Example.COM ',
          phone: '(202) 555-0143',
          firstName: ' Maya ',
          lastName: 'Okafor',
          company: 'Brightline Freight',
          timezone: 'america/chicago',
          attributes: { industry: 'logistics', seats: 40, pilot: true, empty: '' },
        },
        US,
      ),
    ).toEqual({
      ok: true,
      warnings: [],
      value: {
        email: 'maya.okafor@example.com',
        phone: '+12025550143',
        firstName: 'Maya',
        lastName: 'Okafor',
        company: 'Brightline Freight',
        timezone: 'America/Chicago',
        timezoneSource: 'given',
        attributes: { industry: 'logistics', seats: '40', pilot: 'true' },
      },
    });
  });

  it('maps CSV header spellings to fields and every other non-empty column to an attribute', () => {
    const row = {
      'E-mail': 'lena.vogel@example.com',
      'First Name': 'Lena',
      last_name: 'Vogel',
      'Time Zone': 'Europe/Berlin',
      Mobile: '+49 151 23456789',
      industry: 'manufacturing',
      'Deal Stage': ' demo booked ',
      notes: '',
    };
    expect(normalizeProspectInput(row, US)).toEqual({
      ok: true,
      warnings: [],
      value: {
        email: 'lena.vogel@example.com',
        phone: '+4915123456789',
        firstName: 'Lena',
        lastName: 'Vogel',
        timezone: 'Europe/Berlin',
        timezoneSource: 'given',
        attributes: { industry: 'manufacturing', 'Deal Stage': 'demo booked' },
      },
    });
  });

  it('reads a national number in the default region', () => {
    const result = normalizeProspectInput({ phone: '030 901820' }, { defaultPhoneRegion: 'DE' });
    expect(result).toEqual({ ok: true, warnings: [], value: { phone: '+4930901820', attributes: {} } });
  });

  it('names the field and quotes the value in reasons', () => {
    expect(normalizeProspectInput({ email: 'bob@' }, US)).toEqual({
      ok: false,
      reason: 'email: "bob@" is not a valid email address (it has no domain after the "@")',
    });
    expect(normalizeProspectInput({ phone: '555-1234' }, US)).toEqual({
      ok: false,
      reason:
        'phone: "555-1234" is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as US)',
    });
  });

  it('needs an email or a phone, and reports all problems of a row together', () => {
    expect(normalizeProspectInput({ firstName: 'Nobody', email: '  ' }, US)).toEqual({
      ok: false,
      reason: 'email or phone is required',
    });
    expect(normalizeProspectInput({ email: 'x', phone: '1', firstName: { a: 1 } }, US)).toEqual({
      ok: false,
      reason:
        'email: "x" is not a valid email address (it has no "@"); phone: "1" is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as US); firstName: must be text',
    });
  });

  it('treats two columns that give different values for one address as no usable value for it', () => {
    expect(normalizeProspectInput({ email: 'a@example.com', 'Email Address': 'b@example.com' }, US)).toEqual({
      ok: false,
      reason: 'email: given twice with different values (columns "email" and "Email Address")',
    });
    expect(normalizeProspectInput({ email: 'a@example.com', 'Email Address': 'a@example.com' }, US)).toMatchObject({ ok: true });
  });
});

describe('normalizeProspectInput: a bad field is a warning when the row still has an address', () => {
  it('enrolls a valid email next to an invalid phone, with a warning naming the phone', () => {
    const result = normalizeProspectInput({ email: 'ada@example.com', phone: '555-1234' }, US);
    expect(result).toEqual({
      ok: true,
      value: { email: 'ada@example.com', attributes: {} },
      warnings: [
        'phone: "555-1234" is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as US)',
      ],
    });
  });

  it('enrolls a valid phone next to an invalid email', () => {
    const result = normalizeProspectInput({ email: 'ada@', phone: '+14155550123' }, US);
    expect(result).toMatchObject({ ok: true, value: { phone: '+14155550123' } });
    expect(result.ok && result.warnings).toEqual(['email: "ada@" is not a valid email address (it has no domain after the "@")']);
  });

  it('drops a bad zone, a name that is too long and a bad attribute, each with a warning', () => {
    const result = normalizeProspectInput(
      { email: 'a@example.com', timezone: 'Eastern', company: 'x'.repeat(201), firstName: 'Ada', attributes: { nested: { a: 1 }, ok: 'yes' } },
      US,
    );
    expect(result).toEqual({
      ok: true,
      value: { email: 'a@example.com', firstName: 'Ada', attributes: { ok: 'yes' } },
      warnings: [
        'attributes."nested": must be text, a number or true/false',
        'company: is too long (201 characters, at most 200)',
        'timezone: "Eastern" is not an IANA time zone (e.g. America/New_York, Europe/Berlin)',
      ],
    });
  });

  it('keeps the first 50 attributes and warns about the rest', () => {
    const attributes = Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`a${i}`, String(i)]));
    const result = normalizeProspectInput({ email: 'a@example.com', attributes }, US);
    expect(result.ok && Object.keys(result.value.attributes)).toHaveLength(50);
    expect(result.ok && result.warnings).toEqual([
      'attributes.a50: left out, at most 50 attributes per prospect',
      'attributes.a51: left out, at most 50 attributes per prospect',
    ]);
  });
});

describe('normalizeProspectInput: country', () => {
  it('reads a UK national mobile number with country GB', () => {
    expect(normalizeProspectInput({ phone: '07400 123456', Country: 'gb' }, US)).toEqual({
      ok: true,
      warnings: [],
      value: { phone: '+447400123456', country: 'GB', attributes: {} },
    });
    expect(normalizeProspectInput({ phone: '07400 123456', 'Country Code': 'GB' }, US)).toMatchObject({ ok: true });
    // Without the country the same digits are read as a US number, which they are not.
    expect(normalizeProspectInput({ phone: '07400 123456' }, US)).toMatchObject({ ok: false });
    // 07700 900000–900999 is Ofcom's range for drama: no such phone exists, so it stays invalid.
    expect(normalizeProspectInput({ phone: '07700 900123', country: 'GB' }, US)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('(numbers without a country code are read as GB)'),
    });
  });

  it('warns about an unknown country and reads the number in the default region', () => {
    const result = normalizeProspectInput({ email: 'a@example.com', phone: '(202) 555-0143', country: 'XQ' }, US);
    expect(result).toEqual({
      ok: true,
      value: { email: 'a@example.com', phone: '+12025550143', attributes: {} },
      warnings: ['country: "XQ" is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE); phone numbers without a country code are read as US'],
    });
  });
});

describe('normalizeProspectInput: column names', () => {
  it('reads every documented alias, whatever the case, spaces and punctuation', () => {
    const cases: [string, string, string][] = [
      ['Work Email', 'a@example.com', 'email'],
      ['BUSINESS_EMAIL', 'a@example.com', 'email'],
      ['e-mail address', 'a@example.com', 'email'],
      ['Cell', '+14155550123', 'phone'],
      ['Phone Number', '+14155550123', 'phone'],
      ['Work Phone', '+14155550123', 'phone'],
      ['Given Name', 'Ada', 'firstName'],
      ['Family-Name', 'Lovelace', 'lastName'],
      ['Surname', 'Lovelace', 'lastName'],
      ['Organization', 'Engines', 'company'],
      ['Account Name', 'Engines', 'company'],
      ['TZ', 'Europe/Paris', 'timezone'],
      ['Timezone', 'Europe/Paris', 'timezone'],
    ];
    for (const [header, cell, field] of cases) {
      const base = field === 'email' ? { phone: '+12025550143' } : { email: 'base@example.com' };
      const result = normalizeProspectInput({ ...base, [header]: cell }, US);
      expect(result, header).toMatchObject({ ok: true, warnings: [], value: { [field]: cell, attributes: {} } });
    }
  });

  it('stores attribute and column names that collide with Object.prototype like any other', () => {
    const row = JSON.parse('{"email":"a@example.com","constructor":"c","toString":"t","attributes":{"__proto__":"p","hasOwnProperty":"h"}}');
    const result = normalizeProspectInput(row, US);
    if (!result.ok) throw new Error(result.reason);
    expect(Object.entries(result.value.attributes).sort()).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['hasOwnProperty', 'h'],
      ['toString', 't'],
    ]);
    expect(JSON.parse(JSON.stringify(result.value.attributes))).toHaveProperty(['__proto__'], 'p');
  });

  it('follows an explicit column mapping (field, attribute or ignore)', () => {
    const columns = parseColumnMapping({ 'Contact Mail': 'email', Mobile: 'ignore', Stage: 'attributes.deal stage' }, 'columns');
    const result = normalizeProspectInput({ 'Contact Mail': 'a@example.com', Mobile: 'not a number', Stage: 'demo' }, { ...US, columns });
    expect(result).toEqual({ ok: true, warnings: [], value: { email: 'a@example.com', attributes: { 'deal stage': 'demo' } } });
    expect(() => parseColumnMapping({ 'Contact Mail': 'emial' }, 'columns')).toThrow(
      'columns.Contact Mail: "emial" is not a field; use one of email, phone, firstName, lastName, company, timezone, country, attributes.<name> or ignore',
    );
  });
});

describe('prospect zone from the phone number', () => {
  it('one zone is the zone; several are kept as candidates; none leaves it to the sequence', () => {
    expect(inferredZone(['America/Los_Angeles'])).toEqual({ timezone: 'America/Los_Angeles', timezoneSource: 'phone' });
    expect(inferredZone(['Europe/Guernsey', 'Europe/London', 'Mars/Olympus'])).toEqual({
      timezone: 'Europe/Guernsey',
      timezoneSource: 'phone',
      timezoneCandidates: ['Europe/Guernsey', 'Europe/London'],
    });
    expect(inferredZone([])).toEqual({ timezoneSource: 'default' });
  });
});

describe('normalizeProspectInput (continued)', () => {
  it('accepts every row of templates/sample-prospects.csv', () => {
    const rows = parse(readFileSync('templates/sample-prospects.csv', 'utf8'), { columns: true }) as Record<string, string>[];
    const results = rows.map((row) => normalizeProspectInput(row, US));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    const values = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(values.map((v) => v.timezone)).toContain('Asia/Tokyo');
    expect(values.map((v) => v.timezone)).toContain('Europe/Berlin');
    expect(values.some((v) => v.phone && !v.email)).toBe(true);
    expect(values.some((v) => v.email && !v.phone)).toBe(true);
    expect(values[0]).toMatchObject({ phone: '+12025550143', attributes: { industry: 'logistics' } });
  });
});

describe('prospectIdFor / addressHash', () => {
  it('derives a stable id from the email, else the phone', () => {
    const byEmail = prospectIdFor({ email: 'maya@example.com', phone: '+12025550143' });
    expect(byEmail).toMatch(/^p_[0-9a-f]{24}$/);
    expect(prospectIdFor({ email: 'maya@example.com' })).toBe(byEmail);
    expect(prospectIdFor({ phone: '+12025550143' })).not.toBe(byEmail);
    expect(prospectIdFor({ phone: '+12025550143' })).toMatch(/^p_[0-9a-f]{24}$/);
    expect(() => prospectIdFor({})).toThrow('prospectIdFor needs an email or a phone');
  });

  it('hashes addresses as sha256 hex, case-insensitively', () => {
    expect(addressHash('a@example.com')).toBe('08168cd80dfd534ab0f10af10f1303fe00af2d43ab5c1432360d137f8197e17a');
    expect(addressHash(' A@Example.com')).toBe(addressHash('a@example.com'));
  });
});
