/**
 * Enrollment bodies as real exports look, over HTTP against the embedded runtime:
 * quotes, line ends, encodings, header spellings, mappings, prototype-named columns,
 * and the zone of a phone-only prospect.
 */
import { readFile, readdir } from 'node:fs/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prospectIdFor } from '../../functions/domain/prospect-input.js';
import { startTestRuntime, TEST_API_KEY, type TestRuntime } from '../support/local-runtime.js';

const SEQUENCE = 'inbound-lead-follow-up';
let app: TestRuntime;

beforeAll(async () => {
  // Monday 23 November 2026, 11:00 in London = 03:00 in California.
  app = await startTestRuntime({ startAt: new Date('2026-11-23T11:00:00Z') });
});
afterAll(async () => app?.close());

/** POSTs raw bytes, as a browser upload or curl --data-binary would. */
async function postBytes(path: string, body: Uint8Array, contentType: string) {
  const response = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': contentType },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as any };
}

const enrollCsv = (csv: string | Uint8Array, contentType = 'text/csv', query = '') =>
  postBytes(`/sequences/${SEQUENCE}/enrollments${query}`, typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv, contentType);

const statuses = (body: any) => body.results.map((r: any) => [r.row, r.status]);
const idOf = (email: string) => prospectIdFor({ email });
async function prospect(id: string) {
  const response = await app.request('GET', `/prospects/${id}`);
  expect(response.status).toBe(200);
  return response.body.prospect;
}

describe('CSV quotes and row numbers', () => {
  it('a cell with an odd quote (5" floppy) is read literally and swallows nothing', async () => {
    const csv = 'email,product\nq1@example.com,disk\nq2@example.com,5" floppy\nq3@example.com,tape\nq4@example.com,card\n';
    const { status, body } = await enrollCsv(csv);
    expect(status).toBe(200);
    expect(statuses(body)).toEqual([[1, 'enrolled'], [2, 'enrolled'], [3, 'enrolled'], [4, 'enrolled']]);
    expect(body.results.map((r: any) => r.prospectId)).toEqual(['q1', 'q2', 'q3', 'q4'].map((n) => idOf(`${n}@example.com`)));
    expect((await prospect(idOf('q2@example.com'))).attributes).toEqual({ product: '5" floppy' });
  });

  it('a quote that is never closed breaks only its own row; row numbers stay the input\'s', async () => {
    const csv = 'email,company\nu1@example.com,One\nu2@example.com,"Two\nu3@example.com,Three\nu4@example.com,"Four, Inc."\nu5@example.com,Five\n';
    const { body } = await enrollCsv(csv);
    expect(statuses(body)).toEqual([[1, 'enrolled'], [2, 'invalid'], [3, 'enrolled'], [4, 'enrolled'], [5, 'enrolled']]);
    expect(body.results[1].reason).toMatch(/^line 3: a quote/);
    expect(body.results[3].prospectId).toBe(idOf('u4@example.com'));
    expect((await prospect(idOf('u4@example.com'))).company).toBe('Four, Inc.');
  });

  it('too many or too few cells make that row invalid, naming the columns', async () => {
    const { body } = await enrollCsv('email,company\nc1@example.com,One,extra\nc2@example.com\nc3@example.com,Three\n');
    expect(statuses(body)).toEqual([[1, 'invalid'], [2, 'invalid'], [3, 'enrolled']]);
    expect(body.results[0].reason).toBe('line 2: expected 2 cells (email, company), got 3');
  });

  it('empty lines are skipped and keep their number', async () => {
    const { body } = await enrollCsv('email\n\nb1@example.com\n\n\nb2@example.com\n');
    expect(statuses(body)).toEqual([[2, 'enrolled'], [5, 'enrolled']]);
  });
});

