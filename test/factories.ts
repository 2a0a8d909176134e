import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { hashPassword } from '../src/modules/identity/passwords.ts';
import { startSession, type Tokens } from '../src/modules/identity/sessions.ts';
import { userRoles, users } from '../src/modules/identity/tables.ts';
import type { UserRow } from '../src/modules/identity/users.ts';
import type { Role } from '../src/platform/core/permissions.ts';
import type { Executor } from '../src/platform/db/client.ts';
import type { TestApp } from './harness.ts';

/** The password every factory-made user has, unless given another. */
export const TEST_PASSWORD = 'a long test passphrase';

/** Hashed once per test file: argon2id is slow on purpose. */
const testPasswordHash = hashPassword(TEST_PASSWORD);

export interface UserOverrides {
  email?: string | null;
  phone?: string | null;
  fullName?: string;
  password?: string;
  /** Granted besides `buyer`. */
  roles?: Role[];
  status?: 'unverified' | 'active' | 'suspended';
  /** When the account was made: now unless told. */
  createdAt?: Date;
  /** Write through this transaction instead of the app's database. */
  db?: Executor;
}

/** A user straight in the database: active and verified with an email unless told otherwise. */
export async function createUser(t: TestApp, overrides: UserOverrides = {}): Promise<UserRow> {
  const db = overrides.db ?? t.database.db;
  const status = overrides.status ?? 'active';
  const passwordHash =
    overrides.password === undefined
      ? await testPasswordHash
      : await hashPassword(overrides.password);
  const verifiedAt = status === 'unverified' ? null : new Date();
  const email = overrides.email === undefined ? `user-${uuidv7()}@example.com` : overrides.email;
  const [user] = await db
    .insert(users)
    .values({
      email,
      phone: overrides.phone ?? null,
      fullName: overrides.fullName ?? 'Test User',
      passwordHash,
      status,
      verifiedAt,
      emailVerifiedAt: email ? verifiedAt : null,
      phoneVerifiedAt: overrides.phone ? verifiedAt : null,
      ...(overrides.createdAt ? { createdAt: overrides.createdAt } : {}),
    })
    .returning();
  if (!user) throw new Error('createUser inserted nothing');
  const roles = new Set<Role>(['buyer', ...(overrides.roles ?? [])]);
  await db.insert(userRoles).values(
    [...roles].map((role) => ({
      userId: user.id,
      role,
      status: 'granted' as const,
      grantedAt: new Date(),
    })),
  );
  return user;
}

export interface SignedIn {
  user: UserRow;
  tokens: Tokens;
  /** `{ Authorization: 'Bearer …' }` for the session's access token. */
  headers: Record<string, string>;
}

/** A session for `user`, as a sign-in would start it. */
export async function signIn(t: TestApp, user: UserRow): Promise<SignedIn> {
  const tokens = await startSession(t.ctx(), user, 'test');
  return { user, tokens, headers: { Authorization: `Bearer ${tokens.accessToken}` } };
}

/** A new user, signed in. */
export async function signedInUser(t: TestApp, overrides: UserOverrides = {}): Promise<SignedIn> {
  return signIn(t, await createUser(t, overrides));
}

export async function suspendInDatabase(t: TestApp, userId: string): Promise<void> {
  await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, userId));
}
