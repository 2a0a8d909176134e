import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Actor, Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, Unauthenticated } from '../../platform/core/errors.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { sendMail } from '../../platform/messaging/jobs.ts';
import { magicLinkEmail } from '../../platform/messaging/templates.ts';
import { assertCanSignIn, markVerified } from './account.ts';
import { assertResendAllowed, consumeCode, quietly, sendCode, wrongCode } from './codes.ts';
import { recentlyAdded } from './contact-change.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
import { forgetSessions, revokeUserSessions, signIn, type Tokens } from './sessions.ts';
import { oneTimeCodes, users } from './tables.ts';
import { randomToken, tokenHash } from './tokens.ts';
import {
  channelOf,
  findUser,
  findUserByIdentifier,
  getUser,
  type Identifier,
  type UserRow,
} from './users.ts';

/**
 * Signing in without a password (a code by email or SMS, a link by email), and the password's
 * own life: forgotten, reset with a code, changed while signed in.
 */

export const MAGIC_LINK_TTL_MINUTES = 15;

/**
 * The account a spent code unlocks: the one that holds the address now and that the code was
 * made for. They differ only if the address moved to another account after the code went out.
 */
async function codeOwner(ctx: Ctx, identifier: Identifier, userId: string | null) {
  const user = await findUserByIdentifier(ctx.db, identifier);
  if (!user || user.id !== userId) throw wrongCode();
  return user;
}

/** A code or link that reached an address proves it; the first time, the account records so. */
async function proveAddress(ctx: Ctx, user: UserRow, identifier: Identifier): Promise<UserRow> {
  const proven = identifier.email ? user.emailVerifiedAt : user.phoneVerifiedAt;
  if (proven && user.status !== 'unverified') return user;
  return markVerified(ctx, user, identifier);
}

function signInBy(ctx: Ctx, user: UserRow, identifier: Identifier, method: string) {
  return withTransaction(ctx, async (tx) =>
    signIn(tx, await proveAddress(tx, user, identifier), method),
  );
}

/**
 * Sends a sign-in code to an active account; about any other the caller learns nothing, nor,
 * within the cool-down, that a code went out a moment ago.
 */
export async function requestLoginCode(ctx: Ctx, identifier: Identifier): Promise<void> {
  const user = await findUserByIdentifier(ctx.db, identifier);
  if (user?.status !== 'active') return;
  await quietly(sendCode(ctx, { purpose: 'login', ...channelOf(identifier), userId: user.id }));
}

export async function loginWithCode(
  ctx: Ctx,
  input: Identifier & { code: string },
): Promise<Tokens> {
  const { destination } = channelOf(input);
  const { userId } = await consumeCode(ctx, { purpose: 'login', destination, code: input.code });
  const user = await codeOwner(ctx, input, userId);
  assertCanSignIn(user);
  return signInBy(ctx, user, input, 'otp');
}

/**
 * Mails a sign-in link to an active account, replacing any earlier one; about any other the
 * caller learns nothing. One link a minute per address, like codes; a second request within
 * it answers alike and sends nothing.
 */
export async function requestMagicLink(ctx: Ctx, email: string): Promise<void> {
  const user = await findUserByIdentifier(ctx.db, { email });
  if (user?.status !== 'active') return;
  await quietly(mailMagicLink(ctx, user, email));
}

async function mailMagicLink(ctx: Ctx, user: UserRow, email: string): Promise<void> {
  const mine = and(eq(oneTimeCodes.purpose, 'magic-link'), eq(oneTimeCodes.destination, email));
  await assertResendAllowed(ctx, 'magic-link', email);
  const token = randomToken();
  await withTransaction(ctx, async (tx) => {
    await tx.db
      .update(oneTimeCodes)
      .set({ consumedAt: sql`now()` })
      .where(and(mine, isNull(oneTimeCodes.consumedAt)));
    await tx.db.insert(oneTimeCodes).values({
      userId: user.id,
      purpose: 'magic-link',
      channel: 'email',
      destination: email,
      codeHash: await tokenHash(token),
      expiresAt: new Date(Date.now() + MAGIC_LINK_TTL_MINUTES * 60_000),
    });
  });
  const url = `${ctx.config.publicUrl}/api/v1/auth/magic-link/verify?token=${token}`;
  await sendMail(ctx, {
    to: email,
    template: magicLinkEmail,
    params: { url, expiresInMinutes: MAGIC_LINK_TTL_MINUTES },
  });
}

const invalidLink = () =>
  new Unauthenticated(
    'The sign-in link is wrong, expired or already used; ask for a new one.',
    'invalid-link',
  );

