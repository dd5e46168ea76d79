/**
 * A stand-in for a token issuer (Cognito) in unit tests: an RSA key pair, its JWKS served
 * over HTTP on 127.0.0.1 (the verifier fetches it with createRemoteJWKSet, as in AWS), and
 * access tokens shaped like Cognito's, with any claim overridden.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  clientId: string;
  /** An access token; `claims` replace or add to Cognito's (`undefined` removes one). */
  token(claims?: Record<string, unknown>, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>;
  /** A key pair the JWKS does not publish. */
  otherKey(): Promise<CryptoKey>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/us-east-1_TestPool`;
  const clientId = 'console-client-id';
  return {
    issuer,
    jwksUrl: `${base}/.well-known/jwks.json`,
    clientId,
    async token(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        sub: 'f1e2d3c4-0000-4000-8000-000000000001',
        client_id: clientId,
        token_use: 'access',
        scope: 'openid email',
        email: 'ada@example.com',
        'cognito:groups': ['viewer'],
        iat: now,
        exp: now + 3600,
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'key-1' })
        .sign(options.key ?? privateKey);
    },
    async otherKey() {
      return (await generateKeyPair('RS256')).privateKey;
    },
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
