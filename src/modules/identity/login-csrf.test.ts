import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { startFakeOAuthProvider } from './fake-oauth.test-support.ts';

/**
 * Login CSRF: an attacker starts a sign-in with their own provider account, consents, and
 * plants the callback link in the victim's browser, which would then be signed in as the
 * attacker (and whatever the victim saves lands in the attacker's account). The state is bound
 * to a secret held by the browser that started the attempt.
 */
const clients = {
  google: { clientId: 'google-client', clientSecret: 'google-secret' },
  github: { clientId: 'github-client', clientSecret: 'github-secret' },
};
let serial = 0;
const fake = await startFakeOAuthProvider(clients, {
  google: { sub: 'google-0', email: 'eve@gmail.example', email_verified: true, name: 'Eve' },
  github: { user: { id: 1, login: 'eve', name: 'Eve', email: null }, emails: [] },
});
const t = await createTestApp({
  env: {
    GOOGLE_CLIENT_ID: clients.google.clientId,
    GOOGLE_CLIENT_SECRET: clients.google.clientSecret,
    OAUTH_PROVIDER_URL: fake.url,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  },
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

/** A browser: the cookie the API set in it, if any. */
interface Browser {
  cookie: string;
}

async function start(browser: Browser): Promise<{ back: string; setCookie: string }> {
  serial++;
  fake.profiles.google = {
    sub: `google-${serial}`,
    email: `eve-${serial}@gmail.example`,
    email_verified: true,
    name: 'Eve',
  };
  const res = await t.request('/api/v1/auth/oauth/google/start', {
    headers: browser.cookie ? { Cookie: browser.cookie } : {},
  });
  expect(res.status).toBe(302);
  const setCookie = res.headers.get('set-cookie') ?? '';
  browser.cookie = setCookie.split(';')[0] ?? '';
  const back = await fake.authorize(res.headers.get('location') ?? '');
  return { back, setCookie };
}

const open = (browser: Browser, url: string, headers: Record<string, string> = {}) =>
  t.request(url, {
    headers: { ...(browser.cookie ? { Cookie: browser.cookie } : {}), ...headers },
  });

async function expectRefused(res: Response) {
  expect(res.status).toBe(401);
  expect((await problemOf(res)).code).toBe('invalid-oauth-state');
}

describe('OAuth sign-in is bound to the browser that started it', () => {
  it('sets a __Host- cookie that only this site, over HTTPS, can read or overwrite', async () => {
    const { setCookie } = await start({ cookie: '' });
    expect(setCookie).toMatch(/^__Host-mercato-oauth=[\w-]{43};/);
    for (const attribute of ['Max-Age=600', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']) {
      expect(setCookie.split('; ')).toContain(attribute);
    }
    expect(setCookie).not.toMatch(/Domain=/i);
  });

  it('refuses a callback planted in a browser without the binding', async () => {
    const attacker: Browser = { cookie: '' };
    const { back } = await start(attacker);
    await expectRefused(await open({ cookie: '' }, back));
  });

  it('refuses a callback opened in a browser with another binding', async () => {
    const attacker: Browser = { cookie: '' };
    const victim: Browser = { cookie: '' };
    await start(victim);
    const { back } = await start(attacker);
    expect(victim.cookie).not.toBe(attacker.cookie);
    await expectRefused(await open(victim, back));
  });

  it('completes the attempt in the browser that started it, and spends the state', async () => {
    const browser: Browser = { cookie: '' };
    const { back } = await start(browser);
    expect((await open(browser, back)).status).toBe(200);
    await expectRefused(await open(browser, back));
  });

  it('keeps one binding per browser, so attempts in two tabs both finish', async () => {
    const browser: Browser = { cookie: '' };
    const first = await start(browser);
    const binding = browser.cookie;
    const second = await start(browser);
    expect(browser.cookie).toBe(binding);
    expect((await open(browser, second.back)).status).toBe(200);
    expect((await open(browser, first.back)).status).toBe(200);
  });

  it('replaces a binding it did not make', async () => {
    const browser: Browser = { cookie: '__Host-mercato-oauth=chosen-by-the-attacker' };
    await start(browser);
    expect(browser.cookie).toMatch(/^__Host-mercato-oauth=[\w-]{43}$/);
  });

  it('lets an app that catches the redirect present the binding in a header', async () => {
    const res = await t.request('/api/v1/auth/oauth/google/start?format=json');
    expect(res.status).toBe(200);
    const { authorizationUrl, binding } = await res.json();
    expect(binding).toMatch(/^[\w-]{43}$/);
    const back = await fake.authorize(authorizationUrl);
    const app: Browser = { cookie: '' };
    await expectRefused(await open(app, back, { 'X-OAuth-Binding': 'x'.repeat(43) }));

    const again = await (await t.request('/api/v1/auth/oauth/google/start?format=json')).json();
    const returned = await fake.authorize(again.authorizationUrl);
    const signedIn = await open(app, returned, { 'X-OAuth-Binding': again.binding });
    expect(signedIn.status).toBe(200);
    expect((await signedIn.json()).accessToken).toEqual(expect.any(String));
  });
});