describe('CSV line ends and encodings', () => {
  it('reads CR-only (old Mac), CRLF and LF line ends, and drops a UTF-8 BOM', async () => {
    const cr = await enrollCsv('email,first name\rcr1@example.com,Cora\rcr2@example.com,Cid\r');
    expect(statuses(cr.body)).toEqual([[1, 'enrolled'], [2, 'enrolled']]);
    expect((await prospect(idOf('cr1@example.com'))).firstName).toBe('Cora');
    const crlf = await enrollCsv('\uFEFFEmail,First Name\r\ncrlf@example.com,Carl\r\n');
    expect(statuses(crlf.body)).toEqual([[1, 'enrolled']]);
    expect((await prospect(idOf('crlf@example.com'))).firstName).toBe('Carl');
  });

  it('decodes Windows-1252 (what Excel writes) and UTF-8 alike: never U+FFFD', async () => {
    const latin = Buffer.from('email,first name,last name\nrenee1252@example.com,Ren\xe9e,M\xfcller\n', 'latin1');
    expect(statuses((await enrollCsv(latin)).body)).toEqual([[1, 'enrolled']]);
    expect(await prospect(idOf('renee1252@example.com'))).toMatchObject({ firstName: 'Renée', lastName: 'Müller' });

    const utf8 = Buffer.from('email,first name,last name\nreneeutf8@example.com,Renée,Müller\n', 'utf8');
    expect(statuses((await enrollCsv(utf8)).body)).toEqual([[1, 'enrolled']]);
    expect(await prospect(idOf('reneeutf8@example.com'))).toMatchObject({ firstName: 'Renée', lastName: 'Müller' });

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,first name\nrenee16@example.com,Renée\n', 'utf16le')]);
    expect(statuses((await enrollCsv(utf16)).body)).toEqual([[1, 'enrolled']]);
    expect((await prospect(idOf('renee16@example.com'))).firstName).toBe('Renée');
  });

  it('follows an explicit charset, and names an unsupported one in a 400', async () => {
    const latin = Buffer.from('email,first name\nexplicit@example.com,Ren\xe9e\n', 'latin1');
    expect(statuses((await enrollCsv(latin, 'text/csv; charset=windows-1252')).body)).toEqual([[1, 'enrolled']]);
    expect((await prospect(idOf('explicit@example.com'))).firstName).toBe('Renée');
    const unknown = await enrollCsv('email\nx@example.com\n', 'text/csv; charset=klingon-8');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('unsupported charset "klingon-8"');
    const wrong = await enrollCsv(latin, 'text/csv; charset=utf-8');
    expect(wrong).toMatchObject({ status: 400, body: { error: expect.stringContaining('not valid utf-8') } });
  });
});

describe('CSV headers', () => {
  it('reads "Work Email" and other common spellings instead of answering 400', async () => {
    const { status, body } = await enrollCsv('Work Email,Given Name,Company Name,Mobile Phone,Country\nwork@example.com,Wes,Acme,07400 123456,GB\n');
    expect(status).toBe(200);
    expect(statuses(body)).toEqual([[1, 'enrolled']]);
    expect(await prospect(idOf('work@example.com'))).toMatchObject({
      firstName: 'Wes',
      company: 'Acme',
      phone: '+447400123456',
      country: 'GB',
      attributes: {},
    });
  });

  it('a duplicate header is a 400 naming it, unless a mapping says which to use', async () => {
    const twice = await enrollCsv('email,email\na@example.com,b@example.com\n');
    expect(twice).toMatchObject({ status: 400, body: { error: 'CSV header "email" appears twice (columns 1 and 2); rename or remove one' } });
    const aliases = await enrollCsv('Email,E-mail\ndup1@example.com,dup2@example.com\n');
    expect(aliases.status).toBe(400);
    expect(aliases.body.error).toMatch(/^CSV columns "Email" and "E-mail" both map to email/);
    const mapped = await enrollCsv('Email,E-mail\ndup1@example.com,dup2@example.com\n', 'text/csv', `?columns=${encodeURIComponent('{"E-mail":"ignore"}')}`);
    expect(statuses(mapped.body)).toEqual([[1, 'enrolled']]);
    expect(mapped.body.results[0].prospectId).toBe(idOf('dup1@example.com'));
  });

  it('unknown columns become attributes; only a header with no address column at all is a 400', async () => {
    const none = await enrollCsv('name,company\nAda,Engines\n');
    expect(none.status).toBe(400);
    expect(none.body.error).toContain('headers seen: "name", "company"');
    expect(none.body.error).toContain('Work Email');
    const mapped = await enrollCsv('name,Contact\nAda,mapped@example.com\n', 'text/csv', `?columns=${encodeURIComponent('{"Contact":"email","name":"firstName"}')}`);
    expect(statuses(mapped.body)).toEqual([[1, 'enrolled']]);
    expect((await prospect(idOf('mapped@example.com'))).firstName).toBe('Ada');
    const bad = await enrollCsv('email\nx@example.com\n', 'text/csv', `?columns=${encodeURIComponent('{"email":"emial"}')}`);
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining('"emial" is not a field') } });
  });

  it('stores constructor, __proto__ and toString columns and attributes like any other (CSV and JSON)', async () => {
    const csv = await enrollCsv('email,constructor,__proto__,toString\nproto-csv@example.com,c,p,t\n');
    expect(statuses(csv.body)).toEqual([[1, 'enrolled']]);
    const fromCsv = await prospect(idOf('proto-csv@example.com'));
    expect(Object.entries(fromCsv.attributes).sort()).toEqual([['__proto__', 'p'], ['constructor', 'c'], ['toString', 't']]);

    const json = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: '{"prospects":[{"email":"proto-json@example.com","attributes":{"constructor":"c","hasOwnProperty":"h","__proto__":"p"}},{"email":"after-proto@example.com"}]}',
    });
    expect(json.status).toBe(200);
    expect(statuses(json.body)).toEqual([[1, 'enrolled'], [2, 'enrolled']]);
    const fromJson = await prospect(idOf('proto-json@example.com'));
    expect(Object.entries(fromJson.attributes).sort()).toEqual([['__proto__', 'p'], ['constructor', 'c'], ['hasOwnProperty', 'h']]);
  });
});

