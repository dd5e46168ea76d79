import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  addressHash,
  normalizeProspectInput,
  prospectIdFor,
} from '../../../functions/domain/prospect-input.js';

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
      value: {
        email: 'maya.okafor@example.com',
        phone: '+12025550143',
        firstName: 'Maya',
        lastName: 'Okafor',
        company: 'Brightline Freight',
        timezone: 'America/Chicago',
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
      value: {
        email: 'lena.vogel@example.com',
        phone: '+4915123456789',
        firstName: 'Lena',
        lastName: 'Vogel',
        timezone: 'Europe/Berlin',
        attributes: { industry: 'manufacturing', 'Deal Stage': 'demo booked' },
      },
    });
  });

  it('reads a national number in the default region', () => {
    const result = normalizeProspectInput({ phone: '030 901820' }, { defaultPhoneRegion: 'DE' });
    expect(result).toEqual({ ok: true, value: { phone: '+4930901820', attributes: {} } });
  });

  it('names the field and quotes the value in reasons', () => {
    expect(normalizeProspectInput({ email: 'bob@' }, US)).toEqual({
      ok: false,
      reason: 'email: "bob@" is not a valid email address',
    });
    expect(normalizeProspectInput({ phone: '555-1234' }, US)).toEqual({
      ok: false,
      reason:
        'phone: "555-1234" is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as US)',
    });
    expect(normalizeProspectInput({ email: 'a@example.com', timezone: 'Eastern' }, US)).toEqual({
      ok: false,
      reason: 'timezone: "Eastern" is not an IANA time zone (e.g. America/New_York, Europe/Berlin)',
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
        'firstName: must be text; email: "x" is not a valid email address; phone: "1" is not a valid phone number — use international format like +14155550123 (numbers without a country code are read as US)',
    });
  });

  it('rejects two columns that give different values for one field', () => {
    expect(normalizeProspectInput({ email: 'a@example.com', 'Email Address': 'b@example.com' }, US)).toEqual({
      ok: false,
      reason: 'email: given twice with different values (columns "email" and "Email Address")',
    });
  });

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
