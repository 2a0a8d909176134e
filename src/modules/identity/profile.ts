import { and, desc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, NotFound } from '../../platform/core/errors.ts';
import { isRole, type Role, requireActor } from '../../platform/core/permissions.ts';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { markVerified, VETTED_ROLES } from './account.ts';
import { type AvatarView, avatarOf } from './avatar.ts';
import { CODE_MAX_ATTEMPTS, consumeCode, sendCode, wrongCode } from './codes.ts';
import {
  assertSteppedUp,
  type ContactField,
  type ContactNotice,
  recordContactChange,
  tellOldAddress,
} from './contact-change.ts';
import { userRoleChanged } from './events.ts';
import { forgetSessions } from './sessions.ts';
import { type Channel, oneTimeCodes, userRoles, users } from './tables.ts';
import {
  byRoleOrder,
  channelOf,
  findUserByIdentifier,
  getUser,
  type Identifier,
  lockUser,
  toUserView,
  type UserRow,
  type UserView,
} from './users.ts';

/** The roles a user can ask for themselves; moderator and admin are given by an admin. */
export const REQUESTABLE_ROLES = ['seller', 'owner', 'agent', 'broker', 'organizer'] as const;
export type RequestableRole = (typeof REQUESTABLE_ROLES)[number];

export interface ProfileView extends UserView {
  locale: string;
  timezone: string;
  avatar: AvatarView | null;
  emailVerified: boolean;
  phoneVerified: boolean;
  pendingRoles: Role[];
  /** A new email or phone waiting for its code; the current one stays until then. */
  pendingContact: { email?: string; phone?: string } | null;
  hasPassword: boolean;
}

export interface ProfileChanges {
  fullName?: string | undefined;
  locale?: string | undefined;
  timezone?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  /** The step-up a new email or phone needs from an account with a password. */
  currentPassword?: string | undefined;
}

