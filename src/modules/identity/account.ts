import { and, eq, notInArray, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, RateLimited, Unauthenticated } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { sendMail, sendSms } from '../../platform/messaging/jobs.ts';
import { consumeCode, sendCode } from './codes.ts';
import { userRegistered, userVerified } from './events.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
import {
  forgetSessions,
  revokeSession,
  revokeUserSessions,
  signIn,
  type Tokens,
} from './sessions.ts';
import { userRoles, users } from './tables.ts';
import { accountLockedEmail, accountLockedSms } from './templates.ts';
import {
  channelOf,
  findUserByIdentifier,
  type Identifier,
  type UserRow,
  type UserView,
  userView,
} from './users.ts';

/** Roles granted only after a professional check (KYC), not by verifying the account. */
export const VETTED_ROLES = ['agent', 'broker'] as const;

/** Failed logins in a row that lock an account, and for how long. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_MINUTES = 15;

export async function register(
  ctx: Ctx,
  input: Identifier & { password: string; fullName: string },
): Promise<{ user: UserView; verification: { channel: 'email' | 'sms' } }> {
  checkPasswordPolicy(input.password, input);
  const { channel, destination } = channelOf(input);
  const passwordHash = await hashPassword(input.password);
  const user = await withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .insert(users)
      .values({
        email: input.email ?? null,
        phone: input.phone ?? null,
        fullName: input.fullName,
        passwordHash,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new Conflict(
        'account-exists',
        `An account with this ${input.email ? 'email' : 'phone number'} already exists; sign in instead.`,
      );
    }
    await tx.db
      .insert(userRoles)
      .values({ userId: row.id, role: 'buyer', status: 'granted', grantedAt: row.createdAt });
    await publish(tx, userRegistered, {
      aggregateId: row.id,
      payload: { userId: row.id, channel },
    });
    await audit(tx, {
      action: 'auth.registered',
      actorId: row.id,
      resource: { type: 'user', id: row.id },
    });
    return row;
  });
  await sendCode(ctx, { purpose: 'verify', channel, destination, userId: user.id });
  return { user: await userView(ctx.db, user), verification: { channel } };
}

/** Sends a new verification code to an unverified account; says nothing about other accounts. */
export async function resendVerification(ctx: Ctx, identifier: Identifier): Promise<void> {
  const user = await findUserByIdentifier(ctx.db, identifier);
  if (user?.status !== 'unverified') return;
  await sendCode(ctx, { purpose: 'verify', ...channelOf(identifier), userId: user.id });
}

/**
 * Marks the account verified through the channel `identifier` names: grants the roles that
 * waited for it (all but the vetted ones) and publishes user.verified the first time.
 */
export async function markVerified(
  ctx: Ctx,
  user: UserRow,
  identifier: Identifier,
): Promise<UserRow> {
  return withTransaction(ctx, async (tx) => {
    const now = new Date();
    const [row] = await tx.db
      .update(users)
      .set({
        verifiedAt: user.verifiedAt ?? now,
        ...(identifier.email ? { emailVerifiedAt: now } : { phoneVerifiedAt: now }),
        status: user.status === 'unverified' ? 'active' : user.status,
      })
      .where(eq(users.id, user.id))
      .returning();
    if (!row) throw new Error('verified user vanished');
    if (!user.verifiedAt) {
      await tx.db
        .update(userRoles)
        .set({ status: 'granted', grantedAt: now })
        .where(
          and(
            eq(userRoles.userId, user.id),
            eq(userRoles.status, 'pending'),
            notInArray(userRoles.role, [...VETTED_ROLES]),
          ),
        );
      await publish(tx, userVerified, { aggregateId: user.id, payload: { userId: user.id } });
      await audit(tx, {
        action: 'auth.verified',
        actorId: user.id,
        resource: { type: 'user', id: user.id },
      });
    }
    return row;
  });
}

export async function verify(ctx: Ctx, input: Identifier & { code: string }): Promise<Tokens> {
  const { destination } = channelOf(input);
  await consumeCode(ctx, { purpose: 'verify', destination, code: input.code });
  const user = await findUserByIdentifier(ctx.db, input);
  // A code is only ever sent to an account's own address, so this is a race with deletion.
  if (!user) throw new Unauthenticated('The account no longer exists.', 'invalid-credentials');
  return withTransaction(ctx, async (tx) => {
    const verified = await markVerified(tx, user, input);
    return signIn(tx, verified, 'verification-code');
  });
}

