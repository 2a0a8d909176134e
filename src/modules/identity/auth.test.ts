import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInUser, TEST_PASSWORD } from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { codeSentTo, outbox } from '../../../test/outbox.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { startWorker } from '../../platform/services.ts';
import { oneTimeCodes, users } from './tables.ts';

const t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
beforeAll(() => startWorker(t.services, t.ctx()));
afterAll(() => t.close());

const PASSWORD = 'correct horse battery staple';
let serial = 0;
const newEmail = () => `person-${Date.now()}-${++serial}@example.com`;
const newPhone = () => `+2519${String(Date.now() + ++serial).slice(-8)}`;

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  t.json('POST', `/api/v1${path}`, body, headers);

async function auditActions(userId: string): Promise<string[]> {
  const rows = await t.database.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(eq(auditLog.resourceId, userId))
    .orderBy(auditLog.occurredAt, auditLog.id);
  return rows.map((r) => r.action);
}

describe('POST /auth/register', () => {
  it('creates an unverified account and emails a code', async () => {
    const email = newEmail();
    const res = await post('/auth/register', {
      email: email.toUpperCase(),
      password: PASSWORD,
      fullName: ' Abebe Bikila ',
    });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toEqual({ verification: { channel: 'email' } });
    const [created] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(created).toMatchObject({
      email,
      phone: null,
      fullName: 'Abebe Bikila',
      status: 'unverified',
      verifiedAt: null,
    });
    const code = await codeSentTo(t, email);
    const [stored] = await t.database.db
      .select()
      .from(oneTimeCodes)
      .where(eq(oneTimeCodes.destination, email));
    expect(stored?.codeHash).not.toContain(code);
    const events = await t.database.db
      .select({ name: outboxEvents.name })
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, created?.id ?? ''));
    expect(events.map((e) => e.name)).toEqual(['user.registered']);
  });

  it('texts a code to a phone number', async () => {
    const phone = newPhone();
    const res = await post('/auth/register', {
      phone,
      password: PASSWORD,
      fullName: 'Derartu Tulu',
    });
    expect(res.status).toBe(202);
    expect((await res.json()).verification).toEqual({ channel: 'sms' });
    const [sms] = await (async () => {
      await codeSentTo(t, phone);
      return outbox(t, phone);
    })();
    expect(sms?.channel).toBe('sms');
  });

  it('answers a taken email as a free one, creating nothing and telling its owner', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    const free = await post('/auth/register', {
      email: newEmail(),
      password: PASSWORD,
      fullName: 'X',
    });
    const res = await post('/auth/register', { email, password: PASSWORD, fullName: 'X' });
    expect(res.status).toBe(free.status);
    expect(await res.json()).toEqual(await free.json());
    const mail = await (async () => {
      await expect.poll(async () => (await outbox(t, email)).length, { timeout: 10_000 }).toBe(1);
      return (await outbox(t, email))[0];
    })();
    expect(mail?.subject).toBe('Someone tried to sign up with your address');
    const [row] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(row?.passwordHash).toBe(user.passwordHash);
  });

  it.each([
    ['too short', 'short-pw', 'at least 10'],
    ['common', 'qwertyuiop', 'most common'],
    ['common in another case', 'QwertyUiop', 'most common'],
  ])('refuses a %s password with 422 naming body.password', async (_, password, message) => {
    const res = await post('/auth/register', { email: newEmail(), password, fullName: 'X' });
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.code).toBe('weak-password');
    expect(problem.errors).toEqual([
      { path: 'body.password', message: expect.stringContaining(message) },
    ]);
  });

  it('refuses the email or phone as the password', async () => {
    const email = newEmail();
    const byEmail = await post('/auth/register', { email, password: email, fullName: 'X' });
    expect((await problemOf(byEmail)).detail).toContain('email');
    const phone = newPhone();
    const byPhone = await post('/auth/register', { phone, password: phone, fullName: 'X' });
    expect((await problemOf(byPhone)).detail).toContain('phone');
  });

  it('answers 400 naming each bad field', async () => {
    const both = await post('/auth/register', {
      email: newEmail(),
      phone: newPhone(),
      password: PASSWORD,
      fullName: 'X',
    });
    expect((await problemOf(both)).errors?.map((e) => e.path)).toEqual(['body.phone']);
    const bad = await post('/auth/register', { email: 'nope', password: 5, fullName: '' });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.map((e) => e.path).sort()).toEqual([
      'body.email',
      'body.fullName',
      'body.password',
    ]);
    const phone = await post('/auth/register', {
      phone: '0911234567',
      password: PASSWORD,
      fullName: 'X',
    });
    expect((await problemOf(phone)).errors?.map((e) => e.path)).toEqual(['body.phone']);
    const none = await t.request('/api/v1/auth/register', { method: 'POST' });
    expect(none.status).toBe(400);
  });
});

