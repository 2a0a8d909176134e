import { eq, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, invalidFields, NotFound, zodFields } from '../../platform/core/errors.ts';
import { can } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { listingReviewRequested, listingUpdated } from './events.ts';
import {
  assertNotArchived,
  auditIfStaff,
  columnsOf,
  goLive,
  listingToChange,
  moveTo,
} from './listings.ts';
import { reviewFlags } from './moderation.ts';
import { type ListingChanges, ListingCreate } from './schemas.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingView, listingColumns, listingView } from './views.ts';
import { isPublicStatus, type ListingStatus, type ReviewFlag } from './vocabulary.ts';

/**
 * The way onto the market, and back through review: publishing, renewing an expired listing,
 * and changing one that is public all run the moderation rules, so nothing reaches buyers
 * unchecked. Only an admin's own changes skip them.
 */

async function sendToReview(ctx: Ctx, row: Listed, flags: ReviewFlag[]): Promise<Listed> {
  const updated = await moveTo(ctx, row, 'pending_review', {
    reviewFlags: flags,
    rejectionReason: null,
  });
  await publish(ctx, listingReviewRequested, {
    aggregateId: row.id,
    payload: { listingId: row.id, ownerId: row.ownerId, flags },
  });
  return updated;
}

/**
 * Puts the listing on the market, or in review when a moderation rule fires (an agent awaiting
 * KYC, a new account, a copied photo...) or `first` holds a flag of the caller's: moderators
 * see each reason.
 */
export async function publishOrReview(
  ctx: Ctx,
  row: Listed,
  first: readonly ReviewFlag[] = [],
  now = new Date(),
): Promise<Listed> {
  const flags = can(ctx, 'listings.manage') ? [] : [...first, ...(await reviewFlags(ctx, row))];
  if (flags.length === 0) return goLive(ctx, row, now);
  return sendToReview(ctx, row, flags);
}

const PUBLISHABLE: readonly ListingStatus[] = ['draft', 'rejected', 'expired'];

/**
 * Puts a draft (or an expired listing) on the market, or in review when a rule fires. A
 * rejected listing always goes to review: a moderator took it off, one must put it back.
 */
export async function publishListing(ctx: Ctx, id: string): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToChange(tx, id);
    assertNotArchived(row);
    if (!PUBLISHABLE.includes(row.status)) {
      throw new Conflict(
        'not-publishable',
        `A listing that is ${row.status.replace('_', ' ')} cannot be published.`,
      );
    }
    const rejected: ReviewFlag[] =
      row.status === 'rejected'
        ? [
            {
              rule: 'previously_rejected',
              reason: `A moderator rejected it before: ${row.rejectionReason ?? 'no reason given'}`,
            },
          ]
        : [];
    return listingView(tx.db, tx.storage, await publishOrReview(tx, row, rejected));
  });
}

/**
 * Records a change to what buyers see (fields or photos): the revision moves on, so an
 * approval of what came before is refused, and a public listing is checked again, going back
 * to review when a rule fires now.
 */
export async function contentChanged(ctx: Ctx, row: Listed): Promise<Listed> {
  const [revised] = await ctx.db
    .update(listings)
    .set({ revision: sql`${listings.revision} + 1`, updatedAt: new Date() })
    .where(eq(listings.id, row.id))
    .returning(listingColumns);
  if (!revised) throw new NotFound('listing');
  if (!isPublicStatus(revised.status) || can(ctx, 'listings.manage')) return revised;
  const flags = await reviewFlags(ctx, revised);
  return flags.length === 0 ? revised : sendToReview(ctx, revised, flags);
}

/** A listing as a create request would describe it: the base a PATCH merges into. */
function inputOf(view: ListingView): Record<string, unknown> {
  const { kind, purpose, rentPeriod, title, description, price, location } = view;
  const common = { kind, purpose, rentPeriod, title, description, price, location };
  return kind === 'property'
    ? { ...common, property: view.property }
    : { ...common, vehicle: view.vehicle };
}

/** A property's attributes sent for a vehicle, or the reverse: the kind never changes. */
class ConflictingKind extends Conflict {
  constructor(field: string, kind: string) {
    super('kind-mismatch', `This listing is a ${kind}; it has no ${field} attributes.`, {
      fields: [{ path: field, message: `a ${kind} has no ${field} attributes` }],
    });
  }
}

export async function updateListing(
  ctx: Ctx,
  id: string,
  changes: ListingChanges,
): Promise<ListingView> {
  return withTransaction(ctx, async (tx) => {
    const row = await listingToChange(tx, id);
    assertNotArchived(row);
    const current = await listingView(tx.db, tx.storage, row);
    const other = row.kind === 'property' ? 'vehicle' : 'property';
    if (changes[other] !== undefined) {
      throw new ConflictingKind(other, row.kind);
    }
    const base = inputOf(current);
    const { property, vehicle, ...rest } = changes;
    const merged: Record<string, unknown> = { ...base, ...rest };
    if (row.kind === 'property' && property) merged.property = { ...current.property, ...property };
    if (row.kind === 'vehicle' && vehicle) merged.vehicle = { ...current.vehicle, ...vehicle };
    // Turning a rent into a sale drops the period without being told to.
    if (rest.purpose === 'sale' && rest.rentPeriod === undefined) merged.rentPeriod = null;
    const parsed = ListingCreate.safeParse(merged);
    if (!parsed.success) throw invalidFields(zodFields(parsed.error));
    const [updated] = await tx.db
      .update(listings)
      .set(columnsOf(parsed.data))
      .where(eq(listings.id, id))
      .returning(listingColumns);
    if (!updated) throw new NotFound('listing');
    const fields = Object.keys(changes).filter(
      (k) => changes[k as keyof ListingChanges] !== undefined,
    );
    await publish(tx, listingUpdated, {
      aggregateId: id,
      payload: { listingId: id, ownerId: row.ownerId, fields },
    });
    await auditIfStaff(tx, row, 'listing.updated', { fields });
    return listingView(tx.db, tx.storage, await contentChanged(tx, updated));
  });
}