/**
 * Spends a sign-in link and starts a session. Spending it is one statement, so of two clicks
 * racing exactly one signs in; a refusal after it rolls back, leaving the link unspent.
 */
export function loginWithMagicLink(ctx: Ctx, token: string): Promise<Tokens> {
  return withTransaction(ctx, async (tx) => {
    const [link] = await tx.db
      .update(oneTimeCodes)
      .set({ consumedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeCodes.codeHash, await tokenHash(token)),
          eq(oneTimeCodes.purpose, 'magic-link'),
          isNull(oneTimeCodes.consumedAt),
          gt(oneTimeCodes.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: oneTimeCodes.userId, destination: oneTimeCodes.destination });
    const user = link?.userId ? await findUser(tx.db, link.userId) : undefined;
    // The account must still hold the address the link went to.
    if (!link || !user || user.email !== link.destination) throw invalidLink();
    assertCanSignIn(user);
    return signInBy(tx, user, { email: link.destination }, 'magic-link');
  });
}

/**
 * Sends a password-reset code to any account that is not suspended, unless the address became
 * the account's within RESET_HOLD_HOURS. Every caller gets the same answer: a cool-down
 * refusal would tell them the account exists, and the code sent a moment ago still works.
 */
export async function forgotPassword(ctx: Ctx, identifier: Identifier): Promise<void> {
  const user = await findUserByIdentifier(ctx.db, identifier);
  if (!user || user.status === 'suspended') return;
  // An address that just replaced the account's old one cannot reset its password yet: the
  // old address has a day to undo the change first.
  if (await recentlyAdded(ctx, user.id, channelOf(identifier).destination)) return;
  await quietly(
    sendCode(ctx, { purpose: 'password-reset', ...channelOf(identifier), userId: user.id }),
  );
}

/**
 * Sets a new password with a reset code and ends every session. The code proves the address it
 * went to, so an unverified account becomes verified.
 */
export async function resetPassword(
  ctx: Ctx,
  input: Identifier & { code: string; password: string },
): Promise<void> {
  // Checked before the code is spent, so a weak password does not cost the code; only against
  // the address given, since naming the account's other one would reveal it without a code.
  checkPasswordPolicy(input.password, input);
  const { destination } = channelOf(input);
  const { userId } = await consumeCode(ctx, {
    purpose: 'password-reset',
    destination,
    code: input.code,
  });
  const user = await codeOwner(ctx, input, userId);
  if (user.status === 'suspended') {
    throw new Forbidden('This account is suspended; contact support.', 'account-suspended');
  }
  checkPasswordPolicy(input.password, user);
  const passwordHash = await hashPassword(input.password);
  await withTransaction(ctx, async (tx) => {
    await tx.db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
    await proveAddress(tx, user, input);
    const ended = await revokeUserSessions(tx, user.id, 'password-reset');
    await audit(tx, {
      action: 'auth.password_reset',
      actorId: user.id,
      resource: { type: 'user', id: user.id },
      metadata: { sessionsEnded: ended },
    });
  });
  await forgetSessions(ctx, { userId: user.id });
}

/** Replaces the signed-in user's password and ends their other sessions; this one stays. */
export async function changePassword(
  ctx: Ctx,
  actor: Pick<Actor, 'userId' | 'sessionId'>,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await getUser(ctx.db, actor.userId);
  const currentHash = user.passwordHash;
  if (!currentHash) {
    throw new Invalid(
      'no-password',
      'This account has no password yet; set one with POST /api/v1/auth/password/forgot, then /auth/password/reset.',
    );
  }
  if (!(await verifyPassword(currentHash, input.currentPassword))) {
    throw new Invalid('invalid-password', 'The current password is wrong.', {
      fields: [{ path: 'currentPassword', message: 'wrong password' }],
    });
  }
  checkPasswordPolicy(input.newPassword, user, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await withTransaction(ctx, async (tx) => {
    // Only over the hash just checked: a reset in between (which ended this session) wins.
    const [changed] = await tx.db
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, currentHash)))
      .returning({ id: users.id });
    if (!changed) {
      throw new Conflict(
        'password-changed',
        'The password was changed meanwhile; sign in again with the new one.',
      );
    }
    const ended = await revokeUserSessions(tx, user.id, 'password-change', actor.sessionId);
    await audit(tx, {
      action: 'auth.password_changed',
      actorId: user.id,
      resource: { type: 'user', id: user.id },
      metadata: { sessionsEnded: ended },
    });
  });
  await forgetSessions(ctx, { userId: user.id });
}
