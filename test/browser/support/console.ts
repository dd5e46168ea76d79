/** The embedded runtime and a signed-in console page, for the browser tests. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { signTwilioRequest } from '../../../functions/local/twilio-stub.js';
import type { TestRuntime } from '../../support/local-runtime.js';

export const SEQUENCE = 'inbound-lead-follow-up';
export const REPLY_DOMAIN = 'reply.followup.test';

/** Opens a one-time sign-in link and waits for the signed-in console. */
export async function signInWith(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.locator('header.top .who').waitFor();
  // The one-time code (and the OAuth code) are gone from the address bar.
  expect(page.url()).not.toMatch(/[?&](login|code|state)=/);
}

export async function newUserLink(t: TestRuntime, email: string, role: 'editor' | 'viewer'): Promise<string> {
  const created = await t.request('POST', '/dev/users', { body: { email, role } });
  expect(created.status).toBe(201);
  return created.body.signInUrl as string;
}

/** The console at a route (`#/…`), waiting for the page's heading. */
export async function open(page: Page, t: TestRuntime, hash: string, heading?: string | RegExp): Promise<void> {
  await page.goto(`${t.url}/console/${hash}`);
  if (heading) await page.locator('main h1', { hasText: heading }).waitFor();
}

/** An inbound SMS, signed as Twilio signs it (the test plays Twilio's side). */
export async function sendSmsReply(t: TestRuntime, from: string, body: string): Promise<void> {
  const path = '/webhooks/twilio/sms';
  const params = {
    MessageSid: `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: from,
    To: '+15005550006',
    Body: body,
    NumMedia: '0',
  };
  const signature = signTwilioRequest(`${t.runtime.publicUrl}${path}`, params, t.runtime.twilioAuthToken);
  const response = await t.request('POST', path, {
    apiKey: null,
    body: new URLSearchParams(params).toString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: { 'x-twilio-signature': signature },
  });
  expect(response.status).toBe(200);
}

/** A human email reply to the first email sent to `address` (the test plays the mail provider). */
export async function sendEmailReply(t: TestRuntime, address: string, text: string): Promise<void> {
  const first = (await t.outbox()).find((m) => m.channel === 'email' && m.to === address);
  if (!first) throw new Error(`no email was sent to ${address}`);
  const mime = [
    `From: <${address}>`,
    `To: <${first.headers?.['Reply-To'] ?? first.from}>`,
    `Subject: Re: ${first.subject}`,
    'Date: Mon, 23 Nov 2026 16:30:00 +0000',
    `Message-ID: <reply-${Date.now()}@mail.example.com>`,
    `In-Reply-To: <${first.providerMessageId}@email.amazonses.com>`,
    `References: <${first.providerMessageId}@email.amazonses.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
    `On Mon, Nov 23, 2026 at 10:00 AM Dana <${first.from}> wrote:`,
    '> the quoted first email',
    '',
  ].join('\r\n');
  const response = await t.request('POST', '/dev/inbound/email', { body: mime, contentType: 'message/rfc822' });
  expect(response.status).toBe(200);
  expect(response.body.outcome).toBe('replied');
}

/** The signed-in user's access token, as the page keeps it (to forge requests with it). */
export async function tokenOf(page: Page): Promise<string> {
  // Runs in the page, where sessionStorage exists.
  return page.evaluate(() => {
    const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
    return (JSON.parse(storage.getItem('followup.session') ?? '{}') as { accessToken?: string }).accessToken ?? '';
  });
}
