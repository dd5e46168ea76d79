/**
 * End to end over HTTP against the embedded runtime (dynalite, local SES, Twilio stub,
 * virtual clock): enroll, receive the first touch, then reply by signed SMS webhook,
 * reply by email (`/dev/inbound/email`), unsubscribe with one click — and after a week
 * of virtual time, nothing more went to any of them, while a prospect who did nothing
 * got the next touches. Only HTTP (fetch), as a user of `npm start` would.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../functions/local/runtime.js';
import { signTwilioRequest } from '../../functions/local/twilio-stub.js';
import type { Logger } from '../../functions/ports.js';

const SEQUENCE = 'inbound-lead-follow-up';
const OWNER = 'sales@northwind.example';
const REPLY_DOMAIN = 'reply.followup.test';
const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const PEOPLE = {
  texter: { email: 'texter@example.com', phone: '+12025550143', firstName: 'Tess', timezone: 'America/New_York' },
  writer: { email: 'writer@example.com', phone: '+12025550144', firstName: 'Wren', timezone: 'America/New_York' },
  clicker: { email: 'clicker@example.com', phone: '+12025550145', firstName: 'Cleo', timezone: 'America/New_York' },
  control: { email: 'control@example.com', phone: '+12025550146', firstName: 'Cody', timezone: 'America/New_York' },
} as const;
type Person = keyof typeof PEOPLE;

interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
  headers?: Record<string, string>;
  sentAt: string;
  providerMessageId: string;
}

let runtime: Runtime;
let ids: Record<Person, { prospectId: string; enrollmentId: string }>;

async function http(method: string, path: string, options: { body?: string | object; headers?: Record<string, string>; admin?: boolean } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.admin) headers['authorization'] = `Bearer ${runtime.apiKey}`;
  let body: string | undefined;
  if (typeof options.body === 'object') {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else body = options.body;
  const response = await fetch(`${runtime.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as any };
}

async function outbox(): Promise<OutboxMessage[]> {
  return (await http('GET', '/dev/outbox', { admin: true })).json.messages;
}

async function advance(by: string): Promise<string> {
  const response = await http('POST', '/dev/clock', { body: { advance: by }, admin: true });
  expect(response.status).toBe(200);
  return response.json.now;
}

function to(messages: OutboxMessage[], person: Person): OutboxMessage[] {
  return messages.filter((m) => m.to === PEOPLE[person].email || m.to === PEOPLE[person].phone);
}

/** Form-encoded, signed the way Twilio signs: HMAC over the PUBLIC URL and the sorted params. */
async function twilioSms(from: string, body: string, signature?: string) {
  const path = '/webhooks/twilio/sms';
  const params = {
    MessageSid: `SM${Math.random().toString(16).slice(2).padEnd(32, '0')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: from,
    To: '+15005550006',
    Body: body,
    NumMedia: '0',
  };
  const sig = signature ?? signTwilioRequest(`${runtime.publicUrl}${path}`, params, runtime.twilioAuthToken);
  return http('POST', path, {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
  });
}

beforeAll(async () => {
  runtime = await startRuntime({
    port: 0,
    startAt: new Date('2026-11-23T13:00:00Z'), // Monday, 08:00 in New York
    templatesDir: TEMPLATES,
    replyDomain: REPLY_DOMAIN,
    unsubscribeSecret: 'e2e-unsubscribe-secret-0123456789',
    logger: quiet,
  });
  const response = await http('POST', `/sequences/${SEQUENCE}/enrollments`, {
    admin: true,
    body: { prospects: Object.values(PEOPLE) },
  });
  expect(response.status).toBe(200);
  expect(response.json.summary).toEqual({ enrolled: 4, skipped: 0, invalid: 0 });
  const [texter, writer, clicker, control] = response.json.results;
  ids = { texter, writer, clicker, control };
});

afterAll(async () => {
  await runtime?.close();
});

describe('stop on reply, opt-out and unsubscribe, over HTTP', () => {
  it('sends everyone the first email with Reply-To token, List-Unsubscribe and One-Click headers', async () => {
    await advance('2h'); // 10:00 in New York: the window is open
    const sent = await outbox();
    for (const person of Object.keys(PEOPLE) as Person[]) {
      const [first, ...rest] = to(sent, person);
      expect(rest).toEqual([]);
      expect(first?.channel).toBe('email');
      expect(first?.headers?.['Reply-To']).toMatch(new RegExp(`^reply\\+[A-Za-z0-9_.-]+@${REPLY_DOMAIN.replace(/\./g, '\\.')}$`));
      expect(first?.headers?.['List-Unsubscribe']).toMatch(
        new RegExp(`^<${runtime.publicUrl}/unsubscribe/[A-Za-z0-9_.-]+>, <mailto:u\\+[A-Za-z0-9_.-]+@${REPLY_DOMAIN.replace(/\./g, '\\.')}\\?subject=unsubscribe>$`),
      );
      expect(first?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('refuses a forged Twilio signature with 403', async () => {
    const forged = await twilioSms(PEOPLE.texter.phone, 'STOP', 'bm90IGEgc2lnbmF0dXJl');
    expect(forged.status).toBe(403);
    const prospect = await http('GET', `/prospects/${ids.texter.prospectId}`, { admin: true });
    expect(prospect.json.enrollments[0].status).toBe('active');
  });

  it('an SMS reply (signed webhook) stops the sequence as replied and notifies the owner', async () => {
    const response = await twilioSms(PEOPLE.texter.phone, 'Sure, call me Wednesday afternoon');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(response.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const prospect = await http('GET', `/prospects/${ids.texter.prospectId}`, { admin: true });
    expect(prospect.json.enrollments[0].status).toBe('replied');
    expect(prospect.json.timeline.some((e: { type: string; detail?: string }) => e.type === 'replied' && e.detail === 'SMS: Sure, call me Wednesday afternoon')).toBe(true);
    const notification = (await outbox()).find((m) => m.to === OWNER && m.text.includes('Sure, call me Wednesday afternoon'));
    expect(notification?.headers?.['Reply-To']).toBe(PEOPLE.texter.email);
  });

  it('an email reply through /dev/inbound/email stops the sequence as replied and is forwarded', async () => {
    const first = to(await outbox(), 'writer')[0]!;
    const mime = [
      `From: Wren <${PEOPLE.writer.email}>`,
      `To: Dana Whitfield <${first.headers?.['Reply-To']}>`,
      `Subject: Re: ${first.subject}`,
      'Date: Mon, 23 Nov 2026 15:30:00 +0000',
      'Message-ID: <wren-reply-1@mail.example.com>',
      `In-Reply-To: <${first.providerMessageId}@email.amazonses.com>`,
      `References: <${first.providerMessageId}@email.amazonses.com>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Happy to chat. Does Thursday work?',
      '',
      `On Mon, Nov 23, 2026 at 10:00 AM Dana Whitfield <${first.headers?.['Reply-To']}> wrote:`,
      '> quoted text with an unsubscribe link',
      '',
    ].join('\r\n');
    const response = await http('POST', '/dev/inbound/email', { body: mime, headers: { 'content-type': 'message/rfc822' }, admin: true });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ outcome: 'replied', enrollmentId: ids.writer.enrollmentId, matchedBy: 'reply-token', stopped: true, forwarded: 'sent' });
    const forward = (await outbox()).find((m) => m.to === OWNER && m.text.includes('Does Thursday work?'));
    expect(forward?.headers?.['Reply-To']).toBe(`"Wren" <${PEOPLE.writer.email}>`);
    expect(forward?.subject).toBe(`Re: ${first.subject}`);
  });

  it('malformed MIME is acknowledged and changes nothing', async () => {
    const response = await http('POST', '/dev/inbound/email', { body: '\u0000\u0001 garbage', headers: { 'content-type': 'message/rfc822' }, admin: true });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ outcome: 'ignored', reason: 'malformed MIME' });
  });

  it('the unsubscribe page shows a button; one-click POST unsubscribes with 200 and no page', async () => {
    const first = to(await outbox(), 'clicker')[0]!;
    const url = /<(http[^>]+)>/.exec(first.headers?.['List-Unsubscribe'] ?? '')?.[1] as string;
    const path = new URL(url).pathname;

    const page = await http('GET', path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<button type="submit">Unsubscribe</button>');
    expect((await http('GET', `/prospects/${ids.clicker.prospectId}`, { admin: true })).json.enrollments[0].status).toBe('active');

    const tampered = await http('POST', `${path.slice(0, -2)}xx`, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(tampered.status).toBe(400);

    const oneClick = await http('POST', path, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);
    expect(oneClick.text).toBe('');
    expect((await http('GET', `/prospects/${ids.clicker.prospectId}`, { admin: true })).json.enrollments[0].status).toBe('opted_out');
  });

  it('a week later: nothing more went to those three; the prospect who did nothing got the next touches', async () => {
    const before = await outbox();
    await advance('7d');
    const after = await outbox();
    const newMessages = after.slice(before.length);
    for (const person of ['texter', 'writer', 'clicker'] as const) {
      expect(to(newMessages, person)).toEqual([]);
      expect(to(after, person)).toHaveLength(1);
    }
    const control = to(newMessages, 'control');
    // The check-in SMS two days in (the customer story waits 4 business days more).
    expect(control.map((m) => m.channel)).toEqual(['sms']);
    const stats = await http('GET', `/sequences/${SEQUENCE}/stats`, { admin: true });
    expect(stats.json.enrollments).toMatchObject({ active: 1, replied: 2, opted_out: 1 });
    expect(stats.json.steps.find((s: { stepId: string }) => s.stepId === 'intro')).toMatchObject({ sent: 4, replies: 2 });
  });

  it('a signed STOP from the control prospect ends their sequence too', async () => {
    const response = await twilioSms(PEOPLE.control.phone, 'STOP');
    expect(response.status).toBe(200);
    const before = (await outbox()).length;
    await advance('14d');
    expect(to((await outbox()).slice(before), 'control')).toEqual([]);
    const prospect = await http('GET', `/prospects/${ids.control.prospectId}`, { admin: true });
    expect(prospect.json.enrollments[0].status).toBe('opted_out');
  });
});
