import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserTokenVerifier } from '../../../functions/adapters/user-token-verifier.js';
import { createAuthorizerHandler } from '../../../functions/handlers/authorizer.js';
import { startTestIssuer, type TestIssuer } from '../../support/token-issuer.js';

const API_KEY = 'fu_test-key-0123456789';
let issuer: TestIssuer;
let authorize: ReturnType<typeof createAuthorizerHandler>;
beforeAll(async () => {
  issuer = await startTestIssuer();
  const verifier = createUserTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience: [issuer.clientId] });
  authorize = createAuthorizerHandler({ apiKey: async () => API_KEY, userTokens: () => verifier });
});
afterAll(() => issuer.close());

const withHeader = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization }, identitySource: authorization ? [authorization] : [] }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe('authorizer: the API key or a user token', () => {
  it('the API key is an editor machine', async () => {
    expect(await authorize(withHeader(`Bearer ${API_KEY}`))).toEqual({ isAuthorized: true, context: { principal: 'apiKey', role: 'editor' } });
    expect(await authorize(withHeader(`bearer   ${API_KEY}  `))).toMatchObject({ isAuthorized: true });
  });

  it('a user token is the user, with the role of its groups', async () => {
    expect(await authorize(withHeader(`Bearer ${await issuer.token({ 'cognito:groups': ['editor'] })}`))).toEqual({
      isAuthorized: true,
      context: { principal: 'user', role: 'editor', sub: 'f1e2d3c4-0000-4000-8000-000000000001', email: 'ada@example.com' },
    });
    expect(await authorize(withHeader(`Bearer ${await issuer.token()}`))).toMatchObject({ isAuthorized: true, context: { role: 'viewer' } });
  });

  it('refuses garbage, a wrong key, a bad token, no header, another scheme', async () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      `Bearer ${API_KEY}x`,
      `Basic ${Buffer.from(`u:${API_KEY}`).toString('base64')}`,
      `Token ${API_KEY}`,
      'Bearer a.b.c',
      `Bearer ${await issuer.token({ 'cognito:groups': [] })}`,
      `Bearer ${await issuer.token({ exp: Math.floor(Date.now() / 1000) - 3600 })}`,
    ]) {
      expect(await authorize(withHeader(header)), String(header)).toEqual({ isAuthorized: false, context: {} });
    }
  });

  it('without a token issuer configured, only the API key works', async () => {
    const keyOnly = createAuthorizerHandler({ apiKey: async () => API_KEY });
    expect(await keyOnly(withHeader(`Bearer ${await issuer.token({ 'cognito:groups': ['editor'] })}`))).toMatchObject({ isAuthorized: false });
    expect(await keyOnly(withHeader(`Bearer ${API_KEY}`))).toMatchObject({ isAuthorized: true });
  });
});