const badCredentials = () =>
  new Unauthenticated('The email, phone or password is wrong.', 'invalid-credentials');

/** Refuses a sign-in to an account that may not have one now. */
export function assertCanSignIn(user: UserRow): void {
  if (user.status === 'suspended') {
    throw new Forbidden('This account is suspended; contact support.', 'account-suspended');
  }
  if (user.status === 'unverified') {
    throw new Forbidden(
      'Verify the account first: POST /api/v1/auth/verify with the code we sent (resend: POST /api/v1/auth/verify/resend).',
      'account-unverified',
    );
  }
}

function assertNotLocked(user: UserRow): void {
  const lockedFor = (user.lockedUntil?.getTime() ?? 0) - Date.now();
  if (lockedFor > 0) {
    throw new RateLimited(
      lockedFor / 1000,
      'The account is locked after repeated failed sign-ins; try again later.',
      { code: 'account-locked' },
    );
  }
}

/**
 * Counts a failed password, locking the account at the threshold (and telling its owner).
 * Committed on its own, before the caller answers 401.
 */
async function recordFailedLogin(ctx: Ctx, user: UserRow | undefined, identifier: Identifier) {
  if (!user) {
    await audit(ctx, {
      action: 'auth.login_failed',
      actorId: null,
      resource: { type: 'user' },
      metadata: { identifier: identifier.email ?? identifier.phone },
    });
    return;
  }
  const locked = await withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .update(users)
      .set({
        failedLogins: sql`${users.failedLogins} + 1`,
        lockedUntil: sql`case when ${users.failedLogins} + 1 >= ${LOCKOUT_THRESHOLD}
          then now() + make_interval(mins => ${LOCKOUT_MINUTES}) else ${users.lockedUntil} end`,
      })
      .where(eq(users.id, user.id))
      .returning({ failedLogins: users.failedLogins });
    const failures = row?.failedLogins ?? 0;
    await audit(tx, {
      action: 'auth.login_failed',
      actorId: null,
      resource: { type: 'user', id: user.id },
      metadata: { failures },
    });
    if (failures !== LOCKOUT_THRESHOLD) return false;
    await audit(tx, {
      action: 'auth.locked',
      actorId: null,
      resource: { type: 'user', id: user.id },
      metadata: { minutes: LOCKOUT_MINUTES },
    });
    return true;
  });
  if (!locked) return;
  const params = { minutes: LOCKOUT_MINUTES };
  if (user.email) await sendMail(ctx, { to: user.email, template: accountLockedEmail, params });
  else if (user.phone) await sendSms(ctx, { to: user.phone, template: accountLockedSms, params });
}

export async function login(ctx: Ctx, input: Identifier & { password: string }): Promise<Tokens> {
  const user = await findUserByIdentifier(ctx.db, input);
  if (user) assertNotLocked(user);
  if (!(await verifyPassword(user?.passwordHash ?? null, input.password))) {
    await recordFailedLogin(ctx, user, input);
    throw badCredentials();
  }
  if (!user) throw badCredentials();
  assertCanSignIn(user);
  return withTransaction(ctx, async (tx) => {
    await tx.db
      .update(users)
      .set({ failedLogins: 0, lockedUntil: null })
      .where(eq(users.id, user.id));
    return signIn(tx, user, 'password');
  });
}

export async function logout(
  ctx: Ctx,
  actor: { userId: string; sessionId: string },
): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await revokeSession(tx, actor.sessionId, 'logout');
    await audit(tx, { action: 'auth.logout', resource: { type: 'session', id: actor.sessionId } });
  });
  await forgetSessions(ctx, { sessionId: actor.sessionId });
}

export async function logoutAll(ctx: Ctx, actor: { userId: string }): Promise<number> {
  const ended = await withTransaction(ctx, async (tx) => {
    const count = await revokeUserSessions(tx, actor.userId, 'logout-all');
    await audit(tx, {
      action: 'auth.logout_all',
      resource: { type: 'user', id: actor.userId },
      metadata: { sessions: count },
    });
    return count;
  });
  await forgetSessions(ctx, { userId: actor.userId });
  return ended;
}