describe('POST /auth/verify', () => {
  async function registered() {
    const email = newEmail();
    expect(
      (await post('/auth/register', { email, password: PASSWORD, fullName: 'Haile G' })).status,
    ).toBe(202);
    const [user] = await t.database.db.select().from(users).where(eq(users.email, email));
    return { email, id: user?.id as string, code: await codeSentTo(t, email) };
  }

  it('verifies the account with the code and signs in', async () => {
    const { email, id, code } = await registered();
    const res = await post('/auth/verify', { email, code });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id, status: 'active', verifiedAt: expect.any(String) },
    });
    const me = await t.request('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${body.accessToken}` },
    });
    expect(await me.json()).toMatchObject({ id, email, status: 'active' });
    expect(await auditActions(id)).toEqual(['auth.registered', 'auth.verified', 'auth.login']);
    const again = await post('/auth/verify', { email, code });
    expect((await problemOf(again)).code).toBe('invalid-code');
  });

  it('refuses a wrong code, and five wrong tries spend the code', async () => {
    const { email, code } = await registered();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await post('/auth/verify', { email, code: wrong });
      expect(res.status).toBe(422);
      expect((await problemOf(res)).errors?.[0]?.path).toBe('body.code');
    }
    expect((await post('/auth/verify', { email, code })).status).toBe(422);
  });

  it('refuses an expired code', async () => {
    const { email, code } = await registered();
    await t.database.db
      .update(oneTimeCodes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oneTimeCodes.destination, email));
    expect((await post('/auth/verify', { email, code })).status).toBe(422);
  });

  it('resends a code after the cool-down, and says nothing about unknown accounts', async () => {
    const { email } = await registered();
    const soon = await post('/auth/verify/resend', { email });
    expect(soon.status).toBe(202);
    const codes = () =>
      t.database.db.select().from(oneTimeCodes).where(eq(oneTimeCodes.destination, email));
    expect(await codes()).toHaveLength(1);
    await t.database.db
      .update(oneTimeCodes)
      .set({ createdAt: new Date(Date.now() - 61_000) })
      .where(eq(oneTimeCodes.destination, email));
    expect((await post('/auth/verify/resend', { email })).status).toBe(202);
    const code = await codeSentTo(t, email, 2);
    expect((await post('/auth/verify', { email, code })).status).toBe(200);
    expect((await post('/auth/verify/resend', { email: newEmail() })).status).toBe(202);
  });
});

describe('POST /auth/login', () => {
  it('signs in with email and password', async () => {
    const user = await createUser(t);
    const res = await post('/auth/login', { email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'tokenType',
      'user',
    ]);
    expect(await auditActions(user.id)).toContain('auth.login');
  });

  it('signs in with a phone number', async () => {
    const phone = newPhone();
    await createUser(t, { email: null, phone });
    const res = await post('/auth/login', { phone, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
  });

  it('accepts the OAuth2 password grant the docs page sends', async () => {
    const user = await createUser(t);
    const res = await t.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: user.email ?? '',
        password: TEST_PASSWORD,
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const me = await t.request('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(me.status).toBe(200);
    const grant = await t.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'nobody', password: 'x' }),
    });
    expect((await problemOf(grant)).errors?.[0]?.path).toBe('body.username');
  });

  it('answers the same 401 for a wrong password and an unknown account', async () => {
    const user = await createUser(t);
    const wrong = await post('/auth/login', { email: user.email, password: 'not the password' });
    const unknown = await post('/auth/login', { email: newEmail(), password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await problemOf(wrong), await problemOf(unknown)];
    expect({ ...a, requestId: '' }).toEqual({ ...b, requestId: '' });
    expect(a.code).toBe('invalid-credentials');
    expect(await auditActions(user.id)).toEqual(['auth.login_failed']);
  });

  it('refuses unverified and suspended accounts once the password is right', async () => {
    const unverified = await createUser(t, { status: 'unverified' });
    const res = await post('/auth/login', { email: unverified.email, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect((await problemOf(res)).code).toBe('account-unverified');
    const suspended = await createUser(t, { status: 'suspended' });
    const refused = await post('/auth/login', { email: suspended.email, password: TEST_PASSWORD });
    expect((await problemOf(refused)).code).toBe('account-suspended');
  });

  it('resets the failure count on success', async () => {
    const user = await createUser(t);
    const email = user.email ?? '';
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) await post('/auth/login', { email, password: 'wrong password!' });
      expect((await post('/auth/login', { email, password: TEST_PASSWORD })).status).toBe(200);
    }
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: a new pair each time, the old refresh token spent', async () => {
    const { tokens } = await signedInUser(t);
    const first = await post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(first.status).toBe(200);
    const pair = await first.json();
    expect(pair.refreshToken).not.toBe(tokens.refreshToken);
    const second = await post('/auth/refresh', { refreshToken: pair.refreshToken });
    expect(second.status).toBe(200);
  });

  it('revokes the whole family when a spent token comes back', async () => {
    const { user, tokens } = await signedInUser(t);
    const rotated = await (
      await post('/auth/refresh', { refreshToken: tokens.refreshToken })
    ).json();

    const replay = await post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(replay.status).toBe(401);
    expect((await problemOf(replay)).code).toBe('refresh-token-reused');

    const thief = await post('/auth/refresh', { refreshToken: rotated.refreshToken });
    expect((await problemOf(thief)).code).toBe('invalid-refresh-token');
    const me = await t.request('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${rotated.accessToken}` },
    });
    expect(me.status).toBe(401);
    expect((await problemOf(me)).code).toBe('session-revoked');
    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.refresh_token_reused'), eq(auditLog.actorId, user.id)));
    expect(entry?.resourceType).toBe('session');
  });

  it('refuses unknown, expired and suspended users’ tokens', async () => {
    expect((await post('/auth/refresh', { refreshToken: 'x'.repeat(43) })).status).toBe(401);
    const { user, tokens } = await signedInUser(t);
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id));
    const res = await post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expect((await problemOf(res)).code).toBe('invalid-refresh-token');
    const bad = await post('/auth/refresh', { refreshToken: '' });
    expect((await problemOf(bad)).errors?.[0]?.path).toBe('body.refreshToken');
  });
});

