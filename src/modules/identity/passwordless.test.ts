import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signIn, TEST_PASSWORD } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { messageTo, codeSentTo as sentCode } from '../../../test/outbox.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { startWorker } from '../../platform/services.ts';
import { oneTimeCodes, sessions, users } from './tables.ts';

const t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(() => t.close());

const NEW_PASSWORD = 'a brand new passphrase';

const codeSentTo = (recipient: string, count = 1) => sentCode(t, recipient, count);

async function linkSentTo(email: string, count = 1): Promise<string> {
  const url = /(http\S+magic-link\/verify\?token=[\w-]+)/.exec(
    (await messageTo(t, email, count)).text,
  )?.[1];
  if (!url) throw new Error('no link in the message');
  return url;
}

/** The link's path and query, as the test app is asked for it. */
const pathOf = (url: string) => url.slice(t.config.publicUrl.length);

const codesFor = (destination: string) =>
  t.database.db.select().from(oneTimeCodes).where(eq(oneTimeCodes.destination, destination));

const auditsOf = (action: string, userId: string) =>
  t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.resourceId, userId)));

let phones = 0;
const newPhone = () =>
  `+2519${String(process.pid % 1000).padStart(3, '0')}${String(++phones).padStart(5, '0')}`;

const me = (headers: Record<string, string>) => t.request('/api/v1/auth/me', { headers });

const login = (email: string, password: string) =>
  t.json('POST', '/api/v1/auth/login', { email, password });

async function expectProblem(res: Response, status: number, code: string, path?: string) {
  expect(res.status).toBe(status);
  const problem = await problemOf(res);
  expect(problem.code).toBe(code);
  if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
  return problem;
}

describe('POST /api/v1/auth/otp/request and /auth/otp/verify', () => {
  it('emails a code to an active account and signs in with it', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const res = await t.json('POST', '/api/v1/auth/otp/request', { email });
    expect(res.status).toBe(202);
    const code = await codeSentTo(email);

    const signedIn = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    expect(signedIn.status).toBe(200);
    const tokens = await signedIn.json();
    expect(tokens).toMatchObject({ tokenType: 'Bearer', user: { id: user.id, email } });
    expect(tokens).not.toHaveProperty('user.passwordHash');
    expect((await me({ Authorization: `Bearer ${tokens.accessToken}` })).status).toBe(200);

    const [session] = await t.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, user.id));
    expect(session?.method).toBe('otp');
    const [entry] = await auditsOf('auth.login', user.id);
    expect(entry).toMatchObject({ actorId: user.id, metadata: { method: 'otp' } });
  });

  it('texts a code to a phone account', async () => {
    const phone = newPhone();
    const user = await createUser(t, { email: null, phone });
    expect((await t.json('POST', '/api/v1/auth/otp/request', { phone })).status).toBe(202);
    const sms = await messageTo(t, phone);
    expect(sms.channel).toBe('sms');
    const code = /\b(\d{6})\b/.exec(sms.text)?.[1];
    const res = await t.json('POST', '/api/v1/auth/otp/verify', { phone, code });
    expect(res.status).toBe(200);
    expect((await res.json()).user.id).toBe(user.id);
  });

  it('sends nothing to unknown, unverified or suspended accounts, and says the same', async () => {
    const unverified = await createUser(t, { status: 'unverified' });
    const suspended = await createUser(t, { status: 'suspended' });
    for (const email of ['nobody@example.com', unverified.email ?? '', suspended.email ?? '']) {
      const res = await t.json('POST', '/api/v1/auth/otp/request', { email });
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('');
      expect(await codesFor(email)).toEqual([]);
    }
  });

  it('sends nothing more within a minute, answering as for an unknown account', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/otp/request', { email });
    const res = await t.json('POST', '/api/v1/auth/otp/request', { email });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(await codesFor(email ?? '')).toHaveLength(1);
  });

  it('spends a code once', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/otp/request', { email });
    const code = await codeSentTo(email ?? '');
    expect((await t.json('POST', '/api/v1/auth/otp/verify', { email, code })).status).toBe(200);
    const again = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    await expectProblem(again, 422, 'invalid-code', 'body.code');
  });

  it('kills a code after five wrong tries, even for the right one after', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/otp/request', { email });
    const code = await codeSentTo(email ?? '');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await t.json('POST', '/api/v1/auth/otp/verify', { email, code: wrong });
      await expectProblem(res, 422, 'invalid-code', 'body.code');
    }
    const late = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    await expectProblem(late, 422, 'invalid-code');
  });

  it('refuses an expired code', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/otp/request', { email });
    const code = await codeSentTo(email ?? '');
    await t.database.db
      .update(oneTimeCodes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oneTimeCodes.destination, email ?? ''));
    const res = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    await expectProblem(res, 422, 'invalid-code');
  });

  it('refuses an account suspended after the code went out', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    await t.json('POST', '/api/v1/auth/otp/request', { email });
    const code = await codeSentTo(email);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id));
    const res = await t.json('POST', '/api/v1/auth/otp/verify', { email, code });
    await expectProblem(res, 403, 'account-suspended');
  });

  it('validates the body', async () => {
    const both = await t.json('POST', '/api/v1/auth/otp/request', {
      email: 'a@example.com',
      phone: '+251911234567',
    });
    await expectProblem(both, 400, 'validation-failed', 'body.phone');
    const short = await t.json('POST', '/api/v1/auth/otp/verify', {
      email: 'a@example.com',
      code: '123',
    });
    await expectProblem(short, 400, 'validation-failed', 'body.code');
  });
});

