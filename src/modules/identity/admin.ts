import { and, desc, eq, gt, ilike, inArray, isNull, max, type SQL, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import {
  actsAsAdmin,
  assertMayUndo,
  isRole,
  type Role,
  requireActor,
} from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { userRoleChanged, userSuspended } from './events.ts';
import { forgetSessions, REFRESH_TOKEN_TTL_DAYS, revokeUserSessions } from './sessions.ts';
import { externalIdentities, sessions, type UserStatus, userRoles, users } from './tables.ts';
import { failuresByAccount } from './throttle.ts';
import { byRoleOrder, grantedRoles, type UserView } from './users.ts';

/** A user as the people who run Mercato see it: the account's state, not only its profile. */
export interface AdminUser extends UserView {
  pendingRoles: Role[];
  /** Wrong passwords tried for its email and phone, from every address, not yet forgotten. */
  failedLogins: number;
  suspendedReason: string | null;
  lastSignInAt: string | null;
  updatedAt: string;
}

export interface AdminUserDetail extends AdminUser {
  /** Sessions neither revoked nor idle past the refresh token's lifetime. */
  sessions: number;
  externalIdentities: { provider: string; email: string | null; createdAt: string }[];
}

export interface UserFilter {
  role?: Role | undefined;
  status?: UserStatus | undefined;
  /** A piece of the email, phone or full name, in any case. */
  q?: string | undefined;
}

/** Every column but the password hash. */
const adminColumns = {
  id: users.id,
  email: users.email,
  phone: users.phone,
  fullName: users.fullName,
  status: users.status,
  verifiedAt: users.verifiedAt,
  suspendedReason: users.suspendedReason,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

const selectAdminUsers = (db: Executor) => db.select(adminColumns).from(users);
type AdminRow = Awaited<ReturnType<typeof selectAdminUsers>>[number];

/** The same expression as the users_search trigram index, so a search can use it. */
const searchText = sql`(coalesce(${users.email}, '') || ' ' || coalesce(${users.phone}, '') || ' ' || ${users.fullName})`;

const likeLiteral = (text: string) => text.replaceAll(/[\\%_]/g, (c) => `\\${c}`);

/** The admin views of `rows`: every user's roles, and last sign-ins, read in one query each. */
async function toAdminUsers(db: Executor, rows: AdminRow[]): Promise<AdminUser[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const roleRows = await db
    .select({ userId: userRoles.userId, role: userRoles.role, status: userRoles.status })
    .from(userRoles)
    .where(inArray(userRoles.userId, ids));
  const signIns = await db
    .select({ userId: sessions.userId, at: max(sessions.createdAt) })
    .from(sessions)
    .where(inArray(sessions.userId, ids))
    .groupBy(sessions.userId);
  const lastSignIn = new Map(signIns.map((s) => [s.userId, s.at]));
  const failures = await failuresByAccount(
    db,
    rows.flatMap((row) => [row.email, row.phone].filter((a): a is string => a !== null)),
  );
  const failedFor = (row: AdminRow) =>
    (row.email ? (failures.get(row.email) ?? 0) : 0) +
    (row.phone ? (failures.get(row.phone) ?? 0) : 0);
  const rolesOf = (userId: string, status: 'granted' | 'pending') =>
    roleRows
      .filter((r) => r.userId === userId && r.status === status)
      .map((r) => r.role)
      .filter(isRole)
      .sort(byRoleOrder);
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    phone: row.phone,
    fullName: row.fullName,
    roles: rolesOf(row.id, 'granted'),
    status: row.status,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    pendingRoles: rolesOf(row.id, 'pending'),
    failedLogins: failedFor(row),
    suspendedReason: row.suspendedReason,
    lastSignInAt: lastSignIn.get(row.id)?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  }));
}

async function adminUser(db: Executor, userId: string): Promise<AdminUser> {
  const rows = await selectAdminUsers(db).where(eq(users.id, userId)).limit(1);
  const [view] = await toAdminUsers(db, rows);
  if (!view) throw new NotFound('user');
  return view;
}

