import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, suspendInDatabase } from '../../../test/factories.ts';
import { createTestApp, problemOf, type TestApp } from '../../../test/harness.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { forgetSessions } from './sessions.ts';
import { startFakeSupabase } from './supabase.test-support.ts';
import { externalIdentities, userRoles } from './tables.ts';

const supabase = await startFakeSupabase({ down: true });

const t = await createTestApp({
  env: {
    AUTH_PROVIDER: 'supabase',
    SUPABASE_URL: supabase.url,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
  },
});
afterAll(async () => {
  await t.close();
  supabase.close();
});

const supabaseToken = supabase.token;
const supabaseUser = supabase.user;

const me = (app: TestApp, token: string) =>
  app.request('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } });

async function meAs(token: string) {
  const res = await me(t, token);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    id: string;
    email: string | null;
    fullName: string;
    roles: string[];
    status: string;
  };
}

async function expectRefused(res: Response, code: string) {
  expect(res.status).toBe(401);
  expect((await problemOf(res)).code).toBe(code);
}

describe('Supabase Auth tokens (AUTH_PROVIDER=supabase)', () => {
  // First, while no key has ever been fetched: jose keeps keys it fetched.
  it('answers 503 while the project keys cannot be fetched', async () => {
    const res = await me(t, await supabaseToken(supabaseUser()));
    expect(res.status).toBe(503);
    expect((await problemOf(res)).code).toBe('auth-provider-unavailable');
    supabase.down = false;
  });

  it('creates a local user on first sight, and reuses it after', async () => {
    const claims = supabaseUser({ email: 'New.Member@Example.com' });
    const user = await meAs(await supabaseToken(claims));
    expect(user).toMatchObject({
      email: 'new.member@example.com',
      fullName: 'Supa Member',
      roles: ['buyer'],
      status: 'active',
    });
    const fetched = supabase.requests;
    expect((await meAs(await supabaseToken(claims))).id).toBe(user.id);
    const otherDevice = { ...claims, session_id: crypto.randomUUID() };
    expect((await meAs(await supabaseToken(otherDevice))).id).toBe(user.id);
    expect(supabase.requests).toBe(fetched);

    const links = await t.database.db
      .select()
      .from(externalIdentities)
      .where(eq(externalIdentities.userId, user.id));
    expect(links).toEqual([expect.objectContaining({ provider: 'supabase', subject: claims.sub })]);
    const created = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.external_user_created'), eq(auditLog.actorId, user.id)));
    expect(created).toHaveLength(1);
    const events = await t.database.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.aggregateId, user.id));
    expect(events.map((e) => e.payload)).toContainEqual({ userId: user.id, channel: 'external' });
  });

  it('creates one user when a new user’s first requests arrive together', async () => {
    const claims = supabaseUser();
    const tokens = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        supabaseToken(i % 2 ? claims : { ...claims, session_id: crypto.randomUUID() }),
      ),
    );
    const users = await Promise.all(tokens.map((token) => meAs(token)));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    const links = await t.database.db
      .select()
      .from(externalIdentities)
      .where(eq(externalIdentities.subject, String(claims.sub)));
    expect(links).toHaveLength(1);
  });

  it('names a user without metadata after their email', async () => {
    const user = await meAs(
      await supabaseToken(supabaseUser({ email: 'grace@example.com', user_metadata: {} })),
    );
    expect(user.fullName).toBe('grace');
  });

  it('links a verified local account with the same email', async () => {
    const local = await createUser(t, { email: 'before-the-switch@example.com' });
    const user = await meAs(
      await supabaseToken(supabaseUser({ email: 'Before-The-Switch@example.com' })),
    );
    expect(user.id).toBe(local.id);
  });

  it('does not hand an unverified local account’s email to the Supabase user', async () => {
    const squatted = await createUser(t, {
      email: 'squatted@example.com',
      status: 'unverified',
    });
    const user = await meAs(await supabaseToken(supabaseUser({ email: 'squatted@example.com' })));
    expect(user.id).not.toBe(squatted.id);
    expect(user.email).toBeNull();
  });

  it('refuses tokens from another issuer, for another audience, or signed by another key', async () => {
    const claims = supabaseUser();
    const refused = [
      await supabaseToken(claims, { issuer: 'https://other.supabase.co/auth/v1' }),
      await supabaseToken(claims, { audience: 'anon' }),
      await supabaseToken(claims, { key: supabase.strangerKey.privateKey }),
      await supabaseToken(claims, { key: supabase.strangerKey.privateKey, kid: 'stranger-key' }),
      await supabaseToken(
        { ...claims, session_id: undefined },
        { key: supabase.projectKey.privateKey },
      ),
      await supabaseToken(claims, {
        alg: 'HS256',
        key: new TextEncoder().encode(JSON.stringify(supabase.publicJwk)),
      }),
    ];
    for (const token of refused) await expectRefused(await me(t, token), 'invalid-token');
  });

  it('answers 401 token-expired to an expired token', async () => {
    const token = await supabaseToken(supabaseUser(), {
      expiresAt: Math.floor(Date.now() / 1000) - 60,
    });
    await expectRefused(await me(t, token), 'token-expired');
  });

  it('takes roles from here, and an admin’s suspension applies at once', async () => {
    const adminToken = await supabaseToken(supabaseUser());
    const admin = await meAs(adminToken);
    const asAdmin = { Authorization: `Bearer ${adminToken}` };
    expect((await t.request('/api/v1/admin/users', { headers: asAdmin })).status).toBe(403);
    await t.database.db
      .insert(userRoles)
      .values({ userId: admin.id, role: 'admin', status: 'granted', grantedAt: new Date() });
    await forgetSessions(t.ctx(), { userId: admin.id });
    expect((await t.request('/api/v1/admin/users', { headers: asAdmin })).status).toBe(200);

    const claims = supabaseUser();
    const token = await supabaseToken(claims);
    const member = await meAs(token);
    const reason = { reason: 'Repeated fraudulent listings' };
    const suspend = await t.json(
      'POST',
      `/api/v1/admin/users/${member.id}/suspend`,
      reason,
      asAdmin,
    );
    expect(suspend.status).toBe(200);
    await expectRefused(await me(t, token), 'account-suspended');
    const signedInAgain = { ...claims, session_id: crypto.randomUUID() };
    await expectRefused(await me(t, await supabaseToken(signedInAgain)), 'account-suspended');

    const unsuspend = await t.json(
      'POST',
      `/api/v1/admin/users/${member.id}/unsuspend`,
      reason,
      asAdmin,
    );
    expect(unsuspend.status).toBe(200);
    // The sessions the suspension ended stay ended.
    expect((await me(t, token)).status).toBe(401);
    const afterwards = { ...claims, session_id: crypto.randomUUID() };
    expect((await meAs(await supabaseToken(afterwards))).id).toBe(member.id);
  });

  it('refuses a user suspended in the database', async () => {
    const token = await supabaseToken(supabaseUser());
    const { id } = await meAs(token);
    await suspendInDatabase(t, id);
    await forgetSessions(t.ctx(), { userId: id });
    await expectRefused(await me(t, token), 'account-suspended');
  });

  it('lists each Supabase session as a device, which the user can sign out here', async () => {
    const claims = supabaseUser();
    const phone = await supabaseToken(claims);
    const laptop = await supabaseToken({ ...claims, session_id: crypto.randomUUID() });
    await meAs(laptop);
    const res = await t.request('/api/v1/profile/sessions', {
      headers: { Authorization: `Bearer ${phone}` },
    });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: { id: string; method: string; current: boolean }[];
    };
    expect(items.map((s) => [s.method, s.current]).sort()).toEqual([
      ['supabase', false],
      ['supabase', true],
    ]);
    const other = items.find((s) => !s.current);
    const end = await t.request(`/api/v1/profile/sessions/${other?.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${phone}` },
    });
    expect(end.status).toBe(204);
    await expectRefused(await me(t, laptop), 'session-revoked');
    await meAs(phone);
  });

  it('refuses the local sign-in routes, and logs out here', async () => {
    for (const [path, body] of [
      ['/api/v1/auth/login', { email: 'someone@example.com', password: 'a long password' }],
      ['/api/v1/auth/register', { email: 'someone@example.com', password: 'x', fullName: 'X' }],
      ['/api/v1/auth/password/forgot', { email: 'someone@example.com' }],
    ] as const) {
      const res = await t.json('POST', path, body);
      expect(res.status).toBe(403);
      expect((await problemOf(res)).code).toBe('local-auth-disabled');
    }
    const token = await supabaseToken(supabaseUser());
    await meAs(token);
    const logout = await t.request('/api/v1/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(logout.status).toBe(204);
    await expectRefused(await me(t, token), 'session-revoked');
  });
});

describe('Supabase Auth tokens with SUPABASE_JWT_SECRET (HS256)', () => {
  const secret = 'a-supabase-project-jwt-secret-of-some-length';

  it('accepts tokens signed with the project secret, and only those', async () => {
    const hs = await createTestApp({
      env: {
        AUTH_PROVIDER: 'supabase',
        SUPABASE_URL: supabase.url,
        SUPABASE_JWT_SECRET: secret,
        AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
    try {
      const claims = supabaseUser({ email: 'hs@example.com' });
      const key = new TextEncoder().encode(secret);
      const res = await me(hs, await supabaseToken(claims, { alg: 'HS256', key }));
      expect(res.status).toBe(200);
      expect((await res.json()).email).toBe('hs@example.com');

      const wrongSecret = new TextEncoder().encode(`${secret}-but-another`);
      for (const token of [
        await supabaseToken(claims, { alg: 'HS256', key: wrongSecret }),
        await supabaseToken(claims),
      ]) {
        await expectRefused(await me(hs, token), 'invalid-token');
      }
    } finally {
      await hs.close();
    }
  });
});
