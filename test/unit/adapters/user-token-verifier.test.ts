import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserTokenVerifier, type UserTokenVerifier } from '../../../functions/adapters/user-token-verifier.js';
import { startTestIssuer, type TestIssuer } from '../../support/token-issuer.js';

let issuer: TestIssuer;
let verifier: UserTokenVerifier;
beforeAll(async () => {
  issuer = await startTestIssuer();
  verifier = createUserTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience: [issuer.clientId] });
});
afterAll(() => issuer.close());

const now = () => Math.floor(Date.now() / 1000);

describe('user token verifier (jose, remote JWKS)', () => {
  it('accepts a valid access token and reads the role and email from it', async () => {
    expect(await verifier.verify(await issuer.token())).toEqual({
      ok: true,
      principal: { principal: 'user', role: 'viewer', sub: 'f1e2d3c4-0000-4000-8000-000000000001', email: 'ada@example.com' },
    });
  });

  it('gives editor precedence over viewer, whatever the order of the groups', async () => {
    for (const groups of [['viewer', 'editor'], ['editor', 'viewer'], ['other', 'editor']]) {
      const result = await verifier.verify(await issuer.token({ 'cognito:groups': groups }));
      expect(result).toMatchObject({ ok: true, principal: { role: 'editor' } });
    }
  });

  it('refuses a user with no role group', async () => {
    for (const groups of [undefined, [], ['admins']]) {
      expect(await verifier.verify(await issuer.token({ 'cognito:groups': groups }))).toEqual({
        ok: false,
        reason: 'no role: the user is in neither the editor nor the viewer group',
      });
    }
  });

  it('refuses an expired token (beyond the 60 s of clock skew), but not one within it', async () => {
    expect(await verifier.verify(await issuer.token({ iat: now() - 7200, exp: now() - 120 }))).toEqual({ ok: false, reason: 'expired' });
    expect(await verifier.verify(await issuer.token({ iat: now() - 3600, exp: now() - 10 }))).toMatchObject({ ok: true });
  });

  it('refuses another issuer, another client, an ID token', async () => {
    expect(await verifier.verify(await issuer.token({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('iss'),
    });
    expect(await verifier.verify(await issuer.token({ client_id: 'another-app' }))).toEqual({ ok: false, reason: 'issued to another client (client_id)' });
    expect(await verifier.verify(await issuer.token({ client_id: undefined, aud: issuer.clientId }))).toEqual({
      ok: false,
      reason: 'issued to another client (client_id)',
    });
    expect(await verifier.verify(await issuer.token({ token_use: 'id', aud: issuer.clientId }))).toEqual({ ok: false, reason: 'not an access token (token_use)' });
  });

  it('refuses a tampered token, one signed by another key, an unsigned one and garbage', async () => {
    const token = await issuer.token();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const promoted = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['editor'] })).toString('base64url');
    expect(await verifier.verify(`${header}.${promoted}.${signature}`)).toEqual({ ok: false, reason: 'signature does not verify' });
    expect(await verifier.verify(await issuer.token({}, { key: await issuer.otherKey() }))).toEqual({ ok: false, reason: 'signature does not verify' });
    expect(await verifier.verify(await issuer.token({}, { key: await issuer.otherKey(), kid: 'key-2' }))).toEqual({ ok: false, reason: 'signed with an unknown key' });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(await verifier.verify(none)).toMatchObject({ ok: false });
    expect(await verifier.verify('not-a-token')).toEqual({ ok: false, reason: 'not a JWT' });
    expect(await verifier.verify('a.b.c')).toMatchObject({ ok: false });
  });

  it('keeps the key set between tokens (one fetch for many verifications)', async () => {
    const fresh = createUserTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience: [issuer.clientId] });
    const before = issuer.jwksFetches();
    for (let i = 0; i < 5; i++) expect(await fresh.verify(await issuer.token())).toMatchObject({ ok: true });
    expect(issuer.jwksFetches() - before).toBe(1);
  });
});