/** Users, newest first, narrowed by role (granted), status and a search of email, phone, name. */
export async function listUsers(
  ctx: Ctx,
  filter: UserFilter,
  page: PageInput,
): Promise<Page<AdminUser>> {
  const conditions: (SQL | undefined)[] = [
    filter.status ? eq(users.status, filter.status) : undefined,
    filter.q ? ilike(searchText, `%${likeLiteral(filter.q)}%`) : undefined,
    filter.role
      ? sql`exists (select 1 from ${userRoles} where ${userRoles.userId} = ${users.id}
          and ${userRoles.role} = ${filter.role} and ${userRoles.status} = 'granted')`
      : undefined,
  ];
  const found = await keysetPage<AdminRow>(ctx, {
    scope: 'identity:admin-users',
    keys: [
      { column: users.createdAt, direction: 'desc', value: (u) => u.createdAt },
      { column: users.id, direction: 'desc', value: (u) => u.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      selectAdminUsers(ctx.db)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { items: await toAdminUsers(ctx.db, found.items), nextCursor: found.nextCursor };
}

export async function getAdminUser(ctx: Ctx, userId: string): Promise<AdminUserDetail> {
  const view = await adminUser(ctx.db, userId);
  const idleSince = new Date(Date.now() - REFRESH_TOKEN_TTL_DAYS * 86_400_000);
  const [live] = await ctx.db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.lastUsedAt, idleSince),
      ),
    );
  const identities = await ctx.db
    .select({
      provider: externalIdentities.provider,
      email: externalIdentities.email,
      createdAt: externalIdentities.createdAt,
    })
    .from(externalIdentities)
    .where(eq(externalIdentities.userId, userId))
    .orderBy(desc(externalIdentities.createdAt));
  return {
    ...view,
    sessions: live?.count ?? 0,
    externalIdentities: identities.map((i) => ({
      ...i,
      createdAt: i.createdAt.toISOString(),
    })),
  };
}

/**
 * Locks the user's row for the change and returns its status and whether it holds the admin
 * role. Only an admin may suspend or unsuspend an admin, so moderators cannot lock them out.
 */
async function lockTarget(ctx: Ctx, userId: string) {
  const [row] = await ctx.db
    .select({
      status: users.status,
      verifiedAt: users.verifiedAt,
      suspendedByAdmin: users.suspendedByAdmin,
    })
    .from(users)
    .where(eq(users.id, userId))
    .for('update');
  if (!row) throw new NotFound('user');
  const [admin] = await ctx.db
    .select({ role: userRoles.role })
    .from(userRoles)
    .where(
      and(
        eq(userRoles.userId, userId),
        eq(userRoles.role, 'admin'),
        eq(userRoles.status, 'granted'),
      ),
    );
  if (admin && !requireActor(ctx).roles.includes('admin')) {
    throw new Forbidden('Only an admin may suspend or unsuspend an admin.', 'admin-only');
  }
  return row;
}

/**
 * Suspends the account: every session ends and its access tokens are refused from the next
 * request on, not when they expire.
 */
export async function suspendUser(ctx: Ctx, userId: string, reason: string): Promise<AdminUser> {
  const actor = requireActor(ctx);
  if (userId === actor.userId) {
    throw new Invalid('cannot-suspend-self', 'You cannot suspend your own account.');
  }
  const view = await withTransaction(ctx, async (tx) => {
    const target = await lockTarget(tx, userId);
    if (target.status === 'suspended') {
      throw new Conflict('already-suspended', 'The user is already suspended.');
    }
    await tx.db
      .update(users)
      .set({ status: 'suspended', suspendedReason: reason, suspendedByAdmin: actsAsAdmin(tx) })
      .where(eq(users.id, userId));
    const sessionsEnded = await revokeUserSessions(tx, userId, 'suspended');
    await audit(tx, {
      action: 'user.suspended',
      resource: { type: 'user', id: userId },
      before: { status: target.status },
      after: { status: 'suspended' },
      metadata: { reason, sessionsEnded },
    });
    await publish(tx, userSuspended, {
      aggregateId: userId,
      payload: { userId, reason, by: actor.userId },
    });
    return adminUser(tx.db, userId);
  });
  await forgetSessions(ctx, { userId });
  return view;
}

/** Lifts a suspension. The sessions it ended stay ended: the user signs in again. */
export async function unsuspendUser(ctx: Ctx, userId: string, reason: string): Promise<AdminUser> {
  const view = await withTransaction(ctx, async (tx) => {
    const target = await lockTarget(tx, userId);
    if (target.status !== 'suspended') {
      throw new Conflict('not-suspended', 'The user is not suspended.');
    }
    assertMayUndo(tx, target.suspendedByAdmin, 'suspension');
    const status = target.verifiedAt ? 'active' : 'unverified';
    await tx.db
      .update(users)
      .set({ status, suspendedReason: null, suspendedByAdmin: false })
      .where(eq(users.id, userId));
    await audit(tx, {
      action: 'user.unsuspended',
      resource: { type: 'user', id: userId },
      before: { status: 'suspended' },
      after: { status },
      metadata: { reason },
    });
    return adminUser(tx.db, userId);
  });
  // The ended sessions now answer `session-revoked` rather than `account-suspended`.
  await forgetSessions(ctx, { userId });
  return view;
}

/**
 * Makes `roles` (plus `buyer`, which every account has) exactly the user's granted roles.
 * Pending roles that are not named stay pending (an agent still awaiting KYC). The change
 * counts from the user's next request, on tokens already issued too.
 */
export async function setUserRoles(
  ctx: Ctx,
  userId: string,
  roles: readonly Role[],
): Promise<AdminUser> {
  const actor = requireActor(ctx);
  const wanted = [...new Set<Role>(['buyer', ...roles])].sort(byRoleOrder);
  if (userId === actor.userId && !wanted.includes('admin')) {
    throw new Invalid(
      'cannot-demote-self',
      'You cannot remove your own admin role; ask another admin.',
    );
  }
  const view = await withTransaction(ctx, async (tx) => {
    const [target] = await tx.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!target) throw new NotFound('user');
    const current = await tx.db
      .select({ role: userRoles.role })
      .from(userRoles)
      .where(and(eq(userRoles.userId, userId), eq(userRoles.status, 'granted')));
    const before = current
      .map((r) => r.role)
      .filter(isRole)
      .sort(byRoleOrder);
    const added = wanted.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !wanted.includes(r));
    if (added.length === 0 && removed.length === 0) return adminUser(tx.db, userId);
    if (removed.length > 0) {
      await tx.db
        .delete(userRoles)
        .where(and(eq(userRoles.userId, userId), inArray(userRoles.role, removed)));
    }
    if (added.length > 0) {
      const now = new Date();
      await tx.db
        .insert(userRoles)
        .values(added.map((role) => ({ userId, role, status: 'granted' as const, grantedAt: now })))
        .onConflictDoUpdate({
          target: [userRoles.userId, userRoles.role],
          set: { status: 'granted', grantedAt: now },
        });
    }
    await audit(tx, {
      action: 'user.roles_changed',
      resource: { type: 'user', id: userId },
      before: { roles: before },
      after: { roles: wanted },
    });
    await publish(tx, userRoleChanged, {
      aggregateId: userId,
      payload: { userId, added, removed, by: actor.userId },
    });
    return adminUser(tx.db, userId);
  });
  await forgetSessions(ctx, { userId });
  return view;
}

