/**
 * A test double for Google and GitHub that speaks OAuth2 over real HTTP, on the paths the
 * real providers use, so OAUTH_PROVIDER_URL can point the app at it. It checks what a real
 * provider checks: the client's credentials, the redirect URI, single-use codes, and the PKCE
 * verifier against the challenge given at authorization.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeProviderName = 'google' | 'github';

export interface GoogleProfile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
}

export interface GitHubProfile {
  user: { id: number; login: string; name: string | null; email: string | null };
  emails: { email: string; primary: boolean; verified: boolean }[];
}

interface Profiles {
  google: GoogleProfile;
  github: GitHubProfile;
}

export interface AuthorizeRequest {
  provider: FakeProviderName;
  params: URLSearchParams;
}

export interface FakeOAuthProvider {
  url: string;
  /** Every authorization request received, oldest first. */
  authorizations: AuthorizeRequest[];
  /** Token requests received, with the response status given. */
  tokenRequests: { provider: FakeProviderName; status: number }[];
  /** Who the next user to authorize is; each code keeps the profile set when it was issued. */
  profiles: Profiles;
  /** While true, the token endpoints answer 503. */
  down: boolean;
  /**
   * Plays the browser at the provider: opens `authorizationUrl`, consents, and returns the
   * path and query the provider redirects back to (on the app, without its origin).
   */
  authorize(authorizationUrl: string): Promise<string>;
  close(): Promise<void>;
}

const PATHS: Record<string, { provider: FakeProviderName; kind: string }> = {
  '/o/oauth2/v2/auth': { provider: 'google', kind: 'authorize' },
  '/token': { provider: 'google', kind: 'token' },
  '/v1/userinfo': { provider: 'google', kind: 'userinfo' },
  '/login/oauth/authorize': { provider: 'github', kind: 'authorize' },
  '/login/oauth/access_token': { provider: 'github', kind: 'token' },
  '/user': { provider: 'github', kind: 'user' },
  '/user/emails': { provider: 'github', kind: 'emails' },
};

interface IssuedCode {
  provider: FakeProviderName;
  clientId: string;
  redirectUri: string;
  challenge: string;
  profile: Profiles[FakeProviderName];
}

export async function startFakeOAuthProvider(
  clients: Record<FakeProviderName, { clientId: string; clientSecret: string }>,
  profiles: Profiles,
): Promise<FakeOAuthProvider> {
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<
    string,
    { provider: FakeProviderName; profile: IssuedCode['profile'] }
  >();
  const authorizations: AuthorizeRequest[] = [];
  const tokenRequests: FakeOAuthProvider['tokenRequests'] = [];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  const authorize = (provider: FakeProviderName, params: URLSearchParams, res: ServerResponse) => {
    authorizations.push({ provider, params });
    const redirectUri = params.get('redirect_uri') ?? '';
    const challenge = params.get('code_challenge');
    if (
      params.get('client_id') !== clients[provider].clientId ||
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256' ||
      !challenge ||
      !redirectUri
    ) {
      send(res, 400, { error: 'invalid_request' });
      return;
    }
    const code = randomBytes(16).toString('hex');
    codes.set(code, {
      provider,
      clientId: clients[provider].clientId,
      redirectUri,
      challenge,
      profile: structuredClone(fake.profiles[provider]),
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', params.get('state') ?? '');
    res.writeHead(302, { Location: back.toString() });
    res.end();
  };

  const token = async (provider: FakeProviderName, req: IncomingMessage, res: ServerResponse) => {
    const answer = (status: number, body: unknown) => {
      tokenRequests.push({ provider, status });
      send(res, status, body);
    };
    if (fake.down) return answer(503, { error: 'temporarily_unavailable' });
    const body = await readBody(req);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [clientId, clientSecret] = basic
      ? Buffer.from(basic, 'base64').toString('utf8').split(':')
      : [body.get('client_id'), body.get('client_secret')];
    if (
      clientId !== clients[provider].clientId ||
      clientSecret !== clients[provider].clientSecret
    ) {
      return answer(401, { error: 'invalid_client' });
    }
    const code = body.get('code') ?? '';
    const issued = codes.get(code);
    codes.delete(code);
    const verifier = body.get('code_verifier') ?? '';
    if (
      body.get('grant_type') !== 'authorization_code' ||
      !issued ||
      issued.provider !== provider ||
      issued.clientId !== clientId ||
      issued.redirectUri !== body.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== issued.challenge
    ) {
      return answer(400, { error: 'invalid_grant' });
    }
    const accessToken = randomBytes(16).toString('hex');
    accessTokens.set(accessToken, { provider, profile: issued.profile });
    return answer(200, { access_token: accessToken, token_type: 'bearer', expires_in: 3600 });
  };

  const api = (
    provider: FakeProviderName,
    kind: string,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const grant = accessTokens.get(bearer);
    if (!grant || grant.provider !== provider) {
      send(res, 401, { message: 'Bad credentials' });
      return;
    }
    if (provider === 'google') return send(res, 200, grant.profile);
    const { user, emails } = grant.profile as GitHubProfile;
    send(res, 200, kind === 'emails' ? emails : user);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = PATHS[url.pathname];
    if (!route) return send(res, 404, { error: 'not_found' });
    if (route.kind === 'authorize') return authorize(route.provider, url.searchParams, res);
    if (route.kind === 'token') {
      token(route.provider, req, res).catch(() => send(res, 500, { error: 'server_error' }));
      return;
    }
    api(route.provider, route.kind, req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const fake: FakeOAuthProvider = {
    url,
    authorizations,
    tokenRequests,
    profiles,
    down: false,
    async authorize(authorizationUrl) {
      const res = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) {
        throw new Error(
          `the fake provider refused to authorize: ${res.status} ${await res.text()}`,
        );
      }
      const back = new URL(location);
      return `${back.pathname}${back.search}`;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return fake;
}
