import { and, eq, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict } from '../../platform/core/errors.ts';
import type { Tx } from '../../platform/db/client.ts';
import { publish } from '../../platform/events/events.ts';
import { userRegistered } from './events.ts';
import { externalIdentities, userRoles, users } from './tables.ts';
import type { UserRow } from './users.ts';

/**
 * Accounts at outside identity providers (Google, GitHub, Supabase Auth) and the local users
 * they sign in as.
 */

/**
 * Makes concurrent first sign-ins of one external account wait for each other, so the second
 * finds the user the first created instead of creating another.
 */
export async function lockExternalIdentity(
  tx: Ctx & { db: Tx },
  provider: string,
  subject: string,
): Promise<void> {
  await tx.db.execute(
    sql`select pg_advisory_xact_lock(hashtext(${`mercato:external:${provider}:${subject}`}))`,
  );
}

/** The local user an external account was linked to. */
export async function findLinkedUser(
  ctx: Ctx,
  provider: string,
  subject: string,
): Promise<UserRow | undefined> {
  const [row] = await ctx.db
    .select({ user: users })
    .from(externalIdentities)
    .innerJoin(users, eq(users.id, externalIdentities.userId))
    .where(and(eq(externalIdentities.provider, provider), eq(externalIdentities.subject, subject)))
    .limit(1);
  return row?.user;
}

export interface ExternalAccount {
  provider: string;
  subject: string;
  /** The address the provider gave, proven or not, kept with the link. */
  email: string | null;
}

export async function linkIdentity(
  ctx: Ctx,
  account: ExternalAccount,
  userId: string,
): Promise<void> {
  await ctx.db.insert(externalIdentities).values({ ...account, userId });
}

/**
 * A new, active local user for an external account, with the buyer role, linked to it.
 * `email` is the address to give the account: one its owner proved, and nobody else has.
 * `verified`: the provider proved who they are (an OAuth provider always; Supabase for a
 * confirmed email); an unproven one signs in, but what needs a verified account waits.
 */
export async function createExternalUser(
  tx: Ctx & { db: Tx },
  input: {
    account: ExternalAccount;
    email: string | null;
    verified: boolean;
    fullName: string;
    channel: 'oauth' | 'external';
  },
): Promise<UserRow> {
  const now = new Date();
  const [user] = await tx.db
    .insert(users)
    .values({
      email: input.email,
      fullName: input.fullName.trim().slice(0, 120) || 'Mercato user',
      status: 'active',
      verifiedAt: input.verified ? now : null,
      emailVerifiedAt: input.email && input.verified ? now : null,
    })
    .onConflictDoNothing()
    .returning();
  if (!user) {
    throw new Conflict(
      'account-exists',
      'An account with this email was created at the same moment; sign in again.',
    );
  }
  await tx.db
    .insert(userRoles)
    .values({ userId: user.id, role: 'buyer', status: 'granted', grantedAt: now });
  await publish(tx, userRegistered, {
    aggregateId: user.id,
    payload: { userId: user.id, channel: input.channel },
  });
  await linkIdentity(tx, input.account, user.id);
  return user;
}
