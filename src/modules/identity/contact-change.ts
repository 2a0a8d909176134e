import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Actor, Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, Unauthenticated } from '../../platform/core/errors.ts';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { sendMail, sendSms } from '../../platform/messaging/jobs.ts';
import { verifyPassword } from './passwords.ts';
import { forgetSessions, revokeUserSessions } from './sessions.ts';
import { type Channel, contactChanges, oneTimeCodes, sessions, users } from './tables.ts';
import { contactChangedEmail, contactChangedSms } from './templates.ts';
import { randomToken, tokenHash } from './tokens.ts';
import { findUserByIdentifier, lockUser, type UserRow } from './users.ts';

/**
 * What keeps a stolen access token from taking an account over through its email or phone: a
 * change needs a step-up, the old address is told with a link that undoes the change, the
 * other devices are signed out, and a password reset to the new address waits a day.
 */

/** A passwordless account changes its contact within this long of signing in. */
export const STEP_UP_MINUTES = 10;
/** How long the old address may undo a change. */
export const REVERT_DAYS = 7;
/** How long a new address cannot receive a password reset. */
export const RESET_HOLD_HOURS = 24;

export type ContactField = 'email' | 'phone';

const channelOfField = (field: ContactField): Channel => (field === 'email' ? 'email' : 'sms');

/**
 * Refuses a contact change not proven by more than the access token: the current password for
 * an account that has one, else a sign-in (a code to the current address) in the last minutes.
 */
export async function assertSteppedUp(
  ctx: Ctx,
  actor: Actor,
  user: UserRow,
  currentPassword: string | undefined,
): Promise<void> {
  if (user.passwordHash) {
    if (currentPassword === undefined) {
      throw new Forbidden(
        'Changing the email or phone needs your current password as `currentPassword`.',
        'step-up-required',
      );
    }
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new Invalid('invalid-password', 'The current password is wrong.', {
        fields: [{ path: 'currentPassword', message: 'wrong password' }],
      });
    }
    return;
  }
  const [fresh] = await ctx.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        eq(sessions.id, actor.sessionId),
        gt(sessions.createdAt, sql`now() - make_interval(mins => ${STEP_UP_MINUTES})`),
      ),
    );
  if (!fresh) {
    throw new Forbidden(
      `Sign in again (a code to your current address) and change it within ${STEP_UP_MINUTES} minutes.`,
      'step-up-required',
    );
  }
}

/** What the old address is told once a change commits. */
export interface ContactNotice {
  field: ContactField;
  previous: string;
  current: string;
  token: string;
}

/**
 * Records a verified change of `field` in the caller's transaction and signs the other devices
 * out. Returns what to tell the old address (none when there was no old one).
 */
export async function recordContactChange(
  tx: Ctx,
  actor: Actor,
  change: { field: ContactField; previous: string | null; current: string },
): Promise<ContactNotice | null> {
  const token = change.previous ? randomToken() : null;
  await tx.db.insert(contactChanges).values({
    userId: actor.userId,
    channel: channelOfField(change.field),
    previous: change.previous,
    current: change.current,
    revertTokenHash: token ? await tokenHash(token) : null,
    revertExpiresAt: token ? new Date(Date.now() + REVERT_DAYS * 86_400_000) : null,
  });
  await revokeUserSessions(tx, actor.userId, 'contact-change', actor.sessionId);
  return change.previous && token ? { ...change, previous: change.previous, token } : null;
}

/** Tells the old address of the change, with the link that undoes it. */
export async function tellOldAddress(ctx: Ctx, notice: ContactNotice): Promise<void> {
  const params = {
    channel: notice.field,
    current: notice.current,
    url: `${ctx.config.publicUrl}/api/v1/auth/contact/revert?token=${notice.token}`,
    days: REVERT_DAYS,
  };
  if (notice.field === 'email') {
    await sendMail(ctx, { to: notice.previous, template: contactChangedEmail, params });
  } else {
    await sendSms(ctx, { to: notice.previous, template: contactChangedSms, params });
  }
}

/** Whether `destination` became the account's address too recently to receive a reset. */
export async function recentlyAdded(ctx: Ctx, userId: string, destination: string) {
  const [row] = await ctx.db
    .select({ id: contactChanges.id })
    .from(contactChanges)
    .where(
      and(
        eq(contactChanges.userId, userId),
        eq(contactChanges.current, destination),
        isNull(contactChanges.revertedAt),
        gt(contactChanges.createdAt, sql`now() - make_interval(hours => ${RESET_HOLD_HOURS})`),
      ),
    )
    .limit(1);
  return row !== undefined;
}

const invalidLink = () =>
  new Unauthenticated('The link is wrong, expired or already used.', 'invalid-link');

/**
 * Undoes a contact change from the link sent to the old address: the old address is the
 * account's again (verified: the link reached it), every session ends, pending contact codes
 * stop working, and the password is cleared, since whoever changed the address knew it. The
 * owner signs in with a code, or resets the password, through the address they got back.
 */
export async function revertContactChange(ctx: Ctx, token: string): Promise<void> {
  const userId = await withTransaction(ctx, async (tx) => {
    const [change] = await tx.db
      .update(contactChanges)
      .set({ revertedAt: new Date() })
      .where(
        and(
          eq(contactChanges.revertTokenHash, await tokenHash(token)),
          isNull(contactChanges.revertedAt),
          gt(contactChanges.revertExpiresAt, sql`now()`),
        ),
      )
      .returning();
    if (!change?.previous) throw invalidLink();
    const field: ContactField = change.channel === 'email' ? 'email' : 'phone';
    const user = await lockUser(tx.db, change.userId);
    const holder = await findUserByIdentifier(tx.db, { [field]: change.previous });
    if (holder && holder.id !== user.id) {
      throw new Conflict('contact-taken', `Another account uses this ${field} now.`);
    }
    const now = new Date();
    try {
      await tx.db
        .update(users)
        .set({
          [field]: change.previous,
          ...(field === 'email' ? { emailVerifiedAt: now } : { phoneVerifiedAt: now }),
          passwordHash: null,
        })
        .where(eq(users.id, user.id));
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new Conflict('contact-taken', `Another account uses this ${field} now.`);
      }
      throw error;
    }
    await tx.db
      .update(oneTimeCodes)
      .set({ consumedAt: now })
      .where(
        and(
          eq(oneTimeCodes.userId, user.id),
          eq(oneTimeCodes.purpose, 'contact-change'),
          isNull(oneTimeCodes.consumedAt),
        ),
      );
    const ended = await revokeUserSessions(tx, user.id, 'contact-reverted');
    await audit(tx, {
      action: 'profile.contact_reverted',
      actorId: null,
      resource: { type: 'user', id: user.id },
      before: { [field]: user[field] },
      after: { [field]: change.previous },
      metadata: { sessionsEnded: ended, passwordCleared: user.passwordHash !== null },
    });
    return user.id;
  });
  await forgetSessions(ctx, { userId });
}
