import { eq, inArray } from 'drizzle-orm';
import type { Actor, Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import type { Role } from '../../platform/core/permissions.ts';
import { userRoles, users } from './tables.ts';
import { byRoleOrder } from './users.ts';

export interface SeedAccount {
  email: string;
  fullName: string;
  /** Granted besides `buyer`. */
  roles: Role[];
}

/**
 * Accounts that own demo and generated data, active and verified, with their roles granted.
 * They have no password: a production database seeded by mistake must not hold accounts anyone
 * can sign in to with a password printed in this repository. Accounts already there are reused,
 * so loading data twice does not fail; one that has a password belongs to a person and is
 * refused rather than given roles.
 *
 * Returns an actor per account, for calling services on its behalf; its session is `seed`, a
 * session that no token names.
 */
export async function ensureSeedAccounts(
  ctx: Ctx,
  accounts: readonly SeedAccount[],
): Promise<Actor[]> {
  const now = new Date();
  const emails = accounts.map((a) => a.email.toLowerCase());
  await ctx.db
    .insert(users)
    .values(
      accounts.map((account, i) => ({
        email: emails[i],
        fullName: account.fullName,
        passwordHash: null,
        status: 'active' as const,
        verifiedAt: now,
        emailVerifiedAt: now,
      })),
    )
    .onConflictDoNothing();
  const rows = await ctx.db
    .select({ id: users.id, email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(inArray(users.email, emails));
  const byEmail = new Map(rows.map((row) => [row.email, row]));
  const actors = accounts.map((account, i) => {
    const row = byEmail.get(emails[i] ?? '');
    if (!row) throw new Error(`the seed account ${emails[i]} was not created`);
    if (row.passwordHash) {
      throw new Conflict(
        'seed-account-taken',
        `${emails[i]} is a person's account (it has a password); seed data will not use it.`,
      );
    }
    const roles = [...new Set<Role>(['buyer', ...account.roles])].sort(byRoleOrder);
    return { userId: row.id, roles, sessionId: 'seed' };
  });
  await ctx.db
    .insert(userRoles)
    .values(
      actors.flatMap((actor) =>
        actor.roles.map((role) => ({
          userId: actor.userId,
          role,
          status: 'granted' as const,
          grantedAt: now,
        })),
      ),
    )
    .onConflictDoUpdate({
      target: [userRoles.userId, userRoles.role],
      set: { status: 'granted', grantedAt: now },
      setWhere: eq(userRoles.status, 'pending'),
    });
  return actors;
}
