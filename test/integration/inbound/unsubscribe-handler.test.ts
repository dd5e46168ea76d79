/** The unsubscribe handler: RFC 8058 one-click POST, the GET page, the page's button, tampered tokens. */
import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../../functions/domain/tokens.js';
import { createUnsubscribeHandler } from '../../../functions/handlers/unsubscribe.js';
import { httpEvent, lambdaContext } from '../../fakes/http-event.js';
import { ADA, createTestContext, enrollOne, TEST_SETTINGS } from '../../fakes/test-context.js';

async function setup() {
  const t = await createTestContext();
  const ids = await enrollOne(t);
  await t.scheduler.fireDue(t.ctx);
  const [first] = t.email.sentTo(ADA.email);
  // The token as it travels in the List-Unsubscribe header of the email we sent.
  const url = /<(https:\/\/[^>]+)>/.exec(first?.headers['List-Unsubscribe'] ?? '')?.[1] as string;
  const token = url.slice(url.lastIndexOf('/') + 1);
  expect(token).toBe(createUnsubscribeToken({ prospectId: ids.prospectId, channel: 'email' }, TEST_SETTINGS.signingSecret));
  expect(first?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  expect(first?.html).toContain(url);
  const handler = createUnsubscribeHandler({ context: async () => t.ctx });
  const call = (method: 'GET' | 'POST', options: { token?: string; body?: string; contentType?: string } = {}) => {
    const used = options.token ?? token;
    return handler(
      httpEvent({
        routeKey: `${method} /unsubscribe/{token}`,
        path: `/unsubscribe/${used}`,
        pathParameters: { token: used },
        headers: options.contentType ? { 'content-type': options.contentType } : {},
        ...(options.body !== undefined ? { body: options.body } : {}),
      }),
      lambdaContext,
    );
  };
  return { t, ...ids, token, call };
}

describe('unsubscribe handler', () => {
  it('one-click POST (RFC 8058): 200 without a page, suppressed, enrollment opted_out', async () => {
    const { t, enrollmentId, call } = await setup();
    const response = await call('POST', { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ reason: 'unsubscribe', source: 'unsubscribe:one-click' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
    expect(t.scheduler.pendingFor(enrollmentId)).toEqual([]);
    // A second click (or a retry by the mail provider) is fine.
    expect((await call('POST', { body: 'List-Unsubscribe=One-Click' })).statusCode).toBe(200);
  });

  it('GET shows a confirmation page with a button and never unsubscribes', async () => {
    const { t, enrollmentId, call } = await setup();
    for (let i = 0; i < 3; i++) {
      const response = await call('GET');
      expect(response.statusCode).toBe(200);
      expect(response.headers?.['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('<form method="post" action="">');
      expect(response.body).toContain('<button type="submit">Unsubscribe</button>');
      expect(response.body).not.toContain('<script');
    }
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });

  it("the page's button (a form post without the one-click body) unsubscribes and says so", async () => {
    const { t, enrollmentId, call } = await setup();
    const response = await call('POST', { body: 'confirm=yes', contentType: 'application/x-www-form-urlencoded' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(await t.store.getSuppression(ADA.email)).toMatchObject({ source: 'unsubscribe:link' });
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'opted_out' });
  });

  it('a tampered or truncated token: 400 and nothing changes', async () => {
    const { t, enrollmentId, token, call } = await setup();
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const truncated = token.slice(0, token.length - 4);
    const otherSecret = createUnsubscribeToken({ prospectId: 'p_someone', channel: 'email' }, 'another-secret-0123456789abcdef');
    for (const bad of [tampered, truncated, otherSecret, 'garbage', '%E0%A4%A']) {
      const oneClick = await call('POST', { token: bad, body: 'List-Unsubscribe=One-Click' });
      expect(oneClick.statusCode).toBe(400);
      const page = await call('GET', { token: bad });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('not valid');
      expect((await call('POST', { token: bad, body: 'confirm=yes' })).statusCode).toBe(400);
    }
    expect(await t.store.getSuppression(ADA.email)).toBeUndefined();
    expect(await t.store.getEnrollment(enrollmentId)).toMatchObject({ status: 'active' });
  });
});
