import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/**
 * Supabase Auth as this API sees it: a JWKS endpoint serving the project's public key, and
 * access tokens signed as Supabase signs them.
 */

export interface TokenOptions {
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
  issuer?: string;
  audience?: string;
  expiresAt?: number;
}

export interface FakeSupabase {
  url: string;
  projectKey: CryptoKeyPair;
  strangerKey: CryptoKeyPair;
  publicJwk: Record<string, unknown>;
  /** While true, the JWKS endpoint answers 503. */
  down: boolean;
  /** How many times the JWKS endpoint was asked. */
  requests: number;
  token(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  /** A new Supabase user's claims (a new user id and session), their email proven. */
  user(overrides?: JWTPayload): JWTPayload;
  close(): void;
}

export async function startFakeSupabase(options: { down?: boolean } = {}): Promise<FakeSupabase> {
  const projectKey = await generateKeyPair('ES256');
  const strangerKey = await generateKeyPair('ES256');
  const publicJwk = {
    ...(await exportJWK(projectKey.publicKey)),
    kid: 'project-key',
    alg: 'ES256',
  };
  let serial = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/auth/v1/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fake.requests++;
    if (fake.down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeSupabase = {
    url,
    projectKey,
    strangerKey,
    publicJwk,
    down: options.down ?? false,
    requests: 0,
    token: (claims, opts = {}) =>
      new SignJWT({ role: 'authenticated', aal: 'aal1', ...claims })
        .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? 'project-key' })
        .setIssuer(opts.issuer ?? `${url}/auth/v1`)
        .setAudience(opts.audience ?? 'authenticated')
        .setIssuedAt()
        .setExpirationTime(opts.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)
        .sign(opts.key ?? projectKey.privateKey),
    user: (overrides = {}) => {
      serial++;
      return {
        sub: crypto.randomUUID(),
        session_id: crypto.randomUUID(),
        email: `Member-${serial}-${Date.now()}@Example.com`,
        is_anonymous: false,
        user_metadata: { full_name: 'Supa Member', email_verified: true },
        ...overrides,
      };
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
  return fake;
}
