import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  type SignedIn,
  signedInUser,
  signIn,
  TEST_PASSWORD,
} from '../../../test/factories.ts';
import { createTestApp, problemOf } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import type { Role } from '../../platform/core/permissions.ts';
import { outboxEvents } from '../../platform/events/tables.ts';
import { ensureAdmin, ensureBootstrapAdmin } from './bootstrap-admin.ts';
import { externalIdentities, userRoles, users } from './tables.ts';

const t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
afterAll(() => t.close());

let admin: SignedIn;
let moderator: SignedIn;
beforeAll(async () => {
  admin = await signedInUser(t, { roles: ['admin'], fullName: 'Admin One' });
  moderator = await signedInUser(t, { roles: ['moderator'], fullName: 'Moderator One' });
});

interface AdminUserBody {
  id: string;
  email: string | null;
  phone: string | null;
  fullName: string;
  roles: Role[];
  pendingRoles: Role[];
  status: string;
  createdAt: string;
  lastSignInAt: string | null;
  suspendedReason: string | null;
  [key: string]: unknown;
}

/** A word no other test's users contain, so a search finds only this test's users. */
const newTag = () => `tag${crypto.randomUUID().slice(0, 8)}`;

const get = (path: string, headers: Record<string, string>) =>
  t.request(`/api/v1${path}`, { headers });

async function listUsers(query: string, headers = admin.headers): Promise<AdminUserBody[]> {
  const res = await get(`/admin/users?${query}`, headers);
  expect(res.status).toBe(200);
  return (await res.json()).items;
}

const suspend = (id: string, by: SignedIn, reason = 'Fraudulent listings') =>
  t.json('POST', `/api/v1/admin/users/${id}/suspend`, { reason }, by.headers);
const unsuspend = (id: string, by: SignedIn, reason = 'Appeal accepted') =>
  t.json('POST', `/api/v1/admin/users/${id}/unsuspend`, { reason }, by.headers);
const setRoles = (id: string, roles: string[], by = admin) =>
  t.json('PUT', `/api/v1/admin/users/${id}/roles`, { roles }, by.headers);
const login = (email: string | null, password = TEST_PASSWORD) =>
  t.json('POST', '/api/v1/auth/login', { email, password });

async function auditOf(userId: string, action: string) {
  return t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.resourceId, userId), eq(auditLog.action, action)))
    .orderBy(desc(auditLog.occurredAt));
}

async function eventsOf(userId: string, name: string) {
  const rows = await t.database.db
    .select({ payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.aggregateId, userId), eq(outboxEvents.name, name)))
    .orderBy(outboxEvents.occurredAt, outboxEvents.id);
  return rows.map((r) => r.payload);
}