describe('JSON rows', () => {
  it('a bad phone next to a good email enrolls with a warning; a JSON mapping is followed', async () => {
    const response = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { columns: { 'Contact Mail': 'email' }, prospects: [{ 'Contact Mail': 'warned@example.com', phone: '12' }] },
    });
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({
      row: 1,
      status: 'enrolled',
      prospectId: idOf('warned@example.com'),
      warnings: [expect.stringMatching(/^phone: "12" is not a valid phone number/)],
    });
    const bad = await app.request('POST', `/sequences/${SEQUENCE}/enrollments`, {
      body: { columns: { x: 'nickname' }, prospects: [{ email: 'a@example.com' }] },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining('columns.x: "nickname" is not a field') } });
  });
});

describe('a phone-only +1 415 prospect in a London sequence', () => {
  it('gets its zone from the number: no SMS outside 08:00–21:00 Pacific, and GET /prospects shows where the zone came from', async () => {
    const dir = new URL('../../templates/inbound-lead-follow-up/', import.meta.url);
    const definition = parse(await readFile(new URL('sequence.yaml', dir), 'utf8')) as Record<string, unknown>;
    const templates: Record<string, string> = {};
    for (const file of await readdir(dir)) if (file.endsWith('.liquid')) templates[file] = await readFile(new URL(file, dir), 'utf8');
    const published = await app.request('PUT', '/sequences/london-follow-up', { body: { definition: { ...definition, defaultTimezone: 'Europe/London' }, templates } });
    expect(published.status).toBe(201);

    const enrolled = await app.request('POST', '/sequences/london-follow-up/enrollments', { body: { prospects: [{ phone: '+1 415 555 0123', firstName: 'Sam' }] } });
    expect(enrolled.body.results[0]).toMatchObject({ status: 'enrolled' });
    const view = await app.request('GET', `/prospects/${enrolled.body.results[0].prospectId}`);
    expect(view.body.prospect).toMatchObject({ phone: '+14155550123', timezone: 'America/Los_Angeles', timezoneSource: 'phone' });

    await app.advance('3d');
    const sms = (await app.outbox()).filter((m) => m.channel === 'sms' && m.to === '+14155550123');
    expect(sms.length).toBeGreaterThan(0);
    for (const message of sms) {
      const local = DateTime.fromISO(message.sentAt).setZone('America/Los_Angeles');
      expect(local.hour, `${message.sentAt} is ${local.toISO()} in California`).toBeGreaterThanOrEqual(8);
      expect(local.hour, message.sentAt).toBeLessThan(21);
    }
    // Two days after Monday 03:00 Pacific, inside the step's 10:00–18:00 window in California.
    expect(DateTime.fromISO(sms[0]!.sentAt).toUTC().startOf('minute').toISO()).toBe('2026-11-25T18:00:00.000Z');
  });
});

describe('a dry run (?dryRun=true)', () => {
  it('reads and checks every row as an enrollment would, and changes nothing', async () => {
    const before = await app.request('GET', `/sequences/${SEQUENCE}/stats`);
    const csv = ['Work Email,First Name,Mobile', 'dry.run@example.com,Dora,not a phone', 'bad@,Bad,', ',Phil,+14155550999'].join('\n');
    const response = await enrollCsv(csv, 'text/csv', '?dryRun=true');
    expect(response.status).toBe(200);
    expect(response.body.dryRun).toBe(true);
    expect(statuses(response.body)).toEqual([[1, 'skipped'], [2, 'invalid'], [3, 'skipped']]);
    expect(response.body.results[0].reason).toMatch(/dry run/);
    expect(response.body.results[0].warnings.join(' ')).toMatch(/phone/);
    expect(response.body.results[1].reason).toMatch(/email/);
    expect(response.body.summary).toEqual({ enrolled: 0, skipped: 2, invalid: 1 });
    // Nothing was stored: no prospect, no count.
    expect((await app.request('GET', `/prospects/${idOf('dry.run@example.com')}`)).status).toBe(404);
    expect((await app.request('GET', `/sequences/${SEQUENCE}/stats`)).body.enrolled).toBe(before.body.enrolled);
  });

  it('answers 404 for an unknown sequence and 400 naming a bad dryRun value', async () => {
    const unknown = await postBytes('/sequences/no-such-sequence/enrollments?dryRun=true', Buffer.from('email\nx@example.com'), 'text/csv');
    expect(unknown.status).toBe(404);
    const bad = await enrollCsv('email\nx@example.com', 'text/csv', '?dryRun=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/dryRun/);
  });
});