/**
 * Grants `role`, turning a pending request for it (an agent awaiting KYC) into the role. It
 * writes through `ctx.db`, so inside the caller's transaction it commits with the decision
 * that grants it; once that commits, `forgetSessions(ctx, { userId })` makes tokens already
 * issued carry it. Granting a role the user holds changes nothing and tells nobody.
 */
export async function grantRole(ctx: Ctx, userId: string, role: Role): Promise<void> {
  const actor = requireActor(ctx);
  await withTransaction(ctx, async (tx) => {
    const [target] = await tx.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!target) throw new NotFound('user');
    const before = await grantedRoles(tx.db, userId);
    if (before.includes(role)) return;
    const now = new Date();
    await tx.db
      .insert(userRoles)
      .values({ userId, role, status: 'granted', grantedAt: now })
      .onConflictDoUpdate({
        target: [userRoles.userId, userRoles.role],
        set: { status: 'granted', grantedAt: now },
      });
    await audit(tx, {
      action: 'user.roles_changed',
      resource: { type: 'user', id: userId },
      before: { roles: before },
      after: { roles: [...before, role].sort(byRoleOrder) },
    });
    await publish(tx, userRoleChanged, {
      aggregateId: userId,
      payload: { userId, added: [role], removed: [], by: actor.userId },
    });
  });
}

export interface UserContact {
  fullName: string;
  email: string | null;
  phone: string | null;
}

/** Names and contact details by user id, for other modules' staff screens (a KYC review). */
export async function contactsOf(
  db: Executor,
  userIds: readonly string[],
): Promise<Map<string, UserContact>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, fullName: users.fullName, email: users.email, phone: users.phone })
    .from(users)
    .where(inArray(users.id, [...userIds]));
  return new Map(rows.map(({ id, ...contact }) => [id, contact]));
}
