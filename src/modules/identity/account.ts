import { and, eq, notInArray } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Forbidden, Unauthenticated } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { sendMail, sendSms } from '../../platform/messaging/jobs.ts';
import { consumeCode, quietly, sendCode } from './codes.ts';
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
import { signUpTakenEmail, signUpTakenSms } from './templates.ts';
import { assertMayTry, attemptOf, clearFailures, recordFailure } from './throttle.ts';
import { channelOf, findUserByIdentifier, type Identifier, type UserRow } from './users.ts';

/** Roles granted only after a professional check (KYC), not by verifying the account. */
export const VETTED_ROLES = ['agent', 'broker'] as const;

/**
 * Creates an account and sends its verification code. For an address an account already has,
 * the answer is the same (it must not tell who has an account here): nothing is created, and
 * the address's owner is told someone tried, in case they forgot they have one.
 */
export async function register(
  ctx: Ctx,
  input: Identifier & { password: string; fullName: string },
): Promise<{ verification: { channel: 'email' | 'sms' } }> {
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
    if (!row) return undefined;
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
  if (user) await sendCode(ctx, { purpose: 'verify', channel, destination, userId: user.id });
  else await tellOwnerOfSignUp(ctx, input);
  return { verification: { channel } };
}

/** Tells an address's owner that someone signed up with it, at most once a cool-down. */
async function tellOwnerOfSignUp(ctx: Ctx, identifier: Identifier): Promise<void> {
  const owner = await findUserByIdentifier(ctx.db, identifier);
  if (!owner) return;
  const { destination } = channelOf(identifier);
  const params = { url: `${ctx.config.publicUrl}/api/v1/auth/password/forgot` };
  await audit(ctx, {
    action: 'auth.sign_up_with_taken_address',
    actorId: null,
    resource: { type: 'user', id: owner.id },
  });
  if (identifier.email)
    await sendMail(ctx, { to: destination, template: signUpTakenEmail, params });
  else await sendSms(ctx, { to: destination, template: signUpTakenSms, params });
}

/**
 * Sends a new verification code to an unverified account; says nothing about other accounts,
 * nor that a code went out a moment ago (the earlier one still works).
 */
export async function resendVerification(ctx: Ctx, identifier: Identifier): Promise<void> {
  const user = await findUserByIdentifier(ctx.db, identifier);
  if (user?.status !== 'unverified') return;
  await quietly(sendCode(ctx, { purpose: 'verify', ...channelOf(identifier), userId: user.id }));
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

/**
 * Signs in with a password. Wrong ones slow further tries from the same address (throttle.ts),
 * for an unknown account as for a known one; the account itself is never locked.
 */
export async function login(ctx: Ctx, input: Identifier & { password: string }): Promise<Tokens> {
  const attempt = attemptOf(ctx, channelOf(input).destination);
  await assertMayTry(ctx, attempt);
  const user = await findUserByIdentifier(ctx.db, input);
  if (!(await verifyPassword(user?.passwordHash ?? null, input.password))) {
    const failures = await recordFailure(ctx, attempt);
    await audit(ctx, {
      action: 'auth.login_failed',
      actorId: null,
      resource: { type: 'user', ...(user ? { id: user.id } : {}) },
      metadata: { failures, ...(user ? {} : { identifier: attempt.account }) },
    });
    throw badCredentials();
  }
  if (!user) throw badCredentials();
  assertCanSignIn(user);
  await clearFailures(ctx, attempt);
  return signIn(ctx, user, 'password');
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