/** What pressing the link page's button does: the token posted back. */
const click = (url: string) =>
  t.json('POST', '/api/v1/auth/magic-link/verify', {
    token: new URL(url, t.config.publicUrl).searchParams.get('token'),
  });

describe('POST /api/v1/auth/magic-link and /auth/magic-link/verify', () => {
  it('opens a page that spends nothing, as a mail scanner opening the link must not', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/magic-link', { email });
    const url = await linkSentTo(email ?? '');
    for (let i = 0; i < 2; i++) {
      const page = await t.request(pathOf(url));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<form method="post">');
    }
    const [link] = await codesFor(email ?? '');
    expect(link?.consumedAt).toBeNull();
    expect((await click(url)).status).toBe(200);
  });

  it('emails a link that signs in once', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const res = await t.json('POST', '/api/v1/auth/magic-link', { email });
    expect(res.status).toBe(202);
    const mail = await messageTo(t, email);
    expect(mail.subject).toBe('Your Mercato sign-in link');
    const url = await linkSentTo(email);
    expect(url.startsWith(`${t.config.publicUrl}/api/v1/auth/magic-link/verify?token=`)).toBe(true);
    const [stored] = await codesFor(email);
    expect(url).not.toContain(stored?.codeHash);

    const signedIn = await click(url);
    expect(signedIn.status).toBe(200);
    const tokens = await signedIn.json();
    expect(tokens.user.id).toBe(user.id);
    expect((await me({ Authorization: `Bearer ${tokens.accessToken}` })).status).toBe(200);
    const [entry] = await auditsOf('auth.login', user.id);
    expect(entry?.metadata).toEqual({ method: 'magic-link' });

    await expectProblem(await click(url), 401, 'invalid-link');
  });

  it('signs in once when two clicks race', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/magic-link', { email });
    const url = await linkSentTo(email ?? '');
    const answers = await Promise.all([click(url), click(url), click(url)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('confirms the email it was sent to', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    await t.database.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, user.id));
    await t.json('POST', '/api/v1/auth/magic-link', { email });
    expect((await click(await linkSentTo(email))).status).toBe(200);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.emailVerifiedAt).toBeInstanceOf(Date);
  });

  it('refuses an expired link', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/magic-link', { email });
    const url = await linkSentTo(email ?? '');
    await t.database.db
      .update(oneTimeCodes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oneTimeCodes.destination, email ?? ''));
    await expectProblem(await click(url), 401, 'invalid-link');
  });

  it('replaces an earlier link with a new one', async () => {
    const { email } = await createUser(t);
    await t.json('POST', '/api/v1/auth/magic-link', { email });
    const first = await linkSentTo(email ?? '');
    const early = await t.json('POST', '/api/v1/auth/magic-link', { email });
    expect(early.status).toBe(202);
    expect(await codesFor(email ?? '')).toHaveLength(1);

    await t.database.db
      .update(oneTimeCodes)
      .set({ createdAt: new Date(Date.now() - 61_000) })
      .where(eq(oneTimeCodes.destination, email ?? ''));
    expect((await t.json('POST', '/api/v1/auth/magic-link', { email })).status).toBe(202);
    const second = await linkSentTo(email ?? '', 2);
    expect(second).not.toBe(first);
    await expectProblem(await click(first), 401, 'invalid-link');
    expect((await click(second)).status).toBe(200);
  });

  it('refuses a suspended account without spending the link', async () => {
    const user = await createUser(t);
    await t.json('POST', '/api/v1/auth/magic-link', { email: user.email });
    const url = await linkSentTo(user.email ?? '');
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id));
    await expectProblem(await click(url), 403, 'account-suspended');
    const [link] = await codesFor(user.email ?? '');
    expect(link?.consumedAt).toBeNull();
  });

  it('sends nothing to unknown or unverified accounts, and says the same', async () => {
    const unverified = await createUser(t, { status: 'unverified' });
    for (const email of ['nobody-link@example.com', unverified.email ?? '']) {
      const res = await t.json('POST', '/api/v1/auth/magic-link', { email });
      expect(res.status).toBe(202);
      expect(await codesFor(email)).toEqual([]);
    }
  });

  it('refuses a made-up token and asks for a missing one', async () => {
    await expectProblem(
      await t.json('POST', '/api/v1/auth/magic-link/verify', { token: 'made-up' }),
      401,
      'invalid-link',
    );
    await expectProblem(
      await t.json('POST', '/api/v1/auth/magic-link/verify', {}),
      400,
      'validation-failed',
      'body.token',
    );
    await expectProblem(
      await t.request('/api/v1/auth/magic-link/verify'),
      400,
      'validation-failed',
      'query.token',
    );
  });
});