async function pendingContactOf(db: Executor, userId: string) {
  const live = await db
    .select({ channel: oneTimeCodes.channel, destination: oneTimeCodes.destination })
    .from(oneTimeCodes)
    .where(
      and(
        eq(oneTimeCodes.userId, userId),
        eq(oneTimeCodes.purpose, 'contact-change'),
        isNull(oneTimeCodes.consumedAt),
        gt(oneTimeCodes.expiresAt, sql`now()`),
        lt(oneTimeCodes.attempts, CODE_MAX_ATTEMPTS),
      ),
    )
    .orderBy(desc(oneTimeCodes.createdAt));
  const email = live.find((c) => c.channel === 'email')?.destination;
  const phone = live.find((c) => c.channel === 'sms')?.destination;
  if (!email && !phone) return null;
  return { ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

async function profileOf(ctx: Ctx, row: UserRow): Promise<ProfileView> {
  const roles = await ctx.db
    .select({ role: userRoles.role, status: userRoles.status })
    .from(userRoles)
    .where(eq(userRoles.userId, row.id));
  const withStatus = (status: 'granted' | 'pending') =>
    roles
      .filter((r) => r.status === status)
      .map((r) => r.role)
      .filter(isRole)
      .sort(byRoleOrder);
  return {
    ...toUserView(row, withStatus('granted')),
    locale: row.locale,
    timezone: row.timezone,
    avatar: await avatarOf(ctx.storage, row.avatarKey),
    emailVerified: row.emailVerifiedAt !== null,
    phoneVerified: row.phoneVerifiedAt !== null,
    pendingRoles: withStatus('pending'),
    pendingContact: await pendingContactOf(ctx.db, row.id),
    hasPassword: row.passwordHash !== null,
  };
}

export async function getProfile(ctx: Ctx): Promise<ProfileView> {
  return profileOf(ctx, await getUser(ctx.db, requireActor(ctx).userId));
}

const identifierOf = (field: ContactField, value: string): Identifier =>
  field === 'email' ? { email: value } : { phone: value };

const contactTaken = (field: ContactField) =>
  new Conflict('contact-taken', `Another account already uses this ${field}.`, {
    fields: [{ path: field, message: 'already used by another account' }],
  });

/**
 * Changes the name, locale and time zone at once. A new email or phone needs a step-up (the
 * current password, or a recent sign-in) and only gets a code: it replaces the current one when
 * verified (verifyContactChange), so a typo cannot lock anyone out of their account.
 */
export async function updateProfile(ctx: Ctx, changes: ProfileChanges): Promise<ProfileView> {
  const actor = requireActor(ctx);
  const { userId } = actor;
  const user = await getUser(ctx.db, userId);
  const contacts = (['email', 'phone'] as const).flatMap((field) => {
    const value = changes[field];
    return value !== undefined && value !== user[field] ? [{ field, value }] : [];
  });
  if (contacts.length > 0) await assertSteppedUp(ctx, actor, user, changes.currentPassword);
  for (const { field, value } of contacts) {
    if (await findUserByIdentifier(ctx.db, identifierOf(field, value))) throw contactTaken(field);
  }
  for (const { field, value } of contacts) {
    const channel: Channel = field === 'email' ? 'email' : 'sms';
    await sendCode(ctx, { purpose: 'contact-change', channel, destination: value, userId });
    // One pending address per channel: an earlier request's code stops working.
    await ctx.db
      .update(oneTimeCodes)
      .set({ consumedAt: sql`now()` })
      .where(
        and(
          eq(oneTimeCodes.userId, userId),
          eq(oneTimeCodes.purpose, 'contact-change'),
          eq(oneTimeCodes.channel, channel),
          ne(oneTimeCodes.destination, value),
          isNull(oneTimeCodes.consumedAt),
        ),
      );
  }

  await withTransaction(ctx, async (tx) => {
    const current = await lockUser(tx.db, userId);
    const fields = (['fullName', 'locale', 'timezone'] as const).filter(
      (field) => changes[field] !== undefined && changes[field] !== current[field],
    );
    if (fields.length === 0 && contacts.length === 0) return;
    const set: ProfileChanges = {};
    for (const field of fields) set[field] = changes[field];
    if (fields.length > 0) await tx.db.update(users).set(set).where(eq(users.id, userId));
    await audit(tx, {
      action: 'profile.updated',
      resource: { type: 'user', id: userId },
      before: Object.fromEntries(fields.map((f) => [f, current[f]])),
      after: set,
      ...(contacts.length > 0
        ? { metadata: { contactChangeRequested: contacts.map((c) => c.field) } }
        : {}),
    });
  });
  return getProfile(ctx);
}

/**
 * Spends the code sent to a new email or phone and makes it the account's, verified. An
 * unverified account becomes verified by it, as by its sign-up code. The other devices are
 * signed out, and the old address is told, with a link that undoes the change.
 */
export async function verifyContactChange(
  ctx: Ctx,
  input: Identifier & { code: string },
): Promise<ProfileView> {
  const actor = requireActor(ctx);
  const { userId } = actor;
  const { channel, destination } = channelOf(input);
  const field: ContactField = channel === 'email' ? 'email' : 'phone';
  const spent = await consumeCode(ctx, {
    purpose: 'contact-change',
    destination,
    code: input.code,
  });
  // Another user's pending address: to this caller it is a wrong code.
  if (spent.userId !== userId) throw wrongCode();

  let notice: ContactNotice | null;
  try {
    notice = await withTransaction(ctx, async (tx) => {
      const user = await lockUser(tx.db, userId);
      const holder = await findUserByIdentifier(tx.db, identifierOf(field, destination));
      if (holder && holder.id !== userId) throw contactTaken(field);
      const [changed] = await tx.db
        .update(users)
        .set({ [field]: destination })
        .where(eq(users.id, userId))
        .returning();
      if (!changed) throw new NotFound('user');
      await markVerified(tx, changed, identifierOf(field, destination));
      await audit(tx, {
        action: 'profile.contact_changed',
        resource: { type: 'user', id: userId },
        before: { [field]: user[field] },
        after: { [field]: destination },
      });
      return recordContactChange(tx, actor, {
        field,
        previous: user[field],
        current: destination,
      });
    });
  } catch (error) {
    // Someone took the address between the check and the update.
    if (isUniqueViolation(error)) throw contactTaken(field);
    throw error;
  }
  // The other devices were signed out (and verifying may have granted waiting roles): the
  // cached session states are stale.
  await forgetSessions(ctx, { userId });
  if (notice) await tellOldAddress(ctx, notice);
  return getProfile(ctx);
}

export interface RoleRequest {
  role: RequestableRole;
  status: 'granted' | 'pending';
}

/**
 * Asks for a role. seller, owner and organizer come at once to a verified account, and with
 * verification to an unverified one; agent and broker wait for a professional check.
 */
export async function requestRole(ctx: Ctx, role: RequestableRole): Promise<RoleRequest> {
  const { userId } = requireActor(ctx);
  const vetted = (VETTED_ROLES as readonly string[]).includes(role);
  const outcome = await withTransaction(ctx, async (tx) => {
    // Locked, so verification (which grants pending roles) cannot slip between read and write.
    const user = await lockUser(tx.db, userId);
    const grant = user.verifiedAt !== null && !vetted;
    const [existing] = await tx.db
      .select({ status: userRoles.status })
      .from(userRoles)
      .where(and(eq(userRoles.userId, userId), eq(userRoles.role, role)));
    if (existing?.status === 'granted') return { status: 'granted' as const, changed: false };
    if (existing && !grant) return { status: 'pending' as const, changed: false };
    const status = grant ? ('granted' as const) : ('pending' as const);
    const grantedAt = grant ? new Date() : null;
    if (existing) {
      await tx.db
        .update(userRoles)
        .set({ status, grantedAt })
        .where(and(eq(userRoles.userId, userId), eq(userRoles.role, role)));
    } else {
      await tx.db.insert(userRoles).values({ userId, role, status, grantedAt });
    }
    const resource = { type: 'user', id: userId };
    await audit(tx, { action: 'user.role_requested', resource, metadata: { role, status } });
    if (grant) {
      await audit(tx, { action: 'user.role_granted', resource, metadata: { role } });
      await publish(tx, userRoleChanged, {
        aggregateId: userId,
        payload: { userId, added: [role], removed: [], by: userId },
      });
    }
    return { status, changed: grant };
  });
  // The authenticator reads roles from the cached session state: drop it so the role counts now.
  if (outcome.changed) await forgetSessions(ctx, { userId });
  return { role, status: outcome.status };
}