describe('GET /api/v1/admin/users', () => {
  securityCases(() => t, {
    method: 'GET',
    path: '/api/v1/admin/users',
    allowed: ['moderator'],
    forbidden: ['seller'],
  });

  const tag = newTag();
  const cohort: Record<string, string> = {};
  beforeAll(async () => {
    const make = async (name: string, overrides: Parameters<typeof createUser>[1]) => {
      cohort[name] = (await createUser(t, { fullName: `${tag} ${name}`, ...overrides })).id;
    };
    await make('Abebe Seller', { roles: ['seller'], email: `abebe.${tag}@example.com` });
    await make('Almaz Unverified', { status: 'unverified' });
    await make('Chala Suspended', { status: 'suspended', phone: '+251911000111', email: null });
    await make('Dawit axb', {});
    await make('Eleni a_b', {});
    await make('Fasil 50%off', {});
    await make('Genet Pending', {});
    await t.database.db
      .insert(userRoles)
      .values({ userId: cohort['Genet Pending'] as string, role: 'agent', status: 'pending' });
  });

  const names = (items: AdminUserBody[]) =>
    items.map((u) => u.fullName.replace(`${tag} `, '')).sort();

  it('lets moderators and admins list users, newest first, without password hashes', async () => {
    for (const caller of [moderator, admin]) {
      const items = await listUsers(`q=${tag}`, caller.headers);
      expect(items).toHaveLength(7);
      const created = items.map((u) => u.createdAt);
      expect(created).toEqual([...created].sort().reverse());
    }
    const [first] = await listUsers(`q=${tag}&limit=1`);
    expect(first?.fullName).toBe(`${tag} Genet Pending`);
    expect(first).toEqual({
      id: cohort['Genet Pending'],
      email: expect.stringContaining('@example.com'),
      phone: null,
      fullName: `${tag} Genet Pending`,
      roles: ['buyer'],
      pendingRoles: ['agent'],
      status: 'active',
      verifiedAt: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      failedLogins: 0,
      suspendedReason: null,
      lastSignInAt: null,
    });
  });

  it('shows when a user last signed in', async () => {
    const { user } = await signedInUser(t, { fullName: `${newTag()} Signed In` });
    const [found] = await listUsers(`q=${encodeURIComponent(user.fullName)}`);
    expect(found?.id).toBe(user.id);
    expect(Date.parse(found?.lastSignInAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('filters by granted role, by status, and both with a search', async () => {
    expect(names(await listUsers(`q=${tag}&role=seller`))).toEqual(['Abebe Seller']);
    // A pending role grants nothing, so it does not count.
    expect(await listUsers(`q=${tag}&role=agent`)).toEqual([]);
    expect(names(await listUsers(`q=${tag}&status=unverified`))).toEqual(['Almaz Unverified']);
    expect(names(await listUsers(`q=${tag}&status=suspended&role=buyer`))).toEqual([
      'Chala Suspended',
    ]);
    expect(await listUsers(`q=${tag}&status=suspended&role=seller`)).toEqual([]);
    const admins = await listUsers('role=admin&limit=100');
    expect(admins.map((u) => u.id)).toContain(admin.user.id);
    expect(admins.every((u) => u.roles.includes('admin'))).toBe(true);
  });

  it('searches email, phone and full name, in any case', async () => {
    expect(names(await listUsers(`q=${encodeURIComponent(`ABEBE.${tag.toUpperCase()}`)}`))).toEqual(
      ['Abebe Seller'],
    );
    const byPhone = await listUsers(`q=${encodeURIComponent('911000111')}&limit=100`);
    expect(byPhone.map((u) => u.id)).toContain(cohort['Chala Suspended']);
    expect(names(await listUsers(`q=${encodeURIComponent(`${tag} chala`)}`))).toEqual([
      'Chala Suspended',
    ]);
  });

  it('treats % and _ in a search as plain characters', async () => {
    const q = (text: string) => listUsers(`q=${encodeURIComponent(text)}`);
    expect(names(await q(`${tag} Eleni a_b`))).toEqual(['Eleni a_b']);
    expect(names(await q(`${tag} Dawit a_b`))).toEqual([]);
    expect(names(await q(`${tag} Fasil 50%off`))).toEqual(['Fasil 50%off']);
    expect(names(await q(`${tag}%off`))).toEqual([]);
  });

  it('pages with cursors, each user once, in the same order as one big page', async () => {
    const all = await listUsers(`q=${tag}&limit=100`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await get(`/admin/users?q=${tag}&limit=3${after}`, admin.headers);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: AdminUserBody[]; nextCursor: string | null };
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((u) => u.id));
  });

  it('answers 400 naming each bad query field', async () => {
    for (const [query, path] of [
      ['role=emperor', 'query.role'],
      ['status=deleted', 'query.status'],
      ['q=', 'query.q'],
      [`q=${'x'.repeat(101)}`, 'query.q'],
      ['limit=0', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
    ] as const) {
      const res = await get(`/admin/users?${query}`, admin.headers);
      expect(res.status, query).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual([path]);
    }
  });
});

describe('GET /api/v1/admin/users/{id}', () => {
  securityCases(() => t, {
    method: 'GET',
    path: `/api/v1/admin/users/${crypto.randomUUID()}`,
    allowed: ['moderator'],
    forbidden: ['seller'],
  });

  it('shows the live sessions and linked external accounts', async () => {
    const user = await createUser(t, { fullName: 'Linked Person' });
    const phone = await signIn(t, user);
    await signIn(t, user);
    await t.database.db.insert(externalIdentities).values({
      provider: 'google',
      subject: `google-${user.id}`,
      userId: user.id,
      email: 'linked@gmail.com',
    });
    const read = async () => (await get(`/admin/users/${user.id}`, moderator.headers)).json();
    expect(await read()).toMatchObject({
      id: user.id,
      fullName: 'Linked Person',
      roles: ['buyer'],
      sessions: 2,
      lastSignInAt: expect.any(String),
      externalIdentities: [
        { provider: 'google', email: 'linked@gmail.com', createdAt: expect.any(String) },
      ],
    });
    expect(
      (await t.request('/api/v1/auth/logout', { method: 'POST', headers: phone.headers })).status,
    ).toBe(204);
    expect((await read()).sessions).toBe(1);
  });

  it('answers 404 for an unknown user and 400 for an id that is not a UUID', async () => {
    const missing = await get(`/admin/users/${crypto.randomUUID()}`, admin.headers);
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe('not-found');
    const bad = await get('/admin/users/42', admin.headers);
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors?.map((e) => e.path)).toEqual(['params.id']);
  });
});

describe('POST /api/v1/admin/users/{id}/suspend and /unsuspend', () => {
  for (const action of ['suspend', 'unsuspend']) {
    securityCases(() => t, {
      method: 'POST',
      path: `/api/v1/admin/users/${crypto.randomUUID()}/${action}`,
      body: { reason: 'Spam' },
      allowed: ['moderator'],
      forbidden: ['seller'],
    });
  }

  it('suspends a user: their tokens stop working at once and they cannot sign in', async () => {
    const target = await signedInUser(t);
    expect((await get('/auth/me', target.headers)).status).toBe(200);

    const res = await suspend(target.user.id, moderator, '  Fraudulent listings  ');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: target.user.id,
      status: 'suspended',
      suspendedReason: 'Fraudulent listings',
    });

    const me = await get('/auth/me', target.headers);
    expect(me.status).toBe(401);
    expect((await problemOf(me)).code).toBe('account-suspended');
    const refresh = await t.json('POST', '/api/v1/auth/refresh', {
      refreshToken: target.tokens.refreshToken,
    });
    expect(refresh.status).toBe(401);
    const signIn = await login(target.user.email);
    expect(signIn.status).toBe(403);
    expect((await problemOf(signIn)).code).toBe('account-suspended');

    const [entry] = await auditOf(target.user.id, 'user.suspended');
    expect(entry).toMatchObject({
      actorId: moderator.user.id,
      resourceType: 'user',
      before: { status: 'active' },
      after: { status: 'suspended' },
      metadata: { reason: 'Fraudulent listings', sessionsEnded: 1 },
    });
    expect(await eventsOf(target.user.id, 'user.suspended')).toEqual([
      { userId: target.user.id, reason: 'Fraudulent listings', by: moderator.user.id },
    ]);
    const detail = await (await get(`/admin/users/${target.user.id}`, admin.headers)).json();
    expect(detail.sessions).toBe(0);
  });

  it('answers 409 to suspending a suspended user, 422 to suspending yourself', async () => {
    const target = await createUser(t);
    expect((await suspend(target.id, admin)).status).toBe(200);
    const again = await suspend(target.id, admin);
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe('already-suspended');

    const self = await suspend(moderator.user.id, moderator);
    expect(self.status).toBe(422);
    expect((await problemOf(self)).code).toBe('cannot-suspend-self');
    expect((await get('/auth/me', moderator.headers)).status).toBe(200);
  });

  it('lets only an admin suspend or unsuspend an admin', async () => {
    const other = await signedInUser(t, { roles: ['admin'] });
    const refused = await suspend(other.user.id, moderator);
    expect(refused.status).toBe(403);
    expect((await problemOf(refused)).code).toBe('admin-only');
    expect((await get('/admin/audit-log', other.headers)).status).toBe(200);

    expect((await suspend(other.user.id, admin)).status).toBe(200);
    expect((await get('/admin/audit-log', other.headers)).status).toBe(401);
    expect((await unsuspend(other.user.id, moderator)).status).toBe(403);
    expect((await unsuspend(other.user.id, admin)).status).toBe(200);

    const peer = await createUser(t, { roles: ['moderator'] });
    expect((await suspend(peer.id, moderator)).status).toBe(200);
  });

  it('unsuspends to the status the account had earned, and the user signs in again', async () => {
    const target = await createUser(t);
    await suspend(target.id, moderator);
    const res = await unsuspend(target.id, moderator);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'active', suspendedReason: null });
    expect((await login(target.email)).status).toBe(200);
    const [entry] = await auditOf(target.id, 'user.unsuspended');
    expect(entry).toMatchObject({
      actorId: moderator.user.id,
      before: { status: 'suspended' },
      after: { status: 'active' },
      metadata: { reason: 'Appeal accepted' },
    });

    const unverified = await createUser(t, { status: 'unverified' });
    await suspend(unverified.id, moderator);
    expect(await (await unsuspend(unverified.id, moderator)).json()).toMatchObject({
      status: 'unverified',
    });

    const again = await unsuspend(target.id, moderator);
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe('not-suspended');
  });

  it('answers 404 for an unknown user and 400 for a reason too short or missing', async () => {
    const missing = await suspend(crypto.randomUUID(), admin);
    expect(missing.status).toBe(404);
    expect((await unsuspend(crypto.randomUUID(), admin)).status).toBe(404);
    const target = await createUser(t);
    for (const body of [{ reason: ' ab ' }, { reason: 'x'.repeat(501) }, {}]) {
      const res = await t.json(
        'POST',
        `/api/v1/admin/users/${target.id}/suspend`,
        body,
        admin.headers,
      );
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['body.reason']);
    }
    const [row] = await t.database.db.select().from(users).where(eq(users.id, target.id));
    expect(row?.status).toBe('active');
  });
});

