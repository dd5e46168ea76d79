import { describe, expect, it } from 'vitest';
import {
  MAX_REPLY_TOKEN_LENGTH,
  ReplyTokenError,
  TokenSecretError,
  createReplyToken,
  createUnsubscribeToken,
  findEnrollmentForReplyToken,
  replyAddressFor,
  replyTokenFromAddress,
  verifyReplyToken,
  verifyUnsubscribeToken,
} from '../../functions/domain/tokens.js';

const SECRET = 'test-secret-0123456789abcdef';
const OTHER_SECRET = 'other-secret-0123456789abcdef';
const PROSPECT = 'p_01hx9k2m4n6p8r0t2v4w6y8z0a';
const LONGEST_SLUG = 'a-very-long-sequence-slug-of-exactly-48-chars-ab';

/** Every token obtainable by changing one character of `token` within base64url. */
function oneCharVariants(token: string): string[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const variants: string[] = [];
  for (let i = 0; i < token.length; i++) {
    const replacement = alphabet[(alphabet.indexOf(token[i] as string) + 1) % alphabet.length] ?? 'A';
    if (token[i] === '.') continue;
    variants.push(token.slice(0, i) + replacement + token.slice(i + 1));
  }
  return variants;
}

describe('unsubscribe tokens', () => {
  it('round-trips prospect and channel', () => {
    for (const channel of ['email', 'sms'] as const) {
      const token = createUnsubscribeToken({ prospectId: PROSPECT, channel }, SECRET);
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(verifyUnsubscribeToken(token, SECRET)).toEqual({ prospectId: PROSPECT, channel });
    }
  });

  it('is deterministic and differs per prospect and channel', () => {
    const a = createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET);
    expect(createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET)).toBe(a);
    expect(createUnsubscribeToken({ prospectId: PROSPECT, channel: 'sms' }, SECRET)).not.toBe(a);
    expect(createUnsubscribeToken({ prospectId: `${PROSPECT}x`, channel: 'email' }, SECRET)).not.toBe(a);
  });

  it('rejects every single-character tampering', () => {
    const token = createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET);
    for (const variant of oneCharVariants(token)) {
      expect(verifyUnsubscribeToken(variant, SECRET), variant).toBeUndefined();
    }
  });

  it('rejects truncation, extension, a wrong secret and garbage', () => {
    const token = createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET);
    expect(verifyUnsubscribeToken(token.slice(0, -1), SECRET)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${token}A`, SECRET)).toBeUndefined();
    expect(verifyUnsubscribeToken(token.split('.')[0] as string, SECRET)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${token}.x`, SECRET)).toBeUndefined();
    expect(verifyUnsubscribeToken(token, OTHER_SECRET)).toBeUndefined();
    for (const garbage of ['', '.', 'abc', 'a.b', '!!!.???', 'x'.repeat(5000)]) {
      expect(verifyUnsubscribeToken(garbage, SECRET)).toBeUndefined();
    }
  });

  it('rejects a token whose payload was swapped for another prospect', () => {
    const mine = createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET);
    const theirs = createUnsubscribeToken({ prospectId: 'p_someoneelse', channel: 'email' }, SECRET);
    const forged = `${theirs.split('.')[0]}.${mine.split('.')[1]}`;
    expect(verifyUnsubscribeToken(forged, SECRET)).toBeUndefined();
  });

  it('refuses weak secrets', () => {
    expect(() => createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, 'short')).toThrow(TokenSecretError);
    expect(() => verifyUnsubscribeToken('a.b', '')).toThrow(TokenSecretError);
  });
});

describe('reply tokens', () => {
  const enrollmentId = `${PROSPECT}.${LONGEST_SLUG}`;

  it('fits reply+<token> into a 64-octet local part even with the longest slug', () => {
    const token = createReplyToken(enrollmentId, SECRET);
    expect(token.length).toBeLessThanOrEqual(MAX_REPLY_TOKEN_LENGTH);
    expect(`reply+${token}`.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(token.startsWith('.')).toBe(false);
    expect(token.endsWith('.')).toBe(false);
    expect(token).not.toContain('..');
  });

  it('verifies to the prospect and resolves the enrollment among the prospect’s enrollments', () => {
    const token = createReplyToken(enrollmentId, SECRET);
    const claims = verifyReplyToken(token, SECRET);
    expect(claims?.prospectId).toBe(PROSPECT);
    const candidates = [`${PROSPECT}.other-sequence`, enrollmentId, `${PROSPECT}.third`];
    expect(findEnrollmentForReplyToken(claims!, candidates)).toBe(enrollmentId);
    expect(findEnrollmentForReplyToken(claims!, [`${PROSPECT}.other-sequence`])).toBeUndefined();
    // Same slug under another prospect is not a match.
    expect(findEnrollmentForReplyToken(claims!, [`p_other.${LONGEST_SLUG}`])).toBeUndefined();
  });

  it('rejects every single-character tampering, truncation and a wrong secret', () => {
    const token = createReplyToken(enrollmentId, SECRET);
    for (const variant of oneCharVariants(token)) {
      expect(verifyReplyToken(variant, SECRET), variant).toBeUndefined();
    }
    for (let cut = 1; cut < token.length; cut++) {
      expect(verifyReplyToken(token.slice(0, cut), SECRET)).toBeUndefined();
    }
    expect(verifyReplyToken(token, OTHER_SECRET)).toBeUndefined();
    expect(verifyReplyToken(`${token}A`, SECRET)).toBeUndefined();
  });

  it('does not accept an unsubscribe token as a reply token or vice versa', () => {
    const reply = createReplyToken(enrollmentId, SECRET);
    expect(verifyUnsubscribeToken(reply, SECRET)).toBeUndefined();
    const unsubscribe = createUnsubscribeToken({ prospectId: PROSPECT, channel: 'email' }, SECRET);
    expect(verifyReplyToken(unsubscribe, SECRET)).toBeUndefined();
  });

  it('refuses enrollment ids it cannot encode', () => {
    expect(() => createReplyToken('no-dot-here', SECRET)).toThrow(ReplyTokenError);
    expect(() => createReplyToken(`p_${'x'.repeat(40)}.seq`, SECRET)).toThrow(ReplyTokenError);
    expect(() => createReplyToken('p_has space.seq', SECRET)).toThrow(ReplyTokenError);
  });

  it('extracts the token from a reply address', () => {
    const token = createReplyToken(enrollmentId, SECRET);
    const address = replyAddressFor(token, 'reply.example.com');
    expect(address).toBe(`reply+${token}@reply.example.com`);
    expect(replyTokenFromAddress(address, 'REPLY.example.com')).toBe(token);
    expect(replyTokenFromAddress(`Reply+${token}@reply.example.com`, 'reply.example.com')).toBe(token);
    expect(replyTokenFromAddress(`reply+${token}@elsewhere.com`, 'reply.example.com')).toBeUndefined();
    expect(replyTokenFromAddress('owner@reply.example.com', 'reply.example.com')).toBeUndefined();
  });
});
