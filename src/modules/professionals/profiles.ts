import { and, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../../platform/core/context.ts';
import { DomainError, Forbidden, NotFound } from '../../platform/core/errors.ts';
import type { Page, PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { inspectUpload, withoutMetadata } from '../../platform/storage/index.ts';
import { findUser, grantedRoles, pendingRoles, type UserRow } from '../identity/index.ts';
import {
  activeListingCount,
  type ListingSummaryView,
  publicListingsOf,
} from '../listings/index.ts';
import type { ProfessionalInput, ProfessionalView } from './schemas.ts';
import {
  PROFESSIONAL_ROLES,
  type ProfessionalProfileRow,
  type ProfessionalRole,
  professionalProfiles,
  verifications,
} from './tables.ts';

/** Agents' and brokers' public profiles: what they tell buyers, and their logo. */

export function isProfessionalRole(role: string): role is ProfessionalRole {
  return (PROFESSIONAL_ROLES as readonly string[]).includes(role);
}

/** The user's agent and broker roles that are granted, and those awaiting a KYC check. */
export async function professionalRoles(db: Executor, userId: string) {
  return {
    granted: (await grantedRoles(db, userId)).filter(isProfessionalRole),
    pending: (await pendingRoles(db, userId)).filter(isProfessionalRole),
  };
}

export const professionalRoleRequired = () =>
  new Forbidden(
    'This is for agents and brokers: ask for a role with POST /profile/roles/agent or /broker.',
    'professional-role-required',
  );

/** The logo routes need a profile to hang the logo on. */
class ProfileRequired extends DomainError {
  readonly kind = 'not-found';
  constructor() {
    super(
      'profile-required',
      'You have no professional profile yet: create it with PUT /professionals/me first.',
    );
  }
}

async function findProfile(
  db: Executor,
  userId: string,
  lock = false,
): Promise<ProfessionalProfileRow | undefined> {
  const query = db
    .select()
    .from(professionalProfiles)
    .where(eq(professionalProfiles.userId, userId))
    .limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** Verified: a KYC check was approved for a role the user still holds. */
async function isVerified(db: Executor, userId: string, granted: readonly string[]) {
  const approved = await db
    .selectDistinct({ role: verifications.role })
    .from(verifications)
    .where(and(eq(verifications.userId, userId), eq(verifications.status, 'approved')));
  return approved.some((v) => granted.includes(v.role));
}

async function professionalView(
  ctx: Ctx,
  row: ProfessionalProfileRow,
  user: UserRow,
): Promise<ProfessionalView> {
  const { granted } = await professionalRoles(ctx.db, row.userId);
  return {
    id: row.userId,
    agencyName: row.agencyName,
    licenseNumber: row.licenseNumber,
    bio: row.bio,
    serviceAreas: row.serviceAreas,
    languages: row.languages,
    phone: row.phone,
    website: row.website,
    logoUrl: row.logoKey ? await ctx.storage.url(row.logoKey) : null,
    verified: await isVerified(ctx.db, row.userId, granted),
    roles: granted,
    activeListings: await activeListingCount(ctx.db, row.userId),
    memberSince: user.createdAt.toISOString(),
  };
}

async function ownView(ctx: Ctx, row: ProfessionalProfileRow): Promise<ProfessionalView> {
  const user = await findUser(ctx.db, row.userId);
  if (!user) throw new NotFound('user');
  return professionalView(ctx, row, user);
}

/** A profile anyone may read; a suspended user's is gone with them. */
async function publicProfile(ctx: Ctx, userId: string) {
  const row = await findProfile(ctx.db, userId);
  const user = row && (await findUser(ctx.db, userId));
  if (!row || !user || user.status === 'suspended') throw new NotFound('professional');
  return { row, user };
}

export async function getProfessional(ctx: Ctx, userId: string): Promise<ProfessionalView> {
  const { row, user } = await publicProfile(ctx, userId);
  return professionalView(ctx, row, user);
}

export async function professionalListings(
  ctx: Ctx,
  userId: string,
  page: PageInput,
): Promise<Page<ListingSummaryView>> {
  await publicProfile(ctx, userId);
  return publicListingsOf(ctx, userId, page);
}

export async function getMyProfile(ctx: Ctx): Promise<ProfessionalView> {
  const row = await findProfile(ctx.db, requireActor(ctx).userId);
  if (!row) throw new NotFound('professional profile');
  return ownView(ctx, row);
}

/**
 * Creates or replaces the caller's profile. Agents and brokers may, their KYC check pending
 * or not: a profile is how they present themselves while it is reviewed.
 */
export async function upsertProfile(ctx: Ctx, input: ProfessionalInput): Promise<ProfessionalView> {
  const { userId } = requireActor(ctx);
  const { granted, pending } = await professionalRoles(ctx.db, userId);
  if (granted.length === 0 && pending.length === 0) throw professionalRoleRequired();
  const fields = {
    agencyName: input.agencyName,
    licenseNumber: input.licenseNumber ?? null,
    bio: input.bio ?? null,
    serviceAreas: input.serviceAreas,
    languages: input.languages,
    phone: input.phone ?? null,
    website: input.website ?? null,
  };
  const [row] = await ctx.db
    .insert(professionalProfiles)
    .values({ userId, ...fields })
    .onConflictDoUpdate({ target: professionalProfiles.userId, set: fields })
    .returning();
  if (!row) throw new Error('upserting a professional profile returned no row');
  return ownView(ctx, row);
}

/** A replaced logo's file; a failure only leaves an orphan file, so it is logged. */
async function deleteLogoFile(ctx: Ctx, key: string): Promise<void> {
  try {
    await ctx.storage.delete(key);
  } catch (error) {
    ctx.log.warn({ err: error, key }, 'could not delete a replaced logo');
  }
}

/** Stores `bytes` as the profile's logo: a public image, its metadata stripped. */
export async function setLogo(ctx: Ctx, bytes: Uint8Array): Promise<ProfessionalView> {
  const { userId } = requireActor(ctx);
  // Checked before the upload is stored, so a request without a profile leaves no file.
  if (!(await findProfile(ctx.db, userId))) throw new ProfileRequired();
  const { ext, mime } = await inspectUpload(bytes, {
    allowed: ['image'],
    maxBytes: ctx.config.uploadMaxBytes,
    maxPixels: ctx.config.imageMaxPixels,
  });
  const key = `professionals/${userId}/logo-${uuidv7()}.${ext}`;
  await ctx.storage.put(key, await withoutMetadata(bytes, ext), {
    contentType: mime,
    visibility: 'public',
  });
  let changed: { row: ProfessionalProfileRow; previous: string | null };
  try {
    changed = await withTransaction(ctx, async (tx) => {
      const current = await findProfile(tx.db, userId, true);
      if (!current) throw new ProfileRequired();
      const [row] = await tx.db
        .update(professionalProfiles)
        .set({ logoKey: key })
        .where(eq(professionalProfiles.userId, userId))
        .returning();
      if (!row) throw new ProfileRequired();
      return { row, previous: current.logoKey };
    });
  } catch (error) {
    await ctx.storage.delete(key);
    throw error;
  }
  if (changed.previous) await deleteLogoFile(ctx, changed.previous);
  return ownView(ctx, changed.row);
}

export async function removeLogo(ctx: Ctx): Promise<void> {
  const { userId } = requireActor(ctx);
  const previous = await withTransaction(ctx, async (tx) => {
    const current = await findProfile(tx.db, userId, true);
    if (!current) throw new ProfileRequired();
    if (!current.logoKey) return null;
    await tx.db
      .update(professionalProfiles)
      .set({ logoKey: null })
      .where(eq(professionalProfiles.userId, userId));
    return current.logoKey;
  });
  if (previous) await deleteLogoFile(ctx, previous);
}