describe('POST /auth/logout and /auth/logout-all', () => {
  securityCases(() => t, { method: 'POST', path: '/api/v1/auth/logout' });
  securityCases(() => t, { method: 'POST', path: '/api/v1/auth/logout-all' });

  it('ends this session only', async () => {
    const user = await createUser(t);
    const login = async () =>
      (await post('/auth/login', { email: user.email, password: TEST_PASSWORD })).json();
    const [phone, laptop] = [await login(), await login()];
    const auth = (tokens: { accessToken: string }) => ({
      Authorization: `Bearer ${tokens.accessToken}`,
    });
    expect((await post('/auth/logout', {}, auth(phone))).status).toBe(204);
    expect((await t.request('/api/v1/auth/me', { headers: auth(phone) })).status).toBe(401);
    expect((await post('/auth/refresh', { refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await t.request('/api/v1/auth/me', { headers: auth(laptop) })).status).toBe(200);
  });

  it('ends every session', async () => {
    const user = await createUser(t);
    const login = async () =>
      (await post('/auth/login', { email: user.email, password: TEST_PASSWORD })).json();
    const [phone, laptop] = [await login(), await login()];
    const res = await post(
      '/auth/logout-all',
      {},
      { Authorization: `Bearer ${phone.accessToken}` },
    );
    expect(await res.json()).toEqual({ sessionsEnded: 2 });
    for (const tokens of [phone, laptop]) {
      const me = await t.request('/api/v1/auth/me', {
        headers: { Authorization: `Bearer ${tokens.accessToken}` },
      });
      expect(me.status).toBe(401);
    }
  });
});

describe('GET /auth/me', () => {
  securityCases(() => t, { method: 'GET', path: '/api/v1/auth/me' });

  it('answers the user with the roles granted now', async () => {
    const { user, headers } = await signedInUser(t, { roles: ['seller'] });
    const res = await t.request('/api/v1/auth/me', { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, roles: ['buyer', 'seller'] });
  });
});

describe('rate limits', () => {
  it('limit sign-in attempts per address and per account', async () => {
    const limited = await createTestApp({
      env: { AUTH_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' },
    });
    try {
      const user = await createUser(limited);
      const attempt = (ip: string, email = user.email) =>
        limited.json(
          'POST',
          '/api/v1/auth/login',
          { email, password: 'wrong password!' },
          { 'X-Forwarded-For': ip },
        );
      for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.1')).status).toBe(401);
      const byAddress = await attempt('203.0.113.1', newEmail());
      expect(byAddress.status).toBe(429);
      expect((await problemOf(byAddress)).detail).toContain('"auth"');
      expect(byAddress.headers.get('retry-after')).not.toBeNull();

      const byAccount = await attempt('198.51.100.7');
      expect(byAccount.status).toBe(429);
      expect((await problemOf(byAccount)).detail).toContain('"auth-account"');
      expect((await attempt('198.51.100.7', newEmail())).status).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('concurrent refreshes (PostgreSQL)', () => {
  it('let exactly one use of a refresh token win, and treat the rest as reuse', async () => {
    const { tokens } = await signedInUser(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post('/auth/refresh', { refreshToken: tokens.refreshToken })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    const winner = results.find((r) => r.status === 200);
    const pair = await winner?.json();
    // The losers presented a spent token: the family is revoked, the winner's pair with it.
    expect((await post('/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
  });
});
