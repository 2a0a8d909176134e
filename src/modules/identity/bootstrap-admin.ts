import { sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { userRegistered, userRoleChanged, userVerified } from './events.ts';
import { checkPasswordPolicy, hashPassword } from './passwords.ts';
import { forgetSessions } from './sessions.ts';
import { userRoles, users } from './tables.ts';
import { findUserByIdentifier, grantedRoles, type UserView, userView } from './users.ts';

export interface AdminAccount {
  email: string;
  password: string;
  fullName?: string | undefined;
}

export interface EnsuredAdmin {
  user: UserView;
  /** created: a new account; promoted: an existing one was given the admin role. */
  outcome: 'created' | 'promoted' | 'unchanged';
}

/**
 * Makes sure an admin with `email` exists: creates the account, verified, with `password`, or
 * grants the admin role to the account that already has the email, leaving its password alone.
 * An unverified account is refused: whoever registered it chose its password without proving
 * they own the address, and making it an admin would hand them the keys.
 */
export async function ensureAdmin(ctx: Ctx, account: AdminAccount): Promise<EnsuredAdmin> {
  const email = account.email.toLowerCase();
  // Checked even when the password will not be used, so a weak one is refused every time.
  checkPasswordPolicy(account.password, { email }, 'password');
  const existing = await findUserByIdentifier(ctx.db, { email });
  const passwordHash = existing ? undefined : await hashPassword(account.password);
  const ensured = await withTransaction(ctx, async (tx) => {
    // Several API processes may start at once with the same ADMIN_EMAIL: one acts, the others
    // then find the admin in place.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext('mercato:bootstrap-admin'))`);
    const now = new Date();
    const [created] = passwordHash
      ? await tx.db
          .insert(users)
          .values({
            email,
            fullName: account.fullName ?? 'Administrator',
            passwordHash,
            status: 'active',
            verifiedAt: now,
            emailVerifiedAt: now,
          })
          .onConflictDoNothing()
          .returning()
      : [];
    if (created) {
      await tx.db.insert(userRoles).values(
        (['buyer', 'admin'] as const).map((role) => ({
          userId: created.id,
          role,
          status: 'granted' as const,
          grantedAt: now,
        })),
      );
      await audit(tx, {
        action: 'user.bootstrap_admin_created',
        actorId: null,
        resource: { type: 'user', id: created.id },
        after: { email, roles: ['buyer', 'admin'] },
      });
      const userId = created.id;
      await publish(tx, userRegistered, {
        aggregateId: userId,
        payload: { userId, channel: 'email' },
      });
      await publish(tx, userVerified, { aggregateId: userId, payload: { userId } });
      return { user: created, outcome: 'created' as const };
    }

    const user = await findUserByIdentifier(tx.db, { email });
    if (!user) throw new Error(`the account ${email} disappeared while being made an admin`);
    if (user.status === 'unverified') {
      throw new Conflict(
        'admin-account-unverified',
        `An account with ${email} exists but was never verified, so it was not made an admin: ` +
          'whoever registered it may not own the address. Verify it or use another email.',
      );
    }
    const before = await grantedRoles(tx.db, user.id);
    if (before.includes('admin')) return { user, outcome: 'unchanged' as const };
    await tx.db
      .insert(userRoles)
      .values({ userId: user.id, role: 'admin', status: 'granted', grantedAt: now })
      .onConflictDoUpdate({
        target: [userRoles.userId, userRoles.role],
        set: { status: 'granted', grantedAt: now },
      });
    await audit(tx, {
      action: 'user.roles_changed',
      actorId: null,
      resource: { type: 'user', id: user.id },
      before: { roles: before },
      after: { roles: [...before, 'admin'] },
      metadata: { source: 'bootstrap-admin' },
    });
    await publish(tx, userRoleChanged, {
      aggregateId: user.id,
      payload: { userId: user.id, added: ['admin'], removed: [], by: null },
    });
    return { user, outcome: 'promoted' as const };
  });
  if (ensured.outcome === 'promoted') {
    await forgetSessions(ctx, { userId: ensured.user.id });
    ctx.log.info(
      { email, userId: ensured.user.id, status: ensured.user.status },
      'granted the admin role to the existing account; its password was not changed',
    );
  }
  return { user: await userView(ctx.db, ensured.user), outcome: ensured.outcome };
}

/**
 * The first admin, from ADMIN_EMAIL and ADMIN_PASSWORD, when they are set. An unverified
 * account holding the email is left alone with a warning rather than stopping the start.
 */
export async function ensureBootstrapAdmin(ctx: Ctx): Promise<void> {
  const account = ctx.config.bootstrapAdmin;
  if (!account) return;
  try {
    await ensureAdmin(ctx, account);
  } catch (error) {
    if (!(error instanceof Conflict)) throw error;
    ctx.log.warn({ email: account.email, code: error.code }, error.message);
    return;
  }
  ctx.log.info({ email: account.email }, 'bootstrap admin ready');
}