describe('PUT /api/v1/admin/users/{id}/roles', () => {
  securityCases(() => t, {
    method: 'PUT',
    path: `/api/v1/admin/users/${crypto.randomUUID()}/roles`,
    body: { roles: ['seller'] },
    allowed: ['admin'],
    forbidden: ['seller', 'moderator'],
  });

  it('replaces the granted roles; the change counts on the user’s existing token', async () => {
    const target = await signedInUser(t);
    expect((await get('/admin/users', target.headers)).status).toBe(403);

    const res = await setRoles(target.user.id, ['moderator', 'seller']);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: target.user.id,
      roles: ['buyer', 'seller', 'moderator'],
    });
    expect((await get('/admin/users', target.headers)).status).toBe(200);

    const back = await setRoles(target.user.id, []);
    expect((await back.json()).roles).toEqual(['buyer']);
    expect((await get('/admin/users', target.headers)).status).toBe(403);

    expect(await eventsOf(target.user.id, 'user.role_changed')).toEqual([
      {
        userId: target.user.id,
        added: ['seller', 'moderator'],
        removed: [],
        by: admin.user.id,
      },
      {
        userId: target.user.id,
        added: [],
        removed: ['seller', 'moderator'],
        by: admin.user.id,
      },
    ]);
    const [latest] = await auditOf(target.user.id, 'user.roles_changed');
    expect(latest).toMatchObject({
      actorId: admin.user.id,
      before: { roles: ['buyer', 'seller', 'moderator'] },
      after: { roles: ['buyer'] },
    });
  });

  it('takes admin powers away from an admin’s existing token at once', async () => {
    const other = await signedInUser(t, { roles: ['admin'] });
    expect((await get('/admin/audit-log', other.headers)).status).toBe(200);
    expect((await setRoles(other.user.id, ['seller'])).status).toBe(200);
    const res = await get('/admin/audit-log', other.headers);
    expect(res.status).toBe(403);
  });

  it('grants a pending role when named, and leaves other pending roles pending', async () => {
    const target = await createUser(t);
    await t.database.db.insert(userRoles).values([
      { userId: target.id, role: 'agent', status: 'pending' },
      { userId: target.id, role: 'broker', status: 'pending' },
    ]);
    const res = await setRoles(target.id, ['agent']);
    expect(await res.json()).toMatchObject({
      roles: ['buyer', 'agent'],
      pendingRoles: ['broker'],
    });
    expect(await eventsOf(target.id, 'user.role_changed')).toEqual([
      { userId: target.id, added: ['agent'], removed: [], by: admin.user.id },
    ]);
  });

  it('changes nothing, and records nothing, when the roles are already those', async () => {
    const target = await createUser(t, { roles: ['seller'] });
    const res = await setRoles(target.id, ['seller', 'buyer']);
    expect(res.status).toBe(200);
    expect((await res.json()).roles).toEqual(['buyer', 'seller']);
    expect(await auditOf(target.id, 'user.roles_changed')).toEqual([]);
    expect(await eventsOf(target.id, 'user.role_changed')).toEqual([]);
  });

  it('refuses an admin removing their own admin role, not keeping it', async () => {
    const res = await setRoles(admin.user.id, ['seller']);
    expect(res.status).toBe(422);
    expect((await problemOf(res)).code).toBe('cannot-demote-self');
    const kept = await setRoles(admin.user.id, ['admin']);
    expect(kept.status).toBe(200);
    expect((await kept.json()).roles).toEqual(['buyer', 'admin']);
  });

  it('answers 400 for unknown or repeated roles and 404 for an unknown user', async () => {
    const target = await createUser(t);
    for (const [roles, path] of [
      [['emperor'], 'body.roles.0'],
      [['seller', 'seller'], 'body.roles'],
      ['seller', 'body.roles'],
    ] as const) {
      const res = await t.json(
        'PUT',
        `/api/v1/admin/users/${target.id}/roles`,
        { roles },
        admin.headers,
      );
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual([path]);
    }
    const missing = await setRoles(crypto.randomUUID(), ['seller']);
    expect(missing.status).toBe(404);
  });
});