/** What a caller can compare between two answers: all but what differs per request. */
async function observable(res: Response) {
  const headers = [...res.headers.entries()].filter(
    ([name]) => !['x-request-id', 'date'].includes(name) && !name.startsWith('ratelimit'),
  );
  return { status: res.status, headers, body: await res.text() };
}

describe('POST /api/v1/auth/password/forgot', () => {
  it('answers an unknown account exactly as a known one, also within the cool-down', async () => {
    const { email } = await createUser(t);
    const forgot = (body: unknown) => t.json('POST', '/api/v1/auth/password/forgot', body);
    const known = await observable(await forgot({ email }));
    const again = await observable(await forgot({ email }));
    const unknown = await observable(await forgot({ email: 'nobody-reset@example.com' }));
    const unknownPhone = await observable(await forgot({ phone: '+251900000001' }));
    expect(known.status).toBe(202);
    expect(again).toEqual(known);
    expect(unknown).toEqual(known);
    expect(unknownPhone).toEqual(known);
    expect(await codesFor('nobody-reset@example.com')).toEqual([]);
    expect(await codesFor(email ?? '')).toHaveLength(1);
  });

  it('sends a code to an unverified account but none to a suspended one', async () => {
    const unverified = await createUser(t, { status: 'unverified' });
    const suspended = await createUser(t, { status: 'suspended' });
    await t.json('POST', '/api/v1/auth/password/forgot', { email: unverified.email });
    await t.json('POST', '/api/v1/auth/password/forgot', { email: suspended.email });
    expect(await codeSentTo(unverified.email ?? '')).toMatch(/^\d{6}$/);
    expect(await codesFor(suspended.email ?? '')).toEqual([]);
  });
});

