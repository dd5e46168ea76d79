/**
 * Deployed behind an API Gateway stage or a path prefix, the public URL has a path; every
 * link and callback must keep it, or unsubscribe links and Twilio signatures break.
 */
import { describe, expect, it } from 'vitest';
import { createTestContext, enrollOne } from '../../fakes/test-context.js';

describe('links under a public URL with a path', () => {
  it('keeps the path in unsubscribe links and the Twilio status callback', async () => {
    const t = await createTestContext({ settings: { publicUrl: 'https://api.example.com/prod/' } });
    await enrollOne(t);
    await t.scheduler.fireAll(t.ctx);

    const email = t.email.sent[0]!;
    expect(email.headers['List-Unsubscribe']).toMatch(/^<https:\/\/api\.example\.com\/prod\/unsubscribe\/[^>]+>/);
    expect(email.text).toContain('https://api.example.com/prod/unsubscribe/');

    const sms = t.sms.sent[0]!;
    expect(sms.statusCallbackUrl).toMatch(/^https:\/\/api\.example\.com\/prod\/webhooks\/twilio\/status\?e=/);
  });
});
