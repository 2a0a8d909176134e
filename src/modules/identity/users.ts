import { and, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import { NotFound } from '../../platform/core/errors.ts';
import { isRole, ROLES, type Role } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import type { User } from './schemas.ts';
import { type Channel, type ROLE_STATUSES, userRoles, users } from './tables.ts';

type RoleStatus = (typeof ROLE_STATUSES)[number];

export type UserRow = typeof users.$inferSelect;
export type UserView = z.output<typeof User>;

/** The account an email or phone names (both already normalized by the request schema). */
export interface Identifier {
  email?: string | undefined;
  phone?: string | undefined;
}

export function channelOf(identifier: Identifier): { channel: Channel; destination: string } {
  if (identifier.email) return { channel: 'email', destination: identifier.email };
  if (identifier.phone) return { channel: 'sms', destination: identifier.phone };
  throw new Error('an identifier needs an email or a phone');
}

export async function findUserByIdentifier(
  db: Executor,
  identifier: Identifier,
): Promise<UserRow | undefined> {
  const where = identifier.email
    ? eq(users.email, identifier.email)
    : eq(users.phone, identifier.phone ?? '');
  const [row] = await db.select().from(users).where(where).limit(1);
  return row;
}

export async function findUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function getUser(db: Executor, id: string): Promise<UserRow> {
  const row = await findUser(db, id);
  if (!row) throw new NotFound('user');
  return row;
}

/** Sorts roles in the order ROLES lists them, so every answer lists them alike. */
export const byRoleOrder = (a: Role, b: Role) => ROLES.indexOf(a) - ROLES.indexOf(b);

/** The roles that count: granted ones, in the order ROLES lists them. */
async function rolesWithStatus(db: Executor, userId: string, status: RoleStatus): Promise<Role[]> {
  const rows = await db
    .select({ role: userRoles.role })
    .from(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.status, status)));
  return rows
    .map((r) => r.role)
    .filter(isRole)
    .sort(byRoleOrder);
}

export const grantedRoles = (db: Executor, userId: string) =>
  rolesWithStatus(db, userId, 'granted');

/** Roles asked for and not yet granted: an agent or broker waiting for the KYC check. */
export const pendingRoles = (db: Executor, userId: string) =>
  rolesWithStatus(db, userId, 'pending');

export function toUserView(row: UserRow, roles: readonly Role[]): UserView {
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    fullName: row.fullName,
    roles: [...roles],
    status: row.status,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function userView(db: Executor, row: UserRow): Promise<UserView> {
  return toUserView(row, await grantedRoles(db, row.id));
}

/** How long the account has existed and whether it proved an email or phone: moderation asks. */
export async function accountStanding(
  db: Executor,
  userId: string,
): Promise<{ createdAt: Date; verified: boolean }> {
  const [row] = await db
    .select({ createdAt: users.createdAt, verifiedAt: users.verifiedAt })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!row) throw new NotFound('user');
  return { createdAt: row.createdAt, verified: row.verifiedAt !== null };
}

/** Whether the user proved a phone number: cash on delivery needs one the courier can call. */
export async function hasVerifiedPhone(db: Executor, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ at: users.phoneVerifiedAt })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return Boolean(row?.at && row.at !== null);
}

/** accountStanding of each of `userIds` at once; unknown ids are left out. */
export async function accountStandings(
  db: Executor,
  userIds: readonly string[],
): Promise<Map<string, { createdAt: Date; verified: boolean }>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, createdAt: users.createdAt, verifiedAt: users.verifiedAt })
    .from(users)
    .where(inArray(users.id, [...userIds]));
  return new Map(
    rows.map((row) => [row.id, { createdAt: row.createdAt, verified: row.verifiedAt !== null }]),
  );
}

/** The user's row, locked until the transaction ends, so changes to one account queue up. */
export async function lockUser(db: Executor, userId: string): Promise<UserRow> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).for('update').limit(1);
  if (!row) throw new NotFound('user');
  return row;
}
