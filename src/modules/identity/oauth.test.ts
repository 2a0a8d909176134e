import { and, eq } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser, suspendInDatabase, TEST_PASSWORD } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import {
  type GitHubProfile,
  type GoogleProfile,
  startFakeOAuthProvider,
} from './fake-oauth.test-support.ts';
import { externalIdentities, oauthStates, users } from './tables.ts';
import { tokenHash } from './tokens.ts';

const clients = {
  google: { clientId: 'google-client', clientSecret: 'google-secret' },
  github: { clientId: 'github-client', clientSecret: 'github-secret' },
};

let serial = 0;
const googleProfile = (overrides: Partial<GoogleProfile> = {}): GoogleProfile => {
  serial++;
  return {
    sub: `google-${serial}`,
    email: `ada-${serial}@gmail.example`,
    email_verified: true,
    name: 'Ada Lovelace',
    ...overrides,
  };
};
const githubProfile = (email: string, verified: boolean, name: string | null): GitHubProfile => {
  serial++;
  return {
    user: { id: 9000 + serial, login: `octo${serial}`, name, email: null },
    emails: [{ email, primary: true, verified }],
  };
};

const fake = await startFakeOAuthProvider(clients, {
  google: googleProfile(),
  github: githubProfile('octo@example.com', true, 'Octo Cat'),
});
const t = await createTestApp({
  env: {
    GOOGLE_CLIENT_ID: clients.google.clientId,
    GOOGLE_CLIENT_SECRET: clients.google.clientSecret,
    GITHUB_CLIENT_ID: clients.github.clientId,
    GITHUB_CLIENT_SECRET: clients.github.clientSecret,
    OAUTH_PROVIDER_URL: fake.url,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  },
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => {
  fake.down = false;
});

type Provider = 'google' | 'github';

/** The test's browser: the binding cookie the start endpoint sets, sent back as browsers do. */
let cookie = '';

/** The provider's URL the start endpoint redirects to. */
async function start(provider: Provider): Promise<URL> {
  const res = await t.request(`/api/v1/auth/oauth/${provider}/start`, {
    headers: cookie ? { Cookie: cookie } : {},
  });
  expect(res.status).toBe(302);
  cookie = res.headers.get('set-cookie')?.split(';')[0] ?? cookie;
  return new URL(res.headers.get('location') ?? '');
}

/** Opens `url` in the test's browser. */
const visit = (url: string) => t.request(url, { headers: { Cookie: cookie } });

/** A whole sign-in: start, consent at the fake provider, come back. */
async function signInWith(provider: Provider): Promise<Response> {
  const back = await fake.authorize((await start(provider)).toString());
  return visit(back);
}

async function tokensOf(res: Response) {
  expect(res.status).toBe(200);
  return (await res.json()) as {
    accessToken: string;
    refreshToken: string;
    user: { id: string; email: string | null; fullName: string; roles: string[]; status: string };
  };
}

const me = (accessToken: string) =>
  t.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${accessToken}` } });

const passwordLogin = (email: string, password: string) =>
  t.json('POST', '/api/v1/auth/login', { email, password });

describe('GET /api/v1/auth/oauth/{provider}/start', () => {
  it('redirects to the provider with PKCE S256 and a state stored only as a hash', async () => {
    const url = await start('google');
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/o/oauth2/v2/auth`);
    const params = url.searchParams;
    expect(params.get('client_id')).toBe('google-client');
    expect(params.get('response_type')).toBe('code');
    expect(params.get('redirect_uri')).toBe(
      `${t.config.publicUrl}/api/v1/auth/oauth/google/callback`,
    );
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const state = params.get('state') ?? '';
    expect(state.length).toBeGreaterThanOrEqual(20);

    const stored = await t.database.db.select().from(oauthStates);
    const hashed = await tokenHash(state);
    const mine = stored.find((s) => s.stateHash === hashed);
    expect(mine).toMatchObject({ provider: 'google' });
    expect(stored.some((s) => s.stateHash === state)).toBe(false);
    const minutes = ((mine?.expiresAt.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(9);
    expect(minutes).toBeLessThanOrEqual(10);
  });

  it('asks GitHub for the user and their emails', async () => {
    const url = await start('github');
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
  });

  it('answers the URL as JSON with format=json', async () => {
    const res = await t.request('/api/v1/auth/oauth/github/start?format=json');
    expect(res.status).toBe(200);
    const { authorizationUrl } = await res.json();
    expect(new URL(authorizationUrl).searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('answers 400 for a provider it does not know', async () => {
    const res = await t.request('/api/v1/auth/oauth/facebook/start');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe('params.provider');
  });

  it('answers 404 provider-not-configured without an app at the provider', async () => {
    const bare = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    try {
      for (const path of [
        '/api/v1/auth/oauth/google/start',
        '/api/v1/auth/oauth/github/callback?code=c&state=s',
      ]) {
        const res = await bare.request(path);
        expect(res.status).toBe(404);
        expect((await problemOf(res)).code).toBe('provider-not-configured');
      }
    } finally {
      await bare.close();
    }
  });
});

describe('GET /api/v1/auth/oauth/{provider}/callback', () => {
  it('creates a verified buyer on first sign-in, whose tokens work', async () => {
    const profile = googleProfile({ name: 'Grace Hopper' });
    fake.profiles.google = profile;
    const tokens = await tokensOf(await signInWith('google'));
    expect(tokens.user).toMatchObject({
      email: profile.email,
      fullName: 'Grace Hopper',
      roles: ['buyer'],
      status: 'active',
    });
    const res = await me(tokens.accessToken);
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(tokens.user.id);

    const [link] = await t.database.db
      .select()
      .from(externalIdentities)
      .where(eq(externalIdentities.userId, tokens.user.id));
    expect(link).toMatchObject({ provider: 'google', subject: profile.sub, email: profile.email });
    const [user] = await t.database.db.select().from(users).where(eq(users.id, tokens.user.id));
    expect(user?.passwordHash).toBeNull();
    expect(user?.emailVerifiedAt).not.toBeNull();
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, tokens.user.id));
    expect(events.map((e) => [e.name, e.payload])).toContainEqual([
      'user.registered',
      { userId: tokens.user.id, channel: 'oauth' },
    ]);
    const logins = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.login'), eq(auditLog.actorId, tokens.user.id)));
    expect(logins.map((l) => l.metadata)).toEqual([{ method: 'oauth:google' }]);
  });

  it('signs the same user in again, on a new session', async () => {
    fake.profiles.google = googleProfile();
    const first = await tokensOf(await signInWith('google'));
    const second = await tokensOf(await signInWith('google'));
    expect(second.user.id).toBe(first.user.id);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(first.accessToken)).status).toBe(200);
  });

  it('creates one user when two first sign-ins of an account finish together', async () => {
    fake.profiles.github = githubProfile('twice@example.com', true, 'Twice');
    const backs = [
      await fake.authorize((await start('github')).toString()),
      await fake.authorize((await start('github')).toString()),
    ];
    const results = await Promise.all(backs.map(async (back) => tokensOf(await visit(back))));
    expect(results[0]?.user.id).toBe(results[1]?.user.id);
  });

  it('links to the local user with the email the provider verified', async () => {
    const local = await createUser(t, { email: 'linked@example.com', fullName: 'Linus' });
    fake.profiles.github = githubProfile('Linked@Example.com', true, 'Someone Else');
    const tokens = await tokensOf(await signInWith('github'));
    expect(tokens.user).toMatchObject({ id: local.id, fullName: 'Linus' });
    expect((await passwordLogin('linked@example.com', TEST_PASSWORD)).status).toBe(200);

    const again = await tokensOf(await signInWith('github'));
    expect(again.user.id).toBe(local.id);
  });

  it('does not link by an email the provider has not verified', async () => {
    const local = await createUser(t, { email: 'victim@example.com' });
    fake.profiles.github = githubProfile('victim@example.com', false, null);
    const tokens = await tokensOf(await signInWith('github'));
    expect(tokens.user.id).not.toBe(local.id);
    expect(tokens.user.email).toBeNull();
    expect(tokens.user.fullName).toBe(fake.profiles.github.user.login);
  });

  it('takes over an unverified local account with that email, clearing its password', async () => {
    const squatter = await t.json('POST', '/api/v1/auth/register', {
      email: 'owner@example.com',
      password: 'a squatter passphrase',
      fullName: 'Squatter',
    });
    expect(squatter.status).toBe(202);
    const [registered] = await t.database.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.email, 'owner@example.com'));
    if (!registered) throw new Error('the squatter was not registered');

    fake.profiles.google = googleProfile({ email: 'owner@example.com', name: 'Real Owner' });
    const tokens = await tokensOf(await signInWith('google'));
    expect(tokens.user).toMatchObject({ id: registered.id, status: 'active', roles: ['buyer'] });

    const login = await passwordLogin('owner@example.com', 'a squatter passphrase');
    expect(login.status).toBe(401);
    expect((await problemOf(login)).code).toBe('invalid-credentials');
    const [linked] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.oauth_linked'), eq(auditLog.actorId, registered.id)));
    expect(linked?.metadata).toEqual({ provider: 'google', passwordCleared: true });
  });

  it('refuses a suspended user with 403 account-suspended', async () => {
    fake.profiles.google = googleProfile();
    const tokens = await tokensOf(await signInWith('google'));
    await suspendInDatabase(t, tokens.user.id);
    const res = await signInWith('google');
    expect(res.status).toBe(403);
    expect((await problemOf(res)).code).toBe('account-suspended');
  });

  const expectStateRefused = async (res: Response) => {
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe('invalid-oauth-state');
  };

  it('refuses a state it never issued', async () => {
    await expectStateRefused(
      await t.request('/api/v1/auth/oauth/google/callback?code=abc&state=made-up'),
    );
  });

  it('refuses a state used before', async () => {
    fake.profiles.google = googleProfile();
    const back = await fake.authorize((await start('google')).toString());
    expect((await visit(back)).status).toBe(200);
    await expectStateRefused(await visit(back));
  });

  it('refuses an expired state', async () => {
    const url = await start('google');
    await t.database.db
      .update(oauthStates)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oauthStates.stateHash, await tokenHash(url.searchParams.get('state') ?? '')));
    await expectStateRefused(await visit(await fake.authorize(url.toString())));
  });

  it('refuses a state issued for another provider', async () => {
    const back = await fake.authorize((await start('google')).toString());
    await expectStateRefused(await visit(back.replace('/google/', '/github/')));
  });

  it('answers 401 oauth-failed when a code is replayed into another attempt (PKCE)', async () => {
    fake.profiles.google = googleProfile();
    const stolen = new URL(await fake.authorize((await start('google')).toString()), 'http://x');
    const victim = await start('google');
    const mixed = `/api/v1/auth/oauth/google/callback?code=${stolen.searchParams.get('code')}&state=${victim.searchParams.get('state')}`;
    const res = await visit(mixed);
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe('oauth-failed');
    expect(fake.tokenRequests.at(-1)).toEqual({ provider: 'google', status: 400 });
  });

  it('answers 401 oauth-denied when the user cancels at the provider', async () => {
    const state = (await start('github')).searchParams.get('state');
    const res = await visit(
      `/api/v1/auth/oauth/github/callback?error=access_denied&error_description=The+user+denied&state=${state}`,
    );
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe('oauth-denied');
  });

  it('answers 503 while the provider is down, and the attempt cannot be retried', async () => {
    const back = await fake.authorize((await start('github')).toString());
    fake.down = true;
    const res = await visit(back);
    expect(res.status).toBe(503);
    expect((await problemOf(res)).code).toBe('oauth-provider-unavailable');
    fake.down = false;
    await expectStateRefused(await visit(back));
  });

  it('answers 400 naming code and state when both are missing', async () => {
    const res = await t.request('/api/v1/auth/oauth/google/callback');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual([
      'query.code',
      'query.state',
    ]);
  });
});