describe('POST /api/v1/auth/password/reset', () => {
  async function resetCodeFor(email: string) {
    await t.json('POST', '/api/v1/auth/password/forgot', { email });
    return codeSentTo(email);
  }

  it('sets the password and ends every session at once', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const phone = await signIn(t, user);
    const laptop = await signIn(t, user);
    expect((await me(laptop.headers)).status).toBe(200);
    const code = await resetCodeFor(email);

    const res = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);

    for (const device of [phone, laptop]) {
      await expectProblem(await me(device.headers), 401, 'session-revoked');
      const refreshed = await t.json('POST', '/api/v1/auth/refresh', {
        refreshToken: device.tokens.refreshToken,
      });
      expect(refreshed.status).toBe(401);
    }
    await expectProblem(await login(email, TEST_PASSWORD), 401, 'invalid-credentials');
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
    const [entry] = await auditsOf('auth.password_reset', user.id);
    expect(entry).toMatchObject({ actorId: user.id, metadata: { sessionsEnded: 2 } });

    const reused = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: 'yet another passphrase',
    });
    await expectProblem(reused, 422, 'invalid-code', 'body.code');
  });

  it('refuses a weak password without spending the code', async () => {
    const { email } = await createUser(t);
    const code = await resetCodeFor(email ?? '');
    const weak = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: 'password123',
    });
    await expectProblem(weak, 422, 'weak-password', 'body.password');
    const mine = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: email,
    });
    await expectProblem(mine, 422, 'weak-password', 'body.password');
    const ok = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: NEW_PASSWORD,
    });
    expect(ok.status).toBe(204);
  });

  it('refuses a wrong code and keeps the old password', async () => {
    const { email } = await createUser(t);
    const code = await resetCodeFor(email ?? '');
    const res = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code: code === '000000' ? '111111' : '000000',
      password: NEW_PASSWORD,
    });
    await expectProblem(res, 422, 'invalid-code', 'body.code');
    expect((await login(email ?? '', TEST_PASSWORD)).status).toBe(200);
  });

  it('verifies an unverified account', async () => {
    const user = await createUser(t, { status: 'unverified' });
    const email = user.email ?? '';
    const code = await resetCodeFor(email);
    const res = await t.json('POST', '/api/v1/auth/password/reset', {
      email,
      code,
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    const signedIn = await login(email, NEW_PASSWORD);
    expect(signedIn.status).toBe(200);
    expect((await signedIn.json()).user).toMatchObject({ status: 'active', roles: ['buyer'] });
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.emailVerifiedAt).toBeInstanceOf(Date);
  });

  it('resets a phone account by SMS', async () => {
    const phone = newPhone();
    await createUser(t, { email: null, phone });
    await t.json('POST', '/api/v1/auth/password/forgot', { phone });
    const code = await codeSentTo(phone);
    const res = await t.json('POST', '/api/v1/auth/password/reset', {
      phone,
      code,
      password: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    const signedIn = await t.json('POST', '/api/v1/auth/login', { phone, password: NEW_PASSWORD });
    expect(signedIn.status).toBe(200);
  });
});

describe('POST /api/v1/auth/password/change', () => {
  securityCases(() => t, {
    method: 'POST',
    path: '/api/v1/auth/password/change',
    body: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
    allowed: [],
  });

  const change = (headers: Record<string, string>, body: unknown) =>
    t.json('POST', '/api/v1/auth/password/change', body, headers);

  it('changes the password, keeps this session and ends the others', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const here = await signIn(t, user);
    const elsewhere = await signIn(t, user);
    const res = await change(here.headers, {
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);

    expect((await me(here.headers)).status).toBe(200);
    await expectProblem(await me(elsewhere.headers), 401, 'session-revoked');
    const refreshed = await t.json('POST', '/api/v1/auth/refresh', {
      refreshToken: here.tokens.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    await expectProblem(await login(email, TEST_PASSWORD), 401, 'invalid-credentials');
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
    const [entry] = await auditsOf('auth.password_changed', user.id);
    expect(entry).toMatchObject({ actorId: user.id, metadata: { sessionsEnded: 1 } });
  });

  it('refuses a wrong current password', async () => {
    const { user, headers } = await signIn(t, await createUser(t));
    const res = await change(headers, {
      currentPassword: 'not the password',
      newPassword: NEW_PASSWORD,
    });
    await expectProblem(res, 422, 'invalid-password', 'body.currentPassword');
    expect((await me(headers)).status).toBe(200);
    expect((await login(user.email ?? '', TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses a weak new password', async () => {
    const { user, headers } = await signIn(t, await createUser(t));
    for (const newPassword of ['short', '1234567890', user.email]) {
      const res = await change(headers, { currentPassword: TEST_PASSWORD, newPassword });
      await expectProblem(res, 422, 'weak-password', 'body.newPassword');
    }
  });

  it('sends an account without a password to the reset flow', async () => {
    const user = await createUser(t);
    await t.database.db.update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
    const { headers } = await signIn(t, user);
    const res = await change(headers, {
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    await expectProblem(res, 422, 'no-password');
  });

  it('validates the body', async () => {
    const { headers } = await signIn(t, await createUser(t));
    const res = await change(headers, { currentPassword: '' });
    const problem = await expectProblem(res, 400, 'validation-failed');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      'body.currentPassword',
      'body.newPassword',
    ]);
  });
});

describe('rate limits', () => {
  it('refuses the fourth reset request for one account from one address', async () => {
    const limited = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const forgot = () =>
        limited.json('POST', '/api/v1/auth/password/forgot', { email: 'limited@example.com' });
      for (let i = 0; i < 3; i++) expect((await forgot()).status).toBe(202);
      const res = await forgot();
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await problemOf(res)).code).toBe('too-many-requests');
    } finally {
      await limited.close();
    }
  });
});