describe('the bootstrap admin', () => {
  const PASSWORD = 'a bootstrap admin passphrase';

  it('creates a verified admin who signs in with the password given', async () => {
    const email = `boot-${newTag()}@example.com`;
    const ensured = await ensureAdmin(t.ctx(), { email: email.toUpperCase(), password: PASSWORD });
    expect(ensured.outcome).toBe('created');
    expect(ensured.user).toMatchObject({ email, roles: ['buyer', 'admin'], status: 'active' });

    const res = await login(email, PASSWORD);
    expect(res.status).toBe(200);
    const { accessToken } = await res.json();
    const listed = await get('/admin/users', { Authorization: `Bearer ${accessToken}` });
    expect(listed.status).toBe(200);

    const id = ensured.user.id;
    const [entry] = await auditOf(id, 'user.bootstrap_admin_created');
    expect(entry).toMatchObject({ actorId: null, after: { email, roles: ['buyer', 'admin'] } });
    expect(await eventsOf(id, 'user.registered')).toEqual([{ userId: id, channel: 'email' }]);
    expect(await eventsOf(id, 'user.verified')).toEqual([{ userId: id }]);

    const again = await ensureAdmin(t.ctx(), { email, password: 'another long passphrase' });
    expect(again.outcome).toBe('unchanged');
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect((await login(email, 'another long passphrase')).status).toBe(401);
  });

  it('makes an existing account an admin without touching its password', async () => {
    const existing = await signedInUser(t, { roles: ['seller'] });
    const email = existing.user.email as string;
    expect((await get('/admin/users', existing.headers)).status).toBe(403);

    const ensured = await ensureAdmin(t.ctx(), { email, password: 'not the real password' });
    expect(ensured.outcome).toBe('promoted');
    expect(ensured.user.roles).toEqual(['buyer', 'seller', 'admin']);
    expect((await get('/admin/users', existing.headers)).status).toBe(200);
    expect((await login(email)).status).toBe(200);
    expect(await eventsOf(existing.user.id, 'user.role_changed')).toEqual([
      { userId: existing.user.id, added: ['admin'], removed: [], by: null },
    ]);
    expect(t.logs.some((l) => l.msg.startsWith('granted the admin role'))).toBe(true);
  });

  it('refuses a weak password, naming the rule', async () => {
    await expect(
      ensureAdmin(t.ctx(), { email: `weak-${newTag()}@example.com`, password: 'qwertyuiop' }),
    ).rejects.toMatchObject({
      code: 'weak-password',
      message: 'The password is one of the most common passwords.',
    });
  });

  it('does not make an unverified account an admin; on start it only warns', async () => {
    const squatter = await createUser(t, { status: 'unverified' });
    const email = squatter.email as string;
    await expect(ensureAdmin(t.ctx(), { email, password: PASSWORD })).rejects.toMatchObject({
      code: 'admin-account-unverified',
    });
    const ctx = {
      ...t.ctx(),
      config: { ...t.config, bootstrapAdmin: { email, password: PASSWORD } },
    };
    await ensureBootstrapAdmin(ctx);
    expect(t.logs.some((l) => l.code === 'admin-account-unverified' && l.email === email)).toBe(
      true,
    );
    const roles = await t.database.db
      .select({ role: userRoles.role })
      .from(userRoles)
      .where(eq(userRoles.userId, squatter.id));
    expect(roles.map((r) => r.role)).toEqual(['buyer']);
  });

  it('creates one admin when two processes start at once, and says it is ready', async () => {
    const email = `race-${newTag()}@example.com`;
    const ctx = {
      ...t.ctx(),
      config: { ...t.config, bootstrapAdmin: { email, password: PASSWORD } },
    };
    await Promise.all([ensureBootstrapAdmin(ctx), ensureBootstrapAdmin(ctx)]);
    const rows = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
    expect(
      t.logs.filter((l) => l.msg === 'bootstrap admin ready' && l.email === email),
    ).toHaveLength(2);
    const created = await auditOf(rows[0]?.id as string, 'user.bootstrap_admin_created');
    expect(created).toHaveLength(1);
  });
});
